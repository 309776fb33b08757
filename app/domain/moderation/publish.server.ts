// Publication of an approved dataset contribution into the catalogue: a new dataset, or a
// new version of the target dataset, with its distributions under immutable, content-
// addressed storage keys and its provenance. Idempotent: publishing twice is a no-op
// (one version per contribution, enforced by a unique constraint as well).
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { applyTransition, lockContribution } from '../contributions/transitions.server';
import { summarizeReport } from '../contributions/files.server';
import { slugify } from '../organizations/organizations.server';
import { DirectoryStorage } from '../storage/directory.server';
import type { ObjectStorage } from '../storage/storage.server';
import { fulfilOnPublication } from '../contracts/fulfilment.server';
import { notify } from './notifications.server';

export type PublishOutcome = { status: 'published' | 'already-published'; datasetId: string; versionId: string; slug: string };

const MEDIA_TYPES: Record<string, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  txt: 'text/plain',
  json: 'application/json',
  geojson: 'application/geo+json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  zip: 'application/zip',
  parquet: 'application/vnd.apache.parquet',
  pdf: 'application/pdf',
};

export function mediaTypeFor(filename: string): string {
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  return MEDIA_TYPES[ext] ?? 'application/octet-stream';
}

export const distributionKey = (sha256: string) => `distributions/${sha256.slice(0, 2)}/${sha256}`;

/** Places the bytes under their immutable key (a copy inside the store); safe to repeat. */
async function storeImmutable(storage: ObjectStorage, fromKey: string, sha256: string): Promise<string> {
  const key = distributionKey(sha256);
  if (!(await storage.exists(key))) await storage.copy(fromKey, key);
  return key;
}

async function freeDatasetSlug(trx: DB, title: string): Promise<string> {
  const base = slugify(title).replace(/^organisation$/, 'jeu-de-donnees');
  const taken = new Set((await trx.selectFrom('dataset').select('slug').where('slug', 'like', `${base}%`).execute()).map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export async function publishApprovedContribution(db: DB, contributionId: string, opts: { storage: ObjectStorage } | { /** legacy form (tests written before storage drivers): a directory */ uploadsDir: string }): Promise<PublishOutcome> {
  const storage = 'storage' in opts ? opts.storage : new DirectoryStorage(opts.uploadsDir);
  // The files first (outside the transaction, idempotent): a crash after this leaves only
  // content-addressed bytes that the retry reuses.
  const files = await db
    .selectFrom('contribution as c')
    .innerJoin('revision_upload as ru', 'ru.revision_id', 'c.current_revision_id')
    .innerJoin('upload as u', 'u.id', 'ru.upload_id')
    .select(['u.id', 'u.storage_key', 'u.sha256', 'u.filename', 'u.size', 'u.detected_format', 'u.report', 'ru.position'])
    .where('c.id', '=', contributionId)
    .orderBy('ru.position')
    .execute();
  const stored: ((typeof files)[number] & { key: string })[] = [];
  for (const f of files) {
    if (!f.sha256 || f.size === null) throw new Error(`upload ${f.id} has no checksum: it was not verified`);
    stored.push({ ...f, key: await storeImmutable(storage, f.storage_key, f.sha256) });
  }

  return db.transaction().execute(async (trx) => {
    const c = await lockContribution(trx, contributionId);
    const row = await trx
      .selectFrom('contribution')
      .select(['published_version_id', 'target_dataset_id', 'current_revision_id', 'submitted_at', 'approved_at', 'first_approver_id', 'audit_pending', 'title'])
      .where('id', '=', contributionId)
      .executeTakeFirstOrThrow();
    if (row.published_version_id) {
      const v = await trx
        .selectFrom('dataset_version as v')
        .innerJoin('dataset as d', 'd.id', 'v.dataset_id')
        .select(['v.id', 'v.dataset_id', 'd.slug'])
        .where('v.id', '=', row.published_version_id)
        .executeTakeFirstOrThrow();
      return { status: 'already-published', datasetId: v.dataset_id, versionId: v.id, slug: v.slug };
    }
    if (c.state !== 'approved') throw new Error(`contribution ${contributionId} is ${c.state}, not approved`);
    const revision = await trx.selectFrom('contribution_revision').select(['id', 'metadata']).where('id', '=', row.current_revision_id!).executeTakeFirstOrThrow();
    const metadata = revision.metadata as Record<string, unknown>;
    const approvers = await trx
      .selectFrom('moderation_event')
      .select('actor_id')
      .where('contribution_id', '=', contributionId)
      .where('action', '=', 'approve')
      .where('actor_id', 'is not', null)
      .orderBy('id')
      .execute();

    let datasetId: string;
    let slug: string;
    let number = 1;
    if (row.target_dataset_id) {
      const ds = await trx.selectFrom('dataset').select(['id', 'slug']).where('id', '=', row.target_dataset_id).forUpdate().executeTakeFirstOrThrow();
      datasetId = ds.id;
      slug = ds.slug;
      const max = await trx
        .selectFrom('dataset_version')
        .select((eb) => eb.fn.max('number').as('n'))
        .where('dataset_id', '=', datasetId)
        .executeTakeFirst();
      number = Number(max?.n ?? 0) + 1;
    } else {
      slug = await freeDatasetSlug(trx, String(metadata.title ?? row.title));
      const ds = await trx
        .insertInto('dataset')
        .values({ slug, organization_id: c.organization_id, metadata: JSON.stringify(metadata) })
        .returning('id')
        .executeTakeFirstOrThrow();
      datasetId = ds.id;
    }
    const version = await trx
      .insertInto('dataset_version')
      .values({
        dataset_id: datasetId,
        number,
        contribution_id: contributionId,
        revision_id: revision.id,
        metadata: JSON.stringify(metadata),
        submitter_id: c.submitter_id,
        organization_id: c.organization_id,
        approver_ids: sql`${sql.val(approvers.map((a) => a.actor_id!))}::uuid[]`,
        auto_approved: approvers.length === 0,
        submitted_at: row.submitted_at ?? new Date(),
        approved_at: row.approved_at ?? new Date(),
        change_summary: number === 1 ? null : (files.length ? 'files' : 'metadata'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (stored.length) {
      await trx
        .insertInto('distribution')
        .values(
          stored.map((f) => {
            const summary = summarizeReport(f.report);
            const rows = summary.facts.find((x) => x.key === 'rows')?.value;
            return {
              dataset_version_id: version.id,
              upload_id: f.id,
              position: f.position,
              filename: f.filename,
              format: f.detected_format,
              media_type: mediaTypeFor(f.filename),
              size: f.size!,
              sha256: f.sha256!,
              row_count: typeof rows === 'number' ? rows : null,
              schema_summary: JSON.stringify({ columns: summary.columns }),
              report_summary: JSON.stringify({ warnings: summary.warnings, facts: summary.facts }),
              storage_key: f.key,
            };
          }),
        )
        .execute();
    } else if (row.target_dataset_id) {
      // A metadata-only update keeps the files of the version it updates.
      const previous = await trx.selectFrom('dataset').select('current_version_id').where('id', '=', datasetId).executeTakeFirstOrThrow();
      if (previous.current_version_id) {
        await sql`insert into distribution (dataset_version_id, upload_id, position, filename, format, media_type, size, sha256, row_count, schema_summary, report_summary, storage_key)
          select ${version.id}, upload_id, position, filename, format, media_type, size, sha256, row_count, schema_summary, report_summary, storage_key
          from distribution where dataset_version_id = ${previous.current_version_id}`.execute(trx);
      }
    }
    await trx
      .updateTable('dataset')
      .set({ current_version_id: version.id, metadata: JSON.stringify(metadata), state: 'published', updated_at: sql`now()` })
      .where('id', '=', datasetId)
      .execute();
    await applyTransition(trx, c, { action: 'publish', to: 'published', actorId: null, set: { published_version_id: version.id } });
    // A delivery owed under a public contract fulfils its occurrence in this same transaction.
    await fulfilOnPublication(trx, contributionId, datasetId);
    const who = await trx
      .selectFrom('users')
      .select(['id', 'email', 'pseudonym', 'locale', 'deleted_at'])
      .where('id', '=', c.submitter_id)
      .executeTakeFirstOrThrow();
    if (!who.deleted_at) {
      await notify(trx, {
        userId: who.id,
        kind: 'published',
        contributionId,
        title: String(metadata.title ?? row.title),
        url: `/compte/contributions/${contributionId}`,
        email: {
          to: who.email,
          template: 'contribution_event',
          locale: who.locale,
          params: { pseudonym: who.pseudonym, title: String(metadata.title ?? row.title), event: 'published', comment: '', url: `/datasets/${slug}` },
        },
      });
    }
    return { status: 'published', datasetId, versionId: version.id, slug };
  });
}
