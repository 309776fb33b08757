// Photo privacy: the photo of an observation is decoded and re-encoded by sharp, which
// writes no metadata at all (no EXIF GPS position, no camera serial, no XMP/IPTC), after
// turning the image upright from its EXIF orientation. The original bytes and their upload
// row are then deleted. Only the re-encoded file is ever served. Safe to run twice.
import sharp from 'sharp';
import type { DB } from '#db/client';
import { withLocalFile } from '../storage/storage.server';
import type { ObjectStorage } from '../storage/storage.server';

/** Longest side of a published photo, in pixels. */
export const PHOTO_MAX_SIDE = 2048;

export const photoKey = (observationId: string) => `photos/${observationId.slice(0, 2)}/${observationId}.jpg`;

/** Re-encodes image bytes as a JPEG without any metadata. */
export async function reencodePhoto(input: Buffer | string): Promise<Buffer> {
  return sharp(input, { failOn: 'error', limitInputPixels: 100_000_000 })
    .rotate()
    .resize({ width: PHOTO_MAX_SIDE, height: PHOTO_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 82, mozjpeg: true })
    .toBuffer();
}

export type PhotoOutcome = 'ready' | 'failed' | 'already' | 'none' | 'missing';

export async function processObservationPhoto(db: DB, opts: { storage: ObjectStorage }, observationId: string): Promise<PhotoOutcome> {
  const o = await db
    .selectFrom('observation as o')
    .leftJoin('upload as u', 'u.id', 'o.photo_upload_id')
    .select(['o.id', 'o.photo_state', 'o.photo_upload_id', 'u.storage_key'])
    .where('o.id', '=', observationId)
    .executeTakeFirst();
  if (!o) return 'missing';
  if (o.photo_state === 'ready' || o.photo_state === 'failed') return 'already';
  if (!o.photo_upload_id || !o.storage_key) return 'none';
  const original = o.storage_key;
  const key = photoKey(observationId);
  let outcome: PhotoOutcome = 'ready';
  try {
    const bytes = await withLocalFile(opts.storage, original, (file) => reencodePhoto(file));
    await opts.storage.put(key, bytes, { contentType: 'image/jpeg' });
  } catch {
    // Bytes that look like an image but do not decode: no photo is shown, ever.
    outcome = 'failed';
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('observation')
      .set({ photo_state: outcome, photo_key: outcome === 'ready' ? key : null, photo_upload_id: null })
      .where('id', '=', observationId)
      .execute();
    await trx.deleteFrom('upload').where('id', '=', o.photo_upload_id!).execute();
  });
  // The original (with its metadata) is gone once the row that named it is.
  await opts.storage.removeTusUpload(o.photo_upload_id);
  return outcome;
}
