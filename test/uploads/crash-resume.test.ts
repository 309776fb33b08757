// kill -9 of the server in the middle of a 200 MB upload: after a restart, tus-js-client
// resumes from the server's offset, no acknowledged byte is lost, and the stored file's
// sha256 equals the source's.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDirectory } from '../../server/app';
import { TEST_SESSION_SECRET, createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { freePort, spawnNode } from '../support/process';
import type { Child } from '../support/process';
import { headUpload, keepBuildAsIs, tusUpload } from './helpers';

let tdb: TestDatabase;
let dir: string;
let child: Child | undefined;

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'td-crash-'));
});

afterAll(async () => {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(port: number): Promise<Child> {
  keepBuildAsIs(buildDirectory());
  const c = spawnNode('server/start.ts', {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: tdb.url,
    SESSION_SECRET: TEST_SESSION_SECRET,
    UPLOADS_DIR: path.join(dir, 'uploads'),
    DATA_DIR: path.join(dir, 'data'),
    WORKER: 'off',
    REMIX_BUILD_DIR: process.env.REMIX_BUILD_DIR ?? 'build',
  });
  await c.waitFor(/listening on/);
  return c;
}

it('resumes after kill -9 without losing an acknowledged byte', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { cookie } = await createUserWithSession(tdb.db);
  const data = randomBytes(200 * 1024 * 1024);
  const sourceSha = createHash('sha256').update(data).digest('hex');
  const metadata = { filename: 'grand-lyon.zip', purpose: 'dataset' };
  const chunkSize = 16 * 1024 * 1024;

  child = await startServer(port);
  let acknowledged = 0;
  const first = await tusUpload(base, data, {
    cookie,
    metadata,
    chunkSize,
    onChunkComplete: (_chunk, accepted) => {
      acknowledged = accepted;
      // After three acknowledged chunks, kill the server while the fourth is on its way.
      if (accepted >= 3 * chunkSize && child!.proc.exitCode === null) {
        setTimeout(() => child!.proc.kill('SIGKILL'), 40);
      }
    },
  });
  expect(first.error).not.toBeNull();
  expect(await child.exited).toBe(null);
  expect(acknowledged).toBeGreaterThanOrEqual(3 * chunkSize);
  expect(acknowledged).toBeLessThan(data.length);
  const uploadUrl = first.url!;

  child = await startServer(port);
  const head = await headUpload(uploadUrl, { cookie, origin: base });
  expect(head.status).toBe(200);
  const serverOffset = Number(head.headers.get('upload-offset'));
  expect(serverOffset).toBeGreaterThanOrEqual(acknowledged);

  const second = await tusUpload(base, data, { cookie, metadata, chunkSize, uploadUrl });
  expect(second.error).toBeNull();
  expect(second.patchOffsets[0]).toBe(serverOffset);

  const id = uploadUrl.split('/').pop()!;
  const row = await tdb.db
    .selectFrom('upload')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: 'complete', size: data.length });
  const stored = readFileSync(path.join(dir, 'uploads', row.storage_key));
  expect(createHash('sha256').update(stored).digest('hex')).toBe(sourceSha);

  child.proc.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}, 180_000);
