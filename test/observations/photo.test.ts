// Photo privacy: a photo carrying GPS EXIF and a camera serial is re-encoded without any
// metadata before anyone else can see it, the original bytes and upload are deleted, and
// the photo route serves only the re-encoded file (read back over real HTTP). A program
// renamed .jpg is refused at submission; bytes that do not decode are never shown.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObservationError, submitObservation } from '../../app/domain/observations/observations.server';
import { processObservationPhoto } from '../../app/domain/observations/photos.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { citizen, keyT, photoUpload, seedReference, validFields } from './helpers';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

let t: TestDatabase;
let uploadsDir: string;
let server: TestServer;

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-obs-photo-'));
  await seedReference(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const SERIAL = 'SN-987654321';

/** A JPEG as a phone writes it: GPS position, camera make, model and body serial in EXIF. */
async function phonePhoto(): Promise<Buffer> {
  return sharp({ create: { width: 120, height: 80, channels: 3, background: '#c0392b' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestCam', Model: 'Spy 3000', Artist: 'Jean Dupont' },
      IFD2: { BodySerialNumber: SERIAL },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '45/1 45/1 3/1', GPSLongitudeRef: 'E', GPSLongitude: '4/1 50/1 8/1' },
    })
    .toBuffer();
}

const has = (buf: Buffer, s: string) => buf.includes(Buffer.from(s, 'latin1'));

describe('photo privacy', () => {
  it('publishes a re-encoded photo without EXIF (no GPS, no serial) and deletes the original', async () => {
    const original = await phonePhoto();
    // The test photo really carries what must go.
    const before = await sharp(original).metadata();
    expect(before.exif).toBeDefined();
    expect(has(original, SERIAL) && has(original, 'TestCam') && has(original, 'Exif')).toBe(true);

    const author = await citizen(t.db);
    const uploadId = await photoUpload(t.db, author.user.id, uploadsDir, original);
    const storageKey = (await t.db.selectFrom('upload').select('storage_key').where('id', '=', uploadId).executeTakeFirstOrThrow()).storage_key;
    const { id } = await submitObservation(t.db, { id: author.user.id }, validFields({ photoUploadId: uploadId }), { t: keyT, storage: new DirectoryStorage(uploadsDir) });
    // Queued in the submission's transaction.
    const job = await t.db
      .selectFrom('graphile_worker.jobs' as never)
      .select(['task_identifier' as never])
      .where('key' as never, '=', `process_photo:${id}` as never)
      .executeTakeFirst();
    expect(job).toBeDefined();

    // Before re-encoding, nobody (not even its author) gets bytes from the photo route.
    const other = await citizen(t.db);
    expect((await fetch(`${server.url}/observations/${id}/photo`, { headers: { Cookie: author.cookie } })).status).toBe(404);

    expect(await processObservationPhoto(t.db, { storage: new DirectoryStorage(uploadsDir) }, id)).toBe('ready');
    expect(await processObservationPhoto(t.db, { storage: new DirectoryStorage(uploadsDir) }, id)).toBe('already');
    expect(existsSync(path.join(uploadsDir, storageKey))).toBe(false);
    expect(await t.db.selectFrom('upload').select('id').where('id', '=', uploadId).executeTakeFirst()).toBeUndefined();

    const res = await fetch(`${server.url}/observations/${id}/photo`, { headers: { Cookie: other.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const published = Buffer.from(await res.arrayBuffer());
    const after = await sharp(published).metadata();
    expect(after.format).toBe('jpeg');
    expect(after.width).toBe(120);
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(has(published, 'Exif')).toBe(false);
    expect(has(published, SERIAL)).toBe(false);
    expect(has(published, 'TestCam')).toBe(false);
    expect(has(published, 'Jean Dupont')).toBe(false);
    // The same bytes as stored: nothing else is ever served.
    const stored = await t.db.selectFrom('observation').select('photo_key').where('id', '=', id).executeTakeFirstOrThrow();
    expect(published.equals(readFileSync(path.join(uploadsDir, stored.photo_key!)))).toBe(true);

    // A visitor does not see the photo of an observation that is not published.
    expect((await fetch(`${server.url}/observations/${id}/photo`)).status).toBe(404);
  });

  it('turns the photo upright from its EXIF orientation before dropping the EXIF', async () => {
    const sideways = await sharp({ create: { width: 100, height: 40, channels: 3, background: '#2e86de' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const author = await citizen(t.db);
    const uploadId = await photoUpload(t.db, author.user.id, uploadsDir, sideways);
    const { id } = await submitObservation(t.db, { id: author.user.id }, validFields({ photoUploadId: uploadId }), { t: keyT, storage: new DirectoryStorage(uploadsDir) });
    await processObservationPhoto(t.db, { storage: new DirectoryStorage(uploadsDir) }, id);
    const key = (await t.db.selectFrom('observation').select('photo_key').where('id', '=', id).executeTakeFirstOrThrow()).photo_key!;
    const meta = await sharp(readFileSync(path.join(uploadsDir, key))).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([40, 100, undefined]);
  });

  it('refuses a photo that is really a program, with the reason, and stores no observation', async () => {
    const author = await citizen(t.db);
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.alloc(400)]);
    const uploadId = await photoUpload(t.db, author.user.id, uploadsDir, exe, 'vacances.jpg');
    const e = await submitObservation(t.db, { id: author.user.id }, validFields({ photoUploadId: uploadId }), { t: keyT, storage: new DirectoryStorage(uploadsDir) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ObservationError);
    expect((e as ObservationError).fieldErrors.photoUploadId?.join(' ')).toMatch(/observations:errors.photoRefused.*programme/);
    expect(await t.db.selectFrom('observation').select('id').where('photo_upload_id', '=', uploadId).executeTakeFirst()).toBeUndefined();
    expect((await t.db.selectFrom('upload').select('status').where('id', '=', uploadId).executeTakeFirstOrThrow()).status).toBe('invalid');
  });

  it('refuses someone else’s photo', async () => {
    const owner = await citizen(t.db);
    const thief = await citizen(t.db);
    const uploadId = await photoUpload(t.db, owner.user.id, uploadsDir, await phonePhoto());
    const e = await submitObservation(t.db, { id: thief.user.id }, validFields({ photoUploadId: uploadId }), { t: keyT, storage: new DirectoryStorage(uploadsDir) }).catch((x: unknown) => x);
    expect((e as ObservationError).fieldErrors.photoUploadId).toEqual(['observations:errors.photoUnknown']);
  });

  it('never shows bytes that look like a JPEG but do not decode', async () => {
    const author = await citizen(t.db);
    const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really an image at all'.repeat(20))]);
    const uploadId = await photoUpload(t.db, author.user.id, uploadsDir, broken);
    const { id } = await submitObservation(t.db, { id: author.user.id }, validFields({ photoUploadId: uploadId }), { t: keyT, storage: new DirectoryStorage(uploadsDir) });
    expect(await processObservationPhoto(t.db, { storage: new DirectoryStorage(uploadsDir) }, id)).toBe('failed');
    const o = await t.db.selectFrom('observation').select(['photo_state', 'photo_key']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(o).toEqual({ photo_state: 'failed', photo_key: null });
    expect((await fetch(`${server.url}/observations/${id}/photo`, { headers: { Cookie: author.cookie } })).status).toBe(404);
  });
});
