// `npm run backup` and `npm run restore` with STORAGE_DRIVER=s3 (an S3-compatible server on
// 127.0.0.1, test/storage/s3-server.ts): an instance whose published files and observation
// photos are in a bucket is backed up, restored into a fresh database and another, empty
// bucket (another provider), and the restored instance serves the same bytes over HTTP. A
// photo re-encoded while the backup runs (its original deleted after the dump began) makes
// the backup dump again rather than miss the object; objects the store lost or altered are
// reported. A bucket in use is refused. The same backup restores into the directory driver.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import type { DB } from '../../db/client';
import { attachUpload, createDraft, saveDraft, submitContribution } from '../../app/domain/contributions/contributions.server';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { seedObservationCategories, submitObservation } from '../../app/domain/observations/observations.server';
import { processObservationPhoto } from '../../app/domain/observations/photos.server';
import type { ObjectStorage } from '../../app/domain/storage/storage.server';
import { parseConfig } from '../../server/config';
import { runBackup } from '../../scripts/backup-run';
import type { Manifest } from '../../scripts/backup-common';
import { keyT, prepareReferences, validDraft } from '../contributions/helpers';
import { makeModerator } from '../moderation/helpers';
import { citizen, validFields } from '../observations/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import type { SignedInTestUser } from '../support/auth';
import { startTestServer } from '../support/server';
import { createScratchDatabase, dropScratchDatabases, runBackupScript } from './backup-helpers';
import { startTestS3, testS3Storage } from '../storage/s3-server';
import type { TestS3 } from '../storage/s3-server';

const PART = 5 * 1024 * 1024;
let t: TestDatabase;
let source: TestS3;
let target: TestS3;
let storage: ObjectStorage;
let root: string;
let author: SignedInTestUser;
let refs: ReferenceLists;
const observations: { id: string; photo: Buffer }[] = [];
let pendingPhoto: string;
const extraDatabases: string[] = [];
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** A finished upload whose bytes are in the store, where the tus endpoint would have put them. */
async function storedUpload(db: DB, ownerId: string, bytes: Buffer, purpose: 'dataset' | 'photo', filename: string): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await storage.put(storage.tusKey(id), bytes);
  await db
    .insertInto('upload')
    .values({
      id,
      owner_id: ownerId,
      purpose,
      filename,
      declared_size: bytes.length,
      offset: bytes.length,
      status: purpose === 'photo' ? 'complete' : 'verified',
      storage_key: storage.tusKey(id),
      sha256: sha(bytes),
      size: bytes.length,
      detected_format: purpose === 'photo' ? null : 'text',
      report: purpose === 'photo' ? null : JSON.stringify({ reasons: [], warnings: [] }),
      expires_at: new Date(Date.now() + 86_400_000),
      completed_at: new Date(),
    })
    .execute();
  return id;
}

/** A dataset published through the real path (draft, review, publication into the store). */
async function publish(db: DB, title: string, files: { filename: string; content: Buffer }[]): Promise<void> {
  const submitter = (await citizen(db)).user.id;
  const actor = { id: submitter };
  const { id } = await createDraft(db, actor, { kind: 'new_dataset' });
  await saveDraft(db, actor, id, validDraft({ title }));
  for (const f of files) await attachUpload(db, actor, id, await storedUpload(db, submitter, f.content, 'dataset', f.filename));
  await submitContribution(db, actor, id, keyT, refs, { auditShare: 0 });
  const m = await makeModerator(db);
  const claim = await claimNextContribution(db, m);
  await approveContribution(db, m, id, { expectedVersion: claim!.version });
  await publishApprovedContribution(db, id, { storage });
}

async function observeWithPhoto(color: string): Promise<string> {
  const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: color } }).jpeg().toBuffer();
  const uploadId = await storedUpload(t.db, author.user.id, photo, 'photo', 'photo.jpg');
  const { id } = await submitObservation(t.db, { id: author.user.id }, validFields({ photoUploadId: uploadId }), { t: keyT, storage });
  return id;
}

beforeAll(async () => {
  t = await createTestDatabase();
  [source, target] = await Promise.all([startTestS3(), startTestS3()]);
  storage = await testS3Storage(source, t.db, PART);
  root = mkdtempSync(path.join(os.tmpdir(), 'td-backup-s3-'));
  refs = await prepareReferences(t.db);
  await seedObservationCategories(t.db);
  author = await citizen(t.db);
  await publish(t.db, 'Arceaux vélos de Villeurbanne', [{ filename: 'arceaux.csv', content: Buffer.from('id;commune\n1;Villeurbanne\n2;Villeurbanne\n') }]);
  // Larger than a part: restored through a multipart upload, read back in several chunks.
  await publish(t.db, 'Relevés de bruit', [{ filename: 'bruit.zip', content: randomBytes(PART + 300_000) }]);
  for (const color of ['#2e86c1', '#c0392b']) {
    const id = await observeWithPhoto(color);
    expect(await processObservationPhoto(t.db, { storage }, id)).toBe('ready');
    const { photo_key } = await t.db.selectFrom('observation').select('photo_key').where('id', '=', id).executeTakeFirstOrThrow();
    observations.push({ id, photo: Buffer.concat((await (await storage.get(photo_key!)).toArray()) as Buffer[]) });
  }
  // A photo not yet re-encoded: its original upload is what the database refers to.
  pendingPhoto = await observeWithPhoto('#27ae60');
}, 120_000);

afterAll(async () => {
  await storage?.close();
  await Promise.all([source?.close(), target?.close()]);
  await t?.close();
  await dropScratchDatabases(extraDatabases);
  if (root) rmSync(root, { recursive: true, force: true });
});

const freshDatabase = (suffix: string) => createScratchDatabase(`${t.name}_${suffix}`, extraDatabases);
const runScript = (script: 'backup' | 'restore', args: string[], env: Record<string, string>) =>
  runBackupScript(script, args, { DATA_DIR: path.join(root, 'data'), ...env });

async function published(db: DB) {
  return db
    .selectFrom('distribution as x')
    .innerJoin('dataset as d', 'd.current_version_id', 'x.dataset_version_id')
    .select(['d.slug', 'x.id', 'x.sha256', 'x.storage_key'])
    .orderBy('x.id')
    .execute();
}

async function keysOf(s: ObjectStorage): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s.list('')) keys.push(o.key);
  return keys.sort();
}

/** The restored instance answers downloads and photos with the bytes of the original one. */
async function expectSameBytes(url: string, env: Record<string, string>): Promise<void> {
  const { db, pool } = createDb(url, 4);
  const server = await startTestServer({ db, pool, env: { STORAGE_MIN_FREE_BYTES: '0', ...env } });
  try {
    const expected = await published(t.db);
    expect(expected).toHaveLength(2);
    expect(await published(db)).toEqual(expected);
    for (const d of expected) {
      const res = await fetch(`${server.url}/datasets/${d.slug}/telecharger/${d.id}`);
      expect(res.status).toBe(200);
      expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(d.sha256);
    }
    for (const o of observations) {
      // The author's session is in the restored database too.
      const res = await fetch(`${server.url}/observations/${o.id}/photo`, { headers: { Cookie: author.cookie } });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(o.photo)).toBe(true);
    }
  } finally {
    await server.close();
    await db.destroy();
  }
}

describe('backup and restore with the S3 driver', () => {
  let backupDir: string;

  it('backs up the database and every object of the bucket, each checked against the database', async () => {
    backupDir = path.join(root, 'backup-s3');
    const r = await runScript('backup', ['--out', backupDir], { DATABASE_URL: t.url, ...source.env });
    expect(r.code, r.output).toBe(0);
    // Progress: objects and bytes done, up to all of them.
    expect(r.output).toMatch(/copying \d+ objects \([\d.]+ MB\) of s3 [\s\S]*copied (\d+)\/\1 objects, ([\d.]+ MB)\/\2 \(100 %\)/);
    const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.storage).toMatchObject({ driver: 's3', files: (await keysOf(storage)).length });
    expect(manifest.storage.problems).toBeUndefined();
    for (const f of manifest.files) expect(sha(readFileSync(path.join(backupDir, f.path)))).toBe(f.sha256);
    // Every published file under its key with the sha256 the database records; the photos; the
    // original of the photo still waiting to be re-encoded.
    for (const d of await published(t.db)) expect(manifest.files).toContainEqual(expect.objectContaining({ path: `storage/${d.storage_key}`, sha256: d.sha256 }));
    const photos = await t.db.selectFrom('observation').select('photo_key').where('photo_key', 'is not', null).execute();
    expect(photos).toHaveLength(2);
    for (const p of photos) expect(manifest.files.map((f) => f.path)).toContain(`storage/${p.photo_key}`);
    const pending = await t.db.selectFrom('observation as o').innerJoin('upload as u', 'u.id', 'o.photo_upload_id').select('u.storage_key').where('o.id', '=', pendingPhoto).executeTakeFirstOrThrow();
    expect(manifest.files.map((f) => f.path)).toContain(`storage/${pending.storage_key}`);
  }, 120_000);

  it('restores into a fresh database and an empty bucket elsewhere; the restored instance serves the same bytes', async () => {
    const url = await freshDatabase('s3_restored');
    const r = await runScript('restore', [backupDir], { DATABASE_URL: url, ...target.env, S3_PART_BYTES: String(PART) });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/restoring \d+ objects \([\d.]+ MB\) into s3 [\s\S]*restored (\d+)\/\1 objects, ([\d.]+ MB)\/\2 \(100 %\)/);
    expect(await keysOf(await testS3Storage(target, t.db))).toEqual(await keysOf(storage));
    await expectSameBytes(url, target.env);
  }, 120_000);

  it('refuses to restore into a bucket that holds objects, before touching the database', async () => {
    const url = await freshDatabase('s3_busy');
    const r = await runScript('restore', [backupDir], { DATABASE_URL: url, ...source.env });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/the bucket \(s3 .*\) holds \d+ objects: restore into an empty one, or pass --force/);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query<{ n: number }>("select count(*)::int as n from pg_tables where schemaname = 'public'");
    await c.end();
    expect(rows[0]!.n).toBe(0);
  }, 60_000);

  it('restores the S3 backup into the directory driver (moving off the object store)', async () => {
    const url = await freshDatabase('s3_to_dir');
    const dir = path.join(root, 'from-s3-uploads');
    const r = await runScript('restore', [backupDir], { DATABASE_URL: url, UPLOADS_DIR: dir });
    expect(r.code, r.output).toBe(0);
    // The original of the pending photo moved to where the directory driver keeps upload bytes.
    const { db } = createDb(url, 1);
    const row = await db.selectFrom('observation as o').innerJoin('upload as u', 'u.id', 'o.photo_upload_id').select(['u.id', 'u.storage_key']).where('o.id', '=', pendingPhoto).executeTakeFirstOrThrow();
    await db.destroy();
    expect(row.storage_key).toBe(`tus/${row.id}`);
    expect(readFileSync(path.join(dir, row.storage_key)).length).toBeGreaterThan(0);
    await expectSameBytes(url, { UPLOADS_DIR: dir });
  }, 120_000);

  it('dumps again when an object the dump refers to is deleted while the backup runs', async () => {
    const config = parseConfig({ DATABASE_URL: t.url, DATA_DIR: path.join(root, 'data'), ...source.env });
    const logged: string[] = [];
    const r = await runBackup(config, {
      out: path.join(root, 'backup-race'),
      log: (m) => logged.push(m),
      // After the first dump: the pending photo is re-encoded and its original deleted.
      afterDump: async (round) => {
        if (round === 1) expect(await processObservationPhoto(t.db, { storage }, pendingPhoto)).toBe('ready');
      },
    });
    expect(r.rounds).toBe(2);
    expect(logged.join('\n')).toMatch(/1 object\(s\) the dump refers to were deleted while the backup ran/);
    expect(r.problems).toEqual([]);
    const { photo_key } = await t.db.selectFrom('observation').select('photo_key').where('id', '=', pendingPhoto).executeTakeFirstOrThrow();
    expect(r.manifest.files.map((f) => f.path)).toContain(`storage/${photo_key}`);
  }, 120_000);

  it('reports objects the database refers to that the store lost or altered, and writes the backup all the same', async () => {
    // Damage in the store: a published file's bytes replaced (same size), a photo gone.
    const dist = (await published(t.db)).find((d) => d.slug.startsWith('arceaux'));
    const altered = Buffer.concat((await (await storage.get(dist!.storage_key)).toArray()) as Buffer[]);
    altered[0] = altered[0]! ^ 0xff;
    await storage.put(dist!.storage_key, altered);
    const { photo_key } = await t.db.selectFrom('observation').select('photo_key').where('id', '=', observations[0]!.id).executeTakeFirstOrThrow();
    await storage.delete(photo_key!);
    const config = parseConfig({ DATABASE_URL: t.url, DATA_DIR: path.join(root, 'data'), ...source.env });
    const r = await runBackup(config, { out: path.join(root, 'backup-damaged'), log: () => {} });
    expect(r.rounds).toBe(1); // still referred to: lost, not deleted meanwhile
    expect(r.problems.sort()).toEqual(
      [
        `${dist!.storage_key} (published file): its sha256 differs from the one the database records`,
        `${photo_key} (observation photo): the database refers to it but the store does not have it`,
      ].sort(),
    );
    const manifest = JSON.parse(readFileSync(path.join(root, 'backup-damaged', 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.storage.problems).toEqual(r.problems);
  }, 60_000);
});
