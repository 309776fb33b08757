// Two web processes (`npm start`, WORKER=off) on two ports, one PostgreSQL, one shared
// storage (storageEnv), and one `npm run worker`: the deployment of docs/operations.md in
// small. Any instance serves any request of any upload, two writers never mix their bytes,
// and a client whose instance dies mid-PATCH resumes through the other one.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { createUpload, headUpload, patchUpload } from '../uploads/helpers';
import { killAll, patterned, serverSha256, sha256, startInstance, startWorkerProcess } from './support';
import type { Instance } from './support';

const MiB = 1024 * 1024;
let tdb: TestDatabase;
let root: string;
let a: Instance;
let b: Instance;
let cookie: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  root = mkdtempSync(path.join(os.tmpdir(), 'td-faults-two-'));
  [a, b] = await Promise.all([
    startInstance({ databaseUrl: tdb.url, root, name: 'a' }),
    startInstance({ databaseUrl: tdb.url, root, name: 'b' }),
  ]);
  await startWorkerProcess({ databaseUrl: tdb.url, root });
  cookie = (await createUserWithSession(tdb.db)).cookie;
}, 180_000);

afterAll(async () => {
  await killAll();
  await tdb?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const idOf = (url: string) => url.split('/').pop()!;
const on = (instance: Instance, uploadUrl: string) => `${instance.url}/uploads/files/${idOf(uploadUrl)}`;

async function newUpload(via: Instance, size: number): Promise<string> {
  const c = await createUpload(via.url, {
    cookie,
    origin: via.url,
    length: size,
    metadata: { filename: 'reseau.zip', purpose: 'dataset' },
  });
  expect(c.res.status).toBe(201);
  return c.url!;
}

/** A request body that sends `data` in pieces, pausing between them (a slow client). */
function slowBody(data: Buffer, piece: number, pauseMs: number, onSent?: (sent: number) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= data.length) return controller.close();
      await new Promise((r) => setTimeout(r, pauseMs));
      const next = data.subarray(sent, sent + piece);
      sent += next.length;
      controller.enqueue(new Uint8Array(next));
      onSent?.(sent);
    },
  });
}

async function metric(instance: Instance, name: string): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('two instances on one database and one storage', () => {
  it('completes a 64 MB upload whose PATCH requests alternate between the instances, with the right sha256', async () => {
    const data = patterned(64 * MiB, 7);
    const before = (await metric(a, 'terridata_upload_bytes_received_total')) + (await metric(b, 'terridata_upload_bytes_received_total'));
    const url = await newUpload(a, data.length);
    const chunk = 4 * MiB;
    for (let offset = 0, i = 0; offset < data.length; offset += chunk, i++) {
      const via = i % 2 === 0 ? b : a; // created on a, first bytes on b
      const r = await patchUpload(on(via, url), { cookie, origin: via.url, offset, body: data.subarray(offset, offset + chunk) });
      expect(r.res.status, r.body).toBe(204);
      expect(Number(r.res.headers.get('upload-offset'))).toBe(Math.min(offset + chunk, data.length));
    }
    // Either instance now reports the upload complete.
    for (const via of [a, b]) {
      const head = await headUpload(on(via, url), { cookie, origin: via.url });
      expect(head.headers.get('upload-offset')).toBe(String(data.length));
    }
    expect(await serverSha256(tdb.db, idOf(url))).toBe(sha256(data));
    // Each instance counted the bytes it received; together, the whole file.
    const after = (await metric(a, 'terridata_upload_bytes_received_total')) + (await metric(b, 'terridata_upload_bytes_received_total'));
    expect(after - before).toBe(data.length);
  }, 180_000);

  it('two concurrent PATCH requests on one upload through two instances: one is stopped or refused, the bytes never mix', async () => {
    const size = 8 * MiB;
    const url = await newUpload(a, size);
    const fromA = Buffer.alloc(4 * MiB, 0x41); // "AAAA…"
    const fromB = Buffer.alloc(4 * MiB, 0x42); // "BBBB…"
    const t0 = Date.now();
    const first = patchUpload(on(a, url), { cookie, origin: a.url, offset: 0, body: slowBody(fromA, 128 * 1024, 40) })
      .then((r) => ({ who: 'a', status: r.res.status, offset: r.res.headers.get('upload-offset'), at: Date.now() - t0 }))
      .catch((e: Error) => ({ who: 'a', status: 0, offset: null, at: Date.now() - t0, error: e.message }));
    await new Promise((r) => setTimeout(r, 400));
    const second = patchUpload(on(b, url), { cookie, origin: b.url, offset: 0, body: slowBody(fromB, 128 * 1024, 40) })
      .then((r) => ({ who: 'b', status: r.res.status, offset: r.res.headers.get('upload-offset'), at: Date.now() - t0 }))
      .catch((e: Error) => ({ who: 'b', status: 0, offset: null, at: Date.now() - t0, error: e.message }));
    const results = await Promise.all([first, second]);
    // Both started at offset 0: at most one of them may have written; the other waited for
    // the lock and was then refused (409: the offset moved) or locked out (423).
    const accepted = results.filter((r) => r.status === 204);
    expect(accepted.length, JSON.stringify(results)).toBeLessThanOrEqual(1);
    expect(results.some((r) => r.status === 409 || r.status === 423), JSON.stringify(results)).toBe(true);

    const head = await headUpload(on(b, url), { cookie, origin: b.url });
    const stored = Number(head.headers.get('upload-offset'));
    expect(stored).toBeLessThanOrEqual(4 * MiB);
    // Fill the rest, and compare the server's digest with the two possible honest contents.
    const filler = patterned(size - stored, 3);
    const r = await patchUpload(on(a, url), { cookie, origin: a.url, offset: stored, body: filler });
    expect(r.res.status, r.body).toBe(204);
    const digest = await serverSha256(tdb.db, idOf(url));
    const onlyA = sha256(Buffer.concat([fromA.subarray(0, stored), filler]));
    const onlyB = sha256(Buffer.concat([fromB.subarray(0, stored), filler]));
    expect([onlyA, onlyB]).toContain(digest);
  }, 120_000);

  it('kill -9 of the instance serving a PATCH: the client resumes through the other, sha256 right', async () => {
    const data = patterned(32 * MiB, 11);
    const url = await newUpload(b, data.length);
    const firstPart = 8 * MiB;
    const r1 = await patchUpload(on(b, url), { cookie, origin: b.url, offset: 0, body: data.subarray(0, firstPart) });
    expect(r1.res.status).toBe(204);

    // The next 16 MB go to instance a, slowly; a dies with SIGKILL after 4 MB more.
    let killed = false;
    const dying = patchUpload(on(a, url), {
      cookie,
      origin: a.url,
      offset: firstPart,
      body: slowBody(data.subarray(firstPart, firstPart + 16 * MiB), 256 * 1024, 20, (sent) => {
        if (sent >= 4 * MiB && !killed) {
          killed = true;
          void a.kill('SIGKILL');
        }
      }),
    }).catch((e: Error) => e);
    const outcome = await dying;
    expect(killed).toBe(true);
    expect(outcome).toBeInstanceOf(Error); // the connection died with the instance
    await a.child.exited; // the socket can close before the exit is seen
    expect(a.child.proc.signalCode).toBe('SIGKILL');

    // The client comes back through b: the dead instance's lock went with its connection.
    const head = await headUpload(on(b, url), { cookie, origin: b.url });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(firstPart);
    expect(offset).toBeLessThan(firstPart + 16 * MiB);
    const r2 = await patchUpload(on(b, url), { cookie, origin: b.url, offset, body: data.subarray(offset) });
    expect(r2.res.status, r2.body).toBe(204);
    expect(r2.res.headers.get('upload-offset')).toBe(String(data.length));
    expect(await serverSha256(tdb.db, idOf(url))).toBe(sha256(data));
  }, 120_000);
});
