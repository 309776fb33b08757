// Upload records: who owns an upload, what it is for, how far it got, when it expires.
// The tus endpoint (server/uploads) calls these at each step of the protocol; the
// background jobs take over once the last byte is in.
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { DB } from '#db/client';
import type { Upload } from '#db/types.generated';
import { enqueueJob } from '../jobs/jobs.server';
import type { ObjectStorage } from '../storage/storage.server';
import { fileExtension, formatBytes, isUploadPurpose, purposeExtensions } from './uploads.schema';
import type { UploadLimits, UploadPurpose, UploadStatus, UploadView } from './uploads.schema';

export type UploadRow = Selectable<Upload>;

export type UploadRefusalCode =
  | 'unauthenticated'
  | 'credentialRefused'
  | 'scopeRefused'
  | 'notFound'
  | 'expired'
  | 'lengthRequired'
  | 'purposeRefused'
  | 'typeRefused'
  | 'tooLarge'
  | 'quotaExceeded';

const STATUS_OF: Record<UploadRefusalCode, number> = {
  unauthenticated: 401,
  credentialRefused: 401,
  scopeRefused: 403,
  notFound: 404,
  expired: 410,
  lengthRequired: 400,
  purposeRefused: 415,
  typeRefused: 415,
  tooLarge: 413,
  quotaExceeded: 413,
};

/** A refusal the client is told about: an HTTP status and a message code (uploads.json). */
export class UploadRefusal extends Error {
  readonly status: number;
  constructor(
    readonly code: UploadRefusalCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
    this.status = STATUS_OF[code];
  }
}

export interface NewUploadInput {
  metadata: Record<string, string | null | undefined>;
  declaredSize: number | undefined;
}

export interface CheckedNewUpload {
  purpose: UploadPurpose;
  filename: string;
  extension: string;
  declaredType: string | null;
  declaredSize: number;
}

/** The checks that need no database: purpose, file type, declared size. */
export function checkNewUpload(input: NewUploadInput, limits: UploadLimits): CheckedNewUpload {
  const { metadata } = input;
  const purpose = metadata.purpose ?? '';
  if (!isUploadPurpose(purpose))
    throw new UploadRefusal('purposeRefused', { purpose: String(purpose).slice(0, 40) });
  const filename = (metadata.filename ?? metadata.name ?? '').trim().slice(0, 255);
  const extension = fileExtension(filename);
  const allowed = purposeExtensions[purpose];
  if (!allowed.includes(extension)) {
    throw new UploadRefusal('typeRefused', {
      extension: extension || '—',
      allowed: allowed.join(', '),
    });
  }
  if (input.declaredSize === undefined) throw new UploadRefusal('lengthRequired');
  const max = limits.maxBytes[purpose];
  if (input.declaredSize > max) throw new UploadRefusal('tooLarge', { max: formatBytes(max) });
  return {
    purpose,
    filename,
    extension,
    declaredType: (metadata.filetype ?? metadata.type ?? null)?.slice(0, 255) ?? null,
    declaredSize: input.declaredSize,
  };
}

/**
 * Records a new upload, refusing it when the owner's unfinished uploads would then exceed
 * the quota. The per-user transaction lock makes two simultaneous creations count each other.
 */
export async function createUploadRecord(
  db: DB,
  input: CheckedNewUpload & { id: string; ownerId: string; storageKey: string },
  limits: UploadLimits,
): Promise<UploadRow> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`upload-quota:${input.ownerId}`}, 0))`.execute(
      trx,
    );
    const { used } = await trx
      .selectFrom('upload')
      .select(sql<number>`coalesce(sum(declared_size), 0)::int8`.as('used'))
      .where('owner_id', '=', input.ownerId)
      .where('status', '=', 'uploading')
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirstOrThrow();
    if (used + input.declaredSize > limits.quotaBytes) {
      throw new UploadRefusal('quotaExceeded', {
        quota: formatBytes(limits.quotaBytes),
        left: formatBytes(Math.max(0, limits.quotaBytes - used)),
      });
    }
    return trx
      .insertInto('upload')
      .values({
        id: input.id,
        owner_id: input.ownerId,
        purpose: input.purpose,
        filename: input.filename,
        declared_type: input.declaredType,
        declared_size: input.declaredSize,
        storage_key: input.storageKey,
        expires_at: new Date(Date.now() + limits.expiryMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * The upload as its owner may see it. Another user's upload does not exist for them (404,
 * not 403: its id says nothing). An unfinished upload past its expiry is gone (410).
 */
export async function getOwnUpload(
  db: DB,
  id: string,
  ownerId: string,
  now = new Date(),
): Promise<UploadRow> {
  const row = await db.selectFrom('upload').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.owner_id !== ownerId) throw new UploadRefusal('notFound');
  if (row.status === 'uploading' && row.expires_at <= now) throw new UploadRefusal('expired');
  return row;
}

/** After bytes were written: the new offset; the expiry restarts from now. */
export async function recordBytesReceived(
  db: DB,
  id: string,
  offset: number,
  expiryMs: number,
): Promise<void> {
  await db
    .updateTable('upload')
    .set({ offset, last_patch_at: sql`now()`, expires_at: new Date(Date.now() + expiryMs) })
    .where('id', '=', id)
    .where('status', '=', 'uploading')
    .execute();
}

/**
 * The last byte is in: mark the upload complete and queue its checks, in one transaction.
 * Safe to call twice (a retried final PATCH): the job key keeps one pending job.
 */
export async function recordUploadComplete(db: DB, id: string, size: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('upload')
      .set({
        status: 'complete',
        offset: size,
        size,
        completed_at: sql`now()`,
        last_patch_at: sql`now()`,
      })
      .where('id', '=', id)
      .where('status', '=', 'uploading')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return;
    await enqueueJob(trx, 'process_upload', { uploadId: id }, { jobKey: `process_upload:${id}` });
  });
}

export async function deleteUploadRecord(db: DB, id: string): Promise<void> {
  await db.deleteFrom('upload').where('id', '=', id).execute();
}

function problemsOf(row: UploadRow): UploadView['problems'] {
  const report = row.report as {
    reasons?: Array<{ code?: unknown; fr?: unknown; en?: unknown }>;
  } | null;
  return (report?.reasons ?? []).map((r) => ({
    code: String(r.code ?? ''),
    fr: String(r.fr ?? ''),
    en: String(r.en ?? ''),
  }));
}

export function toUploadView(row: UploadRow): UploadView {
  return {
    id: row.id,
    purpose: row.purpose as UploadPurpose,
    filename: row.filename,
    declaredSize: row.declared_size,
    offset: row.offset,
    status: row.status as UploadStatus,
    sha256: row.sha256,
    detectedFormat: row.detected_format,
    problems: problemsOf(row),
    createdAt: row.created_at.toISOString(),
    expiresAt: row.status === 'uploading' ? row.expires_at.toISOString() : null,
  };
}

/** A user's uploads, newest first (expired unfinished ones left out). */
export async function listOwnUploads(db: DB, ownerId: string, limit = 100): Promise<UploadView[]> {
  const rows = await db
    .selectFrom('upload')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where((eb) =>
      eb.or([eb('status', '!=', 'uploading'), eb('expires_at', '>', sql<Date>`now()`)]),
    )
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toUploadView);
}

/**
 * Removes the bytes and rows of unfinished uploads past their expiry. Returns the ids
 * removed. Safe to run on several instances at once (each row is claimed by its delete).
 */
export async function expireUploads(
  db: DB,
  storage: ObjectStorage,
  now = new Date(),
): Promise<string[]> {
  const removed: string[] = [];
  for (;;) {
    const rows = await db
      .deleteFrom('upload')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('upload')
          .select('id')
          .where('status', '=', 'uploading')
          .where('expires_at', '<=', now)
          .limit(200)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'storage_key'])
      .execute();
    for (const r of rows) {
      await storage.removeTusUpload(r.id);
      removed.push(r.id);
    }
    if (rows.length < 200) return removed;
  }
}

/**
 * Removes files of the tus store that no upload row owns any more (a row deleted while its
 * bytes could not be), once they are older than `graceMs`. Returns the file names removed.
 */
export async function removeOrphanBytes(
  db: DB,
  storage: ObjectStorage,
  graceMs: number,
  now = Date.now(),
): Promise<string[]> {
  // What the tus store keeps for upload <id>: the bytes, and its info file (<id>.json on a
  // directory; <id>.info and a pending <id>.part on S3). Keys under a further "/" (published
  // files and photos, on S3 where the store sits at the bucket's root) are not the store's.
  const prefix = storage.tusKey('');
  const byId = new Map<string, { name: string; key: string; modifiedAt: Date }[]>();
  for await (const o of storage.list(prefix)) {
    const name = o.key.slice(prefix.length);
    const m = /^([^/]+?)(\.json|\.info|\.part)?$/.exec(name);
    if (!m) continue;
    byId.set(m[1]!, [...(byId.get(m[1]!) ?? []), { name, key: o.key, modifiedAt: o.modifiedAt }]);
  }
  const removed: string[] = [];
  const ids = [...byId.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const known = new Set(
      (await db.selectFrom('upload').select('id').where('id', 'in', batch).execute()).map(
        (r) => r.id,
      ),
    );
    for (const id of batch) {
      if (known.has(id)) continue;
      for (const o of byId.get(id)!) {
        if (now - o.modifiedAt.getTime() < graceMs) continue;
        await storage.delete(o.key);
        removed.push(o.name);
      }
    }
  }
  return removed;
}
