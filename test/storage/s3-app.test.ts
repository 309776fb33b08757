// The application on the S3 driver, against an S3-compatible server on 127.0.0.1 (s3rver with
// ListParts/AbortMultipartUpload, test/storage/s3-server.ts): tus uploads into the object
// store (parts, resume), validation reading from it, publication and ranged downloads, and
// the faults: the store unreachable during an upload (503, then the client resumes, sha256
// right) and at start (/readyz fails with the reason), wrong credentials (start refused,
// naming the setting).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import type { ObjectStorage } from '../../app/domain/storage/storage.server';
import { processUpload } from '../../app/domain/uploads/process-upload.server';
import { expireUploads } from '../../app/domain/uploads/uploads.server';
import { submitObservation } from '../../app/domain/observations/observations.server';
import { processObservationPhoto } from '../../app/domain/observations/photos.server';
import { citizen, keyT, seedReference, validFields } from '../observations/helpers';
import { buildDirectory } from '../../server/app';
import { createUserWithSession, TEST_SESSION_SECRET } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { freePort, spawnNode } from '../support/process';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { prepareReferences } from '../contributions/helpers';
import { makeModerator, submitted } from '../moderation/helpers';
import { TUS_PATH, createUpload, patchUpload, tusUpload } from '../uploads/helpers';
import { S3_TEST_BUCKET, startTestS3, testS3Storage } from './s3-server';
import type { TestS3 } from './s3-server';

const PART = 5 * 1024 * 1024;
let tdb: TestDatabase;
let s3: TestS3;
let storage: ObjectStorage;
let server: TestServer;
let uploadsDir: string;
let alice: SignedInTestUser;
let refs: ReferenceLists;

beforeAll(async () => {
  tdb = await createTestDatabase();
  s3 = await startTestS3();
  storage = await testS3Storage(s3, tdb.db, PART);
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-s3-app-'));
  server = await startTestServer({
    db: tdb.db,
    pool: tdb.pool,
    env: { ...s3.env, S3_PART_BYTES: String(PART), UPLOADS_DIR: uploadsDir, STORAGE_MIN_FREE_BYTES: '0' },
  });
  alice = await createUserWithSession(tdb.db);
  refs = await prepareReferences(tdb.db);
});

afterAll(async () => {
  await server?.close();
  await storage?.close();
  await s3?.close();
  await tdb?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const row = (id: string) => tdb.db.selectFrom('upload').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const idOf = (url: string) => url.split('/').pop()!;
const refusers: Server[] = [];
afterAll(() => refusers.forEach((r) => r.close()));
async function signatureRefusingServer(): Promise<string> {
  const srv = createServer((_req, res) => {
    res.writeHead(403, { 'Content-Type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  refusers.push(srv);
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
}
const csv = (n: number) => Buffer.from(`commune;valeur\n${'69123;1\n'.repeat(n)}`);

describe('uploads into the object store', () => {
  it('takes a resumable upload in small PATCHes, and the validator reads it from the store', async () => {
    const data = csv(30_000); // 240 kB in 64 kB PATCHes: each below S3's part minimum
    const r = await tusUpload(server.url, data, {
      cookie: alice.cookie,
      metadata: { filename: 'communes.csv', purpose: 'dataset', filetype: 'text/csv' },
      chunkSize: 64 * 1024,
    });
    expect(r.error).toBeNull();
    const id = idOf(r.url!);
    expect(await row(id)).toMatchObject({ status: 'complete', offset: data.length, storage_key: id });
    expect((await storage.stat(id))?.size).toBe(data.length);
    // The upload-info cache is shared through PostgreSQL, not one process's memory.
    expect(await processUpload(tdb.db, { storage }, id)).toBe('verified');
    expect((await row(id)).sha256).toBe(sha256(data));
  });

  it('answers 503 while the store is unreachable; the client resumes once it is back, and the sha256 is right', async () => {
    const data = randomBytes(3 * PART + 12_345);
    const statuses: number[] = [];
    let stopped = false;
    const result = await new Promise<{ url: string | null; error: Error | null }>((resolve) => {
      const upload: tus.Upload = new tus.Upload(data, {
        endpoint: `${server.url}${TUS_PATH}`,
        metadata: { filename: 'mesures.csv', purpose: 'dataset', filetype: 'text/csv' },
        chunkSize: PART + 1024,
        retryDelays: [300, 600, 1000, 1000, 1000, 2000, 2000, 2000, 3000, 3000],
        headers: { Origin: server.url, Cookie: alice.cookie },
        onChunkComplete: () => {
          // After the first PATCH: the object store goes away for a few seconds.
          if (stopped) return;
          stopped = true;
          void s3.stop().then(() => setTimeout(() => void s3.start(), 2_500));
        },
        onShouldRetry: (err) => {
          const status = (err as tus.DetailedError).originalResponse?.getStatus();
          if (status) statuses.push(status);
          return true;
        },
        onSuccess: () => resolve({ url: upload.url, error: null }),
        onError: (error) => resolve({ url: upload.url, error }),
      });
      upload.start();
    });
    expect(result.error).toBeNull();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 503)).toBe(true);
    const id = idOf(result.url!);
    expect(await row(id)).toMatchObject({ status: 'complete', offset: data.length });
    expect((await storage.stat(id))?.size).toBe(data.length);
    await processUpload(tdb.db, { storage, createInspector: null }, id);
    expect((await row(id)).sha256).toBe(sha256(data));
  }, 120_000);
});

describe('expiry on the object store', () => {
  it('removes an expired unfinished upload: its row, its objects and its pending multipart upload', async () => {
    const created = await createUpload(server.url, {
      cookie: alice.cookie,
      origin: server.url,
      length: 2 * PART,
      metadata: { filename: 'abandon.csv', purpose: 'dataset' },
    });
    expect(created.res.status).toBe(201);
    const id = idOf(created.url!);
    const patched = await patchUpload(created.url!, { cookie: alice.cookie, origin: server.url, offset: 0, body: randomBytes(100_000) });
    expect(patched.res.status).toBe(204);
    expect(await storage.exists(`${id}.info`)).toBe(true);
    expect(await storage.exists(`${id}.part`)).toBe(true); // less than a part: kept aside
    const { 'upload-id': multipart } = (await tdb.db
      .selectFrom('tus_upload_cache')
      .select('value')
      .where('key', '=', id)
      .executeTakeFirstOrThrow()).value as { 'upload-id': string };

    await tdb.db.updateTable('upload').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    expect(await expireUploads(tdb.db, storage)).toEqual([id]);
    expect(await tdb.db.selectFrom('upload').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    expect(await storage.exists(`${id}.info`)).toBe(false);
    expect(await storage.exists(`${id}.part`)).toBe(false);
    expect(await tdb.db.selectFrom('tus_upload_cache').select('key').where('key', '=', id).executeTakeFirst()).toBeUndefined();
    // The multipart upload was aborted (its parts are not objects: only ListParts sees them).
    const listed = await fetch(`${s3.endpoint}/${S3_TEST_BUCKET}/${id}?uploadId=${multipart}`);
    expect(listed.status).toBe(404);
    expect(await listed.text()).toContain('NoSuchUpload');
  });
});

describe('publication and downloads from the object store', () => {
  it('publishes a dataset by copying inside the store, and serves it whole and by byte range', async () => {
    const content = 'nom;valeur\nA;1\n';
    const item = await submitted(tdb.db, refs, storage);
    const m = await makeModerator(tdb.db);
    const claim = await claimNextContribution(tdb.db, m);
    expect(claim?.id).toBe(item.id);
    await approveContribution(tdb.db, m, item.id, { expectedVersion: claim!.version });
    const published = await publishApprovedContribution(tdb.db, item.id, { storage });
    const dist = await tdb.db
      .selectFrom('distribution')
      .select(['id', 'storage_key'])
      .where('dataset_version_id', '=', published.versionId)
      .executeTakeFirstOrThrow();
    expect(await storage.exists(dist.storage_key)).toBe(true);
    const url = `${server.url}/datasets/${published.slug}/telecharger/${dist.id}`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe(content); // the helper's file
    const part = await fetch(url, { headers: { Range: 'bytes=4-9' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toMatch(/^bytes 4-9\//);
    expect(await part.text()).toBe('valeur');
  });
});

describe('observation photos on the object store', () => {
  it('checks and re-encodes a photo from the store, deletes the original there, and serves the copy', async () => {
    await seedReference(tdb.db);
    const original = await sharp({ create: { width: 90, height: 60, channels: 3, background: '#2e86c1' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'TestCam', Model: 'Spy 3000' } })
      .toBuffer();
    const author = await citizen(tdb.db);
    const r = await tusUpload(server.url, original, {
      cookie: author.cookie,
      metadata: { filename: 'photo.jpg', purpose: 'photo', filetype: 'image/jpeg' },
    });
    expect(r.error).toBeNull();
    const uploadId = idOf(r.url!);
    const { id } = await submitObservation(tdb.db, { id: author.user.id }, validFields({ photoUploadId: uploadId }), { t: keyT, storage });
    expect(await processObservationPhoto(tdb.db, { storage }, id)).toBe('ready');
    expect(await storage.exists(uploadId)).toBe(false); // the original, with its EXIF, is gone
    expect(await storage.exists(`${uploadId}.info`)).toBe(false);
    const { photo_key } = await tdb.db.selectFrom('observation').select('photo_key').where('id', '=', id).executeTakeFirstOrThrow();
    expect(await storage.exists(photo_key!)).toBe(true);
    const res = await fetch(`${server.url}/observations/${id}/photo`, { headers: { Cookie: author.cookie } });
    expect(res.status).toBe(200);
    const served = Buffer.from(await res.arrayBuffer());
    expect((await sharp(served).metadata()).exif).toBeUndefined();
    expect(served.includes(Buffer.from('TestCam'))).toBe(false);
  });
});

describe('faults of the object store', () => {
  it('/readyz fails with the reason while the store is unreachable, and is ready again once it is back', async () => {
    await s3.stop();
    try {
      const r = await fetch(`${server.url}/readyz`);
      expect(r.status).toBe(503);
      const body = (await r.json()) as { storage: string; storageError: string };
      expect(body.storage).toBe('unavailable');
      expect(body.storageError).toMatch(/unreachable.*ECONNREFUSED/);
    } finally {
      await s3.start();
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('starts with the store unreachable (it may come back) and says so on /readyz', async () => {
    const other = await startTestServer({
      db: tdb.db,
      pool: tdb.pool,
      env: { ...s3.env, S3_ENDPOINT: `http://127.0.0.1:${await freePort()}`, UPLOADS_DIR: uploadsDir },
    });
    try {
      const r = await fetch(`${other.url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { storageError: string }).storageError).toMatch(/unreachable/);
    } finally {
      await other.close();
    }
  });

  // s3rver checks access keys and buckets but not V4 signatures: a wrong secret is answered
  // here by a server that replies as S3 does to one (403 SignatureDoesNotMatch).
  it.each([
    ['S3_ACCESS_KEY_ID', async () => ({ S3_ACCESS_KEY_ID: 'NOT-A-KEY' })],
    ['S3_SECRET_ACCESS_KEY', async () => ({ S3_SECRET_ACCESS_KEY: 'not-the-secret', S3_ENDPOINT: await signatureRefusingServer() })],
    ['S3_BUCKET', async () => ({ S3_BUCKET: 'no-such-bucket' })],
  ])('refuses to start when the store refuses the credentials or bucket, naming %s', async (setting, wrongEnv) => {
    const wrong = await wrongEnv();
    const child = spawnNode('server/start.ts', {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATABASE_URL: tdb.url,
      SESSION_SECRET: TEST_SESSION_SECRET,
      DATA_DIR: path.join(uploadsDir, 'data'),
      WORKER: 'off',
      SEED_DEMO: '0',
      BUILD_ON_START: 'off',
      REMIX_BUILD_DIR: buildDirectory(),
      UPLOADS_DIR: uploadsDir,
      ...s3.env,
      ...wrong,
    });
    const code = await child.exited;
    expect(code).toBe(1);
    expect(child.output()).toContain(`${setting}:`);
    expect(child.output()).not.toMatch(/listening on/);
  }, 90_000);
});
