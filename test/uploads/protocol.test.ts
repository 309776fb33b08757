// The tus endpoint against the real server and PostgreSQL: who may upload, what is refused
// at creation (before any byte is stored), the protocol's faults, and expiry.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireUploads, removeOrphanBytes } from '../../app/domain/uploads/uploads.server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { createUpload, headUpload, patchUpload, statusOf, tusUpload } from './helpers';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

let tdb: TestDatabase;
let server: TestServer;
let uploadsDir: string;
let alice: SignedInTestUser;
let bob: SignedInTestUser;

const DATASET_MAX = 1_000_000;
const QUOTA = 1_500_000;

beforeAll(async () => {
  tdb = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-uploads-'));
  server = await startTestServer({
    db: tdb.db,
    pool: tdb.pool,
    env: {
      UPLOADS_DIR: uploadsDir,
      UPLOAD_DATASET_MAX_BYTES: String(DATASET_MAX),
      UPLOAD_PHOTO_MAX_BYTES: '100000',
      UPLOAD_QUOTA_BYTES: String(QUOTA),
    },
  });
  alice = await createUserWithSession(tdb.db);
  bob = await createUserWithSession(tdb.db);
});

afterAll(async () => {
  await server?.close();
  await tdb?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const csv = (n: number) => Buffer.from(`commune;valeur\n${'69123;1\n'.repeat(n)}`);
const meta = (filename: string, purpose = 'dataset') => ({
  filename,
  purpose,
  filetype: 'text/csv',
});
const row = (id: string) =>
  tdb.db.selectFrom('upload').selectAll().where('id', '=', id).executeTakeFirst();
const idOf = (url: string) => url.split('/').pop()!;
const storedBytes = (id: string) => statSync(path.join(uploadsDir, 'tus', id)).size;
const as = (u: SignedInTestUser) => ({ cookie: u.cookie, origin: server.url });

describe('a complete upload', () => {
  it('stores the bytes, records the upload complete and queues its checks, in one go', async () => {
    const data = csv(20_000);
    const r = await tusUpload(server.url, data, {
      cookie: alice.cookie,
      metadata: meta('communes.csv'),
      chunkSize: 64 * 1024,
    });
    expect(r.error).toBeNull();
    const id = idOf(r.url!);
    const upload = await row(id);
    expect(upload).toMatchObject({
      owner_id: alice.user.id,
      purpose: 'dataset',
      filename: 'communes.csv',
      status: 'complete',
    });
    expect(upload!.declared_size).toBe(data.length);
    expect(upload!.offset).toBe(data.length);
    expect(upload!.completed_at).toBeInstanceOf(Date);
    const jobs = await sql<{ key: string }>`
      select key from graphile_worker.jobs where task_identifier = 'process_upload'`.execute(
      tdb.db,
    );
    expect(jobs.rows.map((j) => j.key)).toContain(`process_upload:${id}`);
    expect(createHash('sha256').update(data).digest('hex')).toBe(
      createHash('sha256')
        .update(
          await import('node:fs/promises').then((f) =>
            f.readFile(path.join(uploadsDir, 'tus', id)),
          ),
        )
        .digest('hex'),
    );
    // The owner may read it back; nobody else may.
    const mine = await fetch(r.url!, { headers: { Cookie: alice.cookie } });
    expect(mine.status).toBe(200);
    expect(Buffer.from(await mine.arrayBuffer()).equals(data)).toBe(true);
  });
});

describe('who may upload', () => {
  it('refuses an anonymous creation with 401 and a message the browser can show', async () => {
    const r = await createUpload(server.url, {
      origin: server.url,
      length: 10,
      metadata: meta('a.csv'),
    });
    expect(r.res.status).toBe(401);
    expect(r.body).toMatch(/Connectez-vous/);
    expect(
      await tdb.db.selectFrom('upload').select('id').where('filename', '=', 'a.csv').execute(),
    ).toEqual([]);
  });

  it('refuses anonymous HEAD and PATCH on an existing upload with 401', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 10,
      metadata: meta('anon.csv'),
    });
    expect(c.res.status).toBe(201);
    expect((await headUpload(c.url!, { origin: server.url })).status).toBe(401);
    const p = await patchUpload(c.url!, {
      origin: server.url,
      offset: 0,
      body: Buffer.from('0123456789'),
    });
    expect(p.res.status).toBe(401);
    expect(storedBytes(idOf(c.url!))).toBe(0);
  });

  it("answers 404 to HEAD, PATCH, GET and DELETE of another user's upload", async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 10,
      metadata: meta('private.csv'),
    });
    const id = idOf(c.url!);
    expect((await headUpload(c.url!, as(bob))).status).toBe(404);
    const p = await patchUpload(c.url!, { ...as(bob), offset: 0, body: Buffer.from('0123456789') });
    expect(p.res.status).toBe(404);
    expect(storedBytes(id)).toBe(0);
    const d = await fetch(c.url!, {
      method: 'DELETE',
      headers: { 'Tus-Resumable': '1.0.0', Origin: server.url, Cookie: bob.cookie },
    });
    expect(d.status).toBe(404);
    expect(await row(id)).toBeDefined();
    // Finished, it is still not Bob's to read.
    expect(
      (await patchUpload(c.url!, { ...as(alice), offset: 0, body: Buffer.from('0123456789') })).res
        .status,
    ).toBe(204);
    expect((await fetch(c.url!, { headers: { Cookie: bob.cookie } })).status).toBe(404);
    expect((await fetch(c.url!, { headers: { Cookie: alice.cookie } })).status).toBe(200);
  });

  it('lets the owner cancel an unfinished upload: bytes and row are gone', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 100,
      metadata: meta('cancel.csv'),
    });
    const id = idOf(c.url!);
    await patchUpload(c.url!, { ...as(alice), offset: 0, body: Buffer.alloc(40, 65) });
    const d = await fetch(c.url!, {
      method: 'DELETE',
      headers: { 'Tus-Resumable': '1.0.0', Origin: server.url, Cookie: alice.cookie },
    });
    expect(d.status).toBe(204);
    expect(await row(id)).toBeUndefined();
    expect(existsSync(path.join(uploadsDir, 'tus', id))).toBe(false);
  });
});

describe('limits checked at creation, before any byte is stored', () => {
  it('refuses a dataset over its maximum size with 413', async () => {
    const r = await createUpload(server.url, {
      ...as(alice),
      length: DATASET_MAX + 1,
      metadata: meta('big.csv'),
    });
    expect(r.res.status).toBe(413);
    expect(r.body).toMatch(/trop volumineux/);
    expect(r.url).toBeNull();
    expect(
      await tdb.db.selectFrom('upload').select('id').where('filename', '=', 'big.csv').execute(),
    ).toEqual([]);
  });

  it('refuses a photo over 100 kB (its configured limit) with 413, in English when asked', async () => {
    const r = await createUpload(server.url, {
      ...as(alice),
      headers: { 'Accept-Language': 'en' },
      length: 100_001,
      metadata: meta('photo.jpg', 'photo'),
    });
    expect(r.res.status).toBe(413);
    expect(r.body).toMatch(/too large: 100 KB at most/);
  });

  it('refuses an upload that would take the unfinished bytes of a user over the quota (413)', async () => {
    const carol = await createUserWithSession(tdb.db);
    const first = await createUpload(server.url, {
      ...as(carol),
      length: 900_000,
      metadata: meta('one.csv'),
    });
    expect(first.res.status).toBe(201);
    const second = await createUpload(server.url, {
      ...as(carol),
      length: 700_000,
      metadata: meta('two.csv'),
    });
    expect(second.res.status).toBe(413);
    expect(second.body).toMatch(/inachevés dépasseraient/);
    // Another user is not counted against Carol, and a finished upload frees its share.
    expect(
      (await createUpload(server.url, { ...as(bob), length: 700_000, metadata: meta('bob.csv') }))
        .res.status,
    ).toBe(201);
    await tdb.db
      .updateTable('upload')
      .set({ status: 'complete' })
      .where('id', '=', idOf(first.url!))
      .execute();
    expect(
      (await createUpload(server.url, { ...as(carol), length: 700_000, metadata: meta('two.csv') }))
        .res.status,
    ).toBe(201);
  });

  it('refuses a file type its purpose does not accept with 415', async () => {
    const photoCsv = await createUpload(server.url, {
      ...as(alice),
      length: 10,
      metadata: meta('data.csv', 'photo'),
    });
    expect(photoCsv.res.status).toBe(415);
    expect(photoCsv.body).toMatch(/\.csv.*n’est pas accepté.*jpg, jpeg, png, webp/);
    const exe = await createUpload(server.url, {
      ...as(alice),
      length: 10,
      metadata: meta('setup.exe'),
    });
    expect(exe.res.status).toBe(415);
  });

  it('refuses an unknown or missing purpose with 415', async () => {
    expect(
      (
        await createUpload(server.url, {
          ...as(alice),
          length: 10,
          metadata: meta('a.csv', 'avatar'),
        })
      ).res.status,
    ).toBe(415);
    expect(
      (
        await createUpload(server.url, {
          ...as(alice),
          length: 10,
          metadata: { filename: 'a.csv' },
        })
      ).res.status,
    ).toBe(415);
  });

  it('refuses an upload whose length is not declared', async () => {
    const res = await fetch(`${server.url}/uploads/files`, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        Origin: server.url,
        Cookie: alice.cookie,
        'Upload-Defer-Length': '1',
      },
    });
    // tus: 501, the creation-defer-length extension is not offered (limits need the length).
    expect(res.status).toBe(501);
    expect(res.headers.get('location')).toBeNull();
  });
});

describe('protocol faults', () => {
  it('answers 409 to a PATCH at the wrong offset and stores nothing', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 20,
      metadata: meta('offset.csv'),
    });
    const id = idOf(c.url!);
    expect(
      (await patchUpload(c.url!, { ...as(alice), offset: 0, body: Buffer.alloc(10, 66) })).res
        .status,
    ).toBe(204);
    const wrong = await patchUpload(c.url!, {
      ...as(alice),
      offset: 5,
      body: Buffer.alloc(10, 67),
    });
    expect(wrong.res.status).toBe(409);
    expect(storedBytes(id)).toBe(10);
    expect((await headUpload(c.url!, as(alice))).headers.get('upload-offset')).toBe('10');
  });

  it('refuses a body past the declared length and keeps the stored length', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 10,
      metadata: meta('long.csv'),
    });
    const id = idOf(c.url!);
    const p = await patchUpload(c.url!, { ...as(alice), offset: 0, body: Buffer.alloc(25, 68) });
    expect(p.res.status).toBe(413);
    expect(storedBytes(id)).toBe(0);
    expect((await headUpload(c.url!, as(alice))).headers.get('upload-offset')).toBe('0');
    expect((await row(id))!.status).toBe('uploading');
  });

  it('never stores more than the declared length from a streamed (chunked) body', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 10,
      metadata: meta('chunked.csv'),
    });
    const id = idOf(c.url!);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(8).fill(69));
        controller.enqueue(new Uint8Array(8).fill(70));
        controller.close();
      },
    });
    const p = await patchUpload(c.url!, { ...as(alice), offset: 0, body }).catch(() => null);
    if (p) expect(p.res.status).toBeGreaterThanOrEqual(400);
    expect(storedBytes(id)).toBeLessThanOrEqual(10);
    expect((await row(id))!.status).toBe('uploading');
  });
});

describe('expiry, counted from the last accepted PATCH', () => {
  it('sends Upload-Expires, and each PATCH moves it forward', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 20,
      metadata: meta('expiry.csv'),
    });
    const id = idOf(c.url!);
    const created = Date.parse(c.res.headers.get('upload-expires')!);
    expect(created).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    // As if the upload had been created almost a day ago.
    await tdb.db
      .updateTable('upload')
      .set({
        created_at: new Date(Date.now() - 23.9 * 3_600_000),
        expires_at: new Date(Date.now() + 6 * 60_000),
      })
      .where('id', '=', id)
      .execute();
    const p = await patchUpload(c.url!, { ...as(alice), offset: 0, body: Buffer.alloc(10, 71) });
    expect(p.res.status).toBe(204);
    expect(Date.parse(p.res.headers.get('upload-expires')!)).toBeGreaterThan(
      Date.now() + 23 * 3_600_000,
    );
    const after = await row(id);
    expect(after!.last_patch_at).toBeInstanceOf(Date);
    expect(after!.expires_at.getTime()).toBeGreaterThan(Date.now() + 23.9 * 3_600_000);
  });

  it('answers 410 with Upload-Expires once expired, and the periodic job removes bytes and row', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 20,
      metadata: meta('stale.csv'),
    });
    const id = idOf(c.url!);
    await patchUpload(c.url!, { ...as(alice), offset: 0, body: Buffer.alloc(10, 72) });
    const past = new Date(Date.now() - 60_000);
    await tdb.db
      .updateTable('upload')
      .set({ expires_at: past, last_patch_at: new Date(Date.now() - 86_460_000) })
      .where('id', '=', id)
      .execute();
    const head = await headUpload(c.url!, as(alice));
    expect(head.status).toBe(410);
    expect(Date.parse(head.headers.get('upload-expires')!)).toBe(
      Math.floor(past.getTime() / 1000) * 1000,
    );
    const p = await patchUpload(c.url!, { ...as(alice), offset: 10, body: Buffer.alloc(10, 72) });
    expect(p.res.status).toBe(410);
    expect(p.body).toMatch(/expiré/);
    expect(storedBytes(id)).toBe(10);

    const removed = await expireUploads(tdb.db, new DirectoryStorage(uploadsDir));
    expect(removed).toContain(id);
    expect(await row(id)).toBeUndefined();
    expect(existsSync(path.join(uploadsDir, 'tus', id))).toBe(false);
    expect(existsSync(path.join(uploadsDir, 'tus', `${id}.json`))).toBe(false);
    expect((await headUpload(c.url!, as(alice))).status).toBe(404);
  });

  it('removes, after the expiry period, store files that no upload row owns', async () => {
    const c = await createUpload(server.url, {
      ...as(alice),
      length: 20,
      metadata: meta('kept.csv'),
    });
    const kept = idOf(c.url!);
    const tusDir = path.join(uploadsDir, 'tus');
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    for (const name of ['0rphan0ld', '0rphan0ld.json', '0rphanNew'])
      writeFileSync(path.join(tusDir, name), 'x');
    for (const name of ['0rphan0ld', '0rphan0ld.json', kept, `${kept}.json`])
      utimesSync(path.join(tusDir, name), dayAgo, dayAgo);
    const removed = await removeOrphanBytes(tdb.db, new DirectoryStorage(uploadsDir), 24 * 3_600_000);
    expect(removed.sort()).toEqual(['0rphan0ld', '0rphan0ld.json']);
    expect(existsSync(path.join(tusDir, '0rphanNew'))).toBe(true);
    expect(existsSync(path.join(tusDir, kept))).toBe(true);
  });
});

describe('tus-js-client', () => {
  it('reports the refusals a user would see', async () => {
    const big = await tusUpload(server.url, Buffer.alloc(DATASET_MAX + 1), {
      cookie: alice.cookie,
      metadata: meta('huge.csv'),
    });
    expect(statusOf(big.error)).toBe(413);
    const anon = await tusUpload(server.url, csv(3), { metadata: meta('anon.csv') });
    expect(statusOf(anon.error)).toBe(401);
    const type = await tusUpload(server.url, csv(3), {
      cookie: alice.cookie,
      metadata: meta('x.csv', 'photo'),
    });
    expect(statusOf(type.error)).toBe(415);
  });
});
