// Declared reuses: anyone signed in says what they made with the catalogue's data (an
// application, a visualisation, an article, an API…). A reuse points at one or more
// published datasets; it shows on each dataset's page and on /reutilisations; the datasets'
// publishers are notified (their admins and the members who published the reused data; each
// person's email preference applies) and credited in the ledger (rule `reuse_declared`, once
// per reuse and publisher; never for one's own data). Moderators hide abusive ones, which
// takes the credits back.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import { notify } from '../moderation/notifications.server';
import { reencodePhoto } from '../observations/photos.server';
import { appendLedgerEntry, reverseCreditsOf } from '../reputation/ledger.server';
import type { ObjectStorage } from '../storage/storage.server';
import type { LedgerSubject } from '../reputation/ledger.server';
import { splitDatasetRefs } from './reuses.schema';
import type { ReuseInput, ReuseKind } from './reuses.schema';

export class ReuseError extends Error {
  constructor(
    readonly code: 'unknown_datasets' | 'no_dataset' | 'bad_image' | 'not_found' | 'already_hidden',
    readonly details: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

export interface ReuseDatasetRef {
  id: string;
  slug: string;
  title: string;
}

export interface ReuseView {
  id: string;
  kind: ReuseKind;
  title: string;
  url: string;
  description: string;
  hasImage: boolean;
  author: string | null;
  createdAt: Date;
  datasets: ReuseDatasetRef[];
  hidden: { at: Date; reason: string | null } | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The slug a reference names: a dataset page URL (any origin), a path, or a bare slug. */
export function datasetSlugOf(ref: string): string {
  const m = /\/datasets\/([^/?#\s]+)/.exec(ref);
  const slug = m ? m[1]! : ref;
  try {
    return decodeURIComponent(slug).trim();
  } catch {
    return slug.trim();
  }
}

/** The published datasets the references name, and the references that name none. */
export async function resolveDatasets(
  db: DB,
  refs: string[],
): Promise<{ found: ReuseDatasetRef[]; unknown: string[] }> {
  const wanted = refs.map((r) => ({ ref: r, key: datasetSlugOf(r) }));
  const keys = [...new Set(wanted.map((w) => w.key))].filter(Boolean);
  if (!keys.length) return { found: [], unknown: refs };
  const ids = keys.filter((k) => UUID.test(k));
  const rows = await db
    .selectFrom('dataset')
    .select(['id', 'slug', sql<string>`metadata->>'title'`.as('title')])
    .where('state', '=', 'published')
    .where((eb) => eb.or([eb('slug', 'in', keys), ...(ids.length ? [eb('id', 'in', ids)] : [])]))
    .execute();
  const byKey = new Map<string, ReuseDatasetRef>();
  for (const r of rows) {
    const d = { id: r.id, slug: r.slug, title: r.title ?? r.slug };
    byKey.set(r.slug, d);
    byKey.set(r.id, d);
  }
  const found = new Map<string, ReuseDatasetRef>();
  const unknown: string[] = [];
  for (const w of wanted) {
    const d = byKey.get(w.key);
    if (d) found.set(d.id, d);
    else unknown.push(w.ref);
  }
  return { found: [...found.values()], unknown };
}

interface Recipient {
  id: string;
  email: string;
  locale: string;
  pseudonym: string;
}

interface Publisher {
  subject: LedgerSubject;
  /**
   * Who is told (decision 018): for an organisation, its admins and the members who
   * published a version of a reused dataset (the people who answer for those data), not
   * every member; for data published without an organisation, its contributor.
   */
  recipients: Recipient[];
  /** People whose own data this is (no credit for declaring a reuse of it). */
  insiders: string[];
}

async function publishersOf(db: DB, datasetIds: string[]): Promise<Publisher[]> {
  const rows = await db
    .selectFrom('dataset as d')
    .leftJoin('dataset_version as v', 'v.id', 'd.current_version_id')
    .select(['d.organization_id', 'v.submitter_id'])
    .where('d.id', 'in', datasetIds)
    .execute();
  const out = new Map<string, Publisher>();
  const people = (ids: string[]) =>
    ids.length
      ? db
          .selectFrom('users')
          .select(['id', 'email', 'locale', 'pseudonym'])
          .where('id', 'in', ids)
          .where('deleted_at', 'is', null)
          .execute()
      : Promise.resolve([]);
  for (const r of rows) {
    if (r.organization_id) {
      if (out.has(`o:${r.organization_id}`)) continue;
      const members = await db
        .selectFrom('membership')
        .select(['user_id', 'role'])
        .where('organization_id', '=', r.organization_id)
        .execute();
      // Members who published a version of one of the reused datasets of this organisation.
      const publishedBy = await db
        .selectFrom('dataset_version as v')
        .innerJoin('dataset as d', 'd.id', 'v.dataset_id')
        .select('v.submitter_id')
        .distinct()
        .where('d.id', 'in', datasetIds)
        .where('d.organization_id', '=', r.organization_id)
        .execute();
      const authors = new Set(publishedBy.map((v) => v.submitter_id));
      out.set(`o:${r.organization_id}`, {
        subject: { type: 'organization', id: r.organization_id },
        recipients: await people(
          members.filter((m) => m.role === 'admin' || authors.has(m.user_id)).map((m) => m.user_id),
        ),
        insiders: members.map((m) => m.user_id),
      });
    } else if (r.submitter_id && !out.has(`u:${r.submitter_id}`)) {
      out.set(`u:${r.submitter_id}`, {
        subject: { type: 'user', id: r.submitter_id },
        recipients: await people([r.submitter_id]),
        insiders: [r.submitter_id],
      });
    }
  }
  return [...out.values()];
}

export const reuseImageKey = (reuseId: string) => `reuses/${reuseId.slice(0, 2)}/${reuseId}.jpg`;

/**
 * Declares a reuse: the datasets must all be published ones (else nothing is written), the
 * image (optional) is re-encoded without metadata. One transaction writes the reuse, its
 * datasets, the publishers' ledger credits and their notifications.
 */
export async function declareReuse(
  db: DB,
  authorId: string,
  input: ReuseInput,
  opts: { storage: ObjectStorage; image?: Buffer | null; publicUrl?: string },
): Promise<{ id: string }> {
  const refs = splitDatasetRefs(input.datasets);
  if (!refs.length) throw new ReuseError('no_dataset');
  const { found, unknown } = await resolveDatasets(db, refs);
  if (unknown.length) throw new ReuseError('unknown_datasets', { unknown });
  if (!found.length) throw new ReuseError('no_dataset');
  let image: Buffer | null = null;
  if (opts.image?.length) {
    try {
      image = await reencodePhoto(opts.image);
    } catch {
      throw new ReuseError('bad_image');
    }
  }
  const publishers = await publishersOf(
    db,
    found.map((d) => d.id),
  );
  let written: string | null = null;
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('reuse')
        .values({
          author_id: authorId,
          kind: input.kind,
          title: input.title,
          url: input.url,
          description: input.description ?? '',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('reuse_dataset')
        .values(found.map((d) => ({ reuse_id: row.id, dataset_id: d.id })))
        .execute();
      if (image) {
        const key = reuseImageKey(row.id);
        await opts.storage.put(key, image, { contentType: 'image/jpeg' });
        written = key;
        await trx.updateTable('reuse').set({ image_key: key }).where('id', '=', row.id).execute();
      }
      const url = `/reutilisations/${row.id}`;
      // One notification per person, even when they answer for several publishers' data.
      const told = new Set<string>([authorId]);
      for (const p of publishers) {
        if (!p.insiders.includes(authorId)) {
          await appendLedgerEntry(trx, {
            subject: p.subject,
            reason: 'reuse_declared',
            ref: { type: 'reuse', id: row.id },
            actor: authorId,
          });
        }
        for (const who of p.recipients) {
          if (told.has(who.id)) continue;
          told.add(who.id);
          const names = found.map((d) => d.title).join(', ');
          await notify(trx, {
            userId: who.id,
            kind: 'reuse_declared',
            title: input.title,
            comment: names,
            url,
            email: {
              to: who.email,
              template: 'notification',
              locale: who.locale,
              params: {
                pseudonym: who.pseudonym,
                subject_fr: `Réutilisation de vos données : ${input.title}`,
                subject_en: `Your data was reused: ${input.title}`,
                body_fr: `Une réutilisation de vos données a été déclarée : « ${input.title} » (${input.url}).\nJeux de données : ${names}`,
                body_en: `A reuse of your data was declared: “${input.title}” (${input.url}).\nDatasets: ${names}`,
                comment: '',
                url: `${(opts.publicUrl ?? '').replace(/\/$/, '')}${url}`,
              },
            },
          });
        }
      }
      return { id: row.id };
    });
  } catch (e) {
    if (written) await opts.storage.delete(written).catch(() => undefined);
    throw e;
  }
}

function viewQuery(db: DB) {
  return db
    .selectFrom('reuse as r')
    .leftJoin('users as u', 'u.id', 'r.author_id')
    .select([
      'r.id',
      'r.kind',
      'r.title',
      'r.url',
      'r.description',
      'r.image_key',
      'r.created_at',
      'r.hidden_at',
      'r.hidden_reason',
      'u.pseudonym',
      (eb) =>
        sql<
          ReuseDatasetRef[]
        >`coalesce((select json_agg(json_build_object('id', d.id, 'slug', d.slug, 'title', d.metadata->>'title') order by d.metadata->>'title')
          from reuse_dataset rd join dataset d on d.id = rd.dataset_id where rd.reuse_id = ${eb.ref('r.id')} and d.state = 'published'), '[]'::json)`.as(
          'datasets',
        ),
    ]);
}

function toView(
  r: Awaited<ReturnType<ReturnType<typeof viewQuery>['execute']>>[number],
): ReuseView {
  return {
    id: r.id,
    kind: r.kind as ReuseKind,
    title: r.title,
    url: r.url,
    description: r.description,
    hasImage: Boolean(r.image_key),
    author: r.pseudonym,
    createdAt: r.created_at,
    datasets: r.datasets,
    hidden: r.hidden_at ? { at: r.hidden_at, reason: r.hidden_reason } : null,
  };
}

export async function listReuses(
  db: DB,
  opts: { kind?: ReuseKind; datasetId?: string; limit?: number; offset?: number } = {},
): Promise<ReuseView[]> {
  let q = viewQuery(db).where('r.hidden_at', 'is', null);
  if (opts.kind) q = q.where('r.kind', '=', opts.kind);
  if (opts.datasetId)
    q = q.where(
      'r.id',
      'in',
      db.selectFrom('reuse_dataset').select('reuse_id').where('dataset_id', '=', opts.datasetId),
    );
  const rows = await q
    .orderBy('r.created_at', 'desc')
    .limit(opts.limit ?? 50)
    .offset(opts.offset ?? 0)
    .execute();
  return rows.map(toView);
}

export async function getReuse(db: DB, id: string): Promise<ReuseView | null> {
  if (!UUID.test(id)) return null;
  const r = await viewQuery(db).where('r.id', '=', id).executeTakeFirst();
  return r ? toView(r) : null;
}

export async function reuseImageKeyOf(db: DB, id: string): Promise<string | null> {
  if (!UUID.test(id)) return null;
  const r = await db
    .selectFrom('reuse')
    .select('image_key')
    .where('id', '=', id)
    .where('hidden_at', 'is', null)
    .executeTakeFirst();
  return r?.image_key ?? null;
}

/** Hides an abusive reuse (moderators): gone from every list, its credits reversed. */
export async function hideReuse(
  db: DB,
  moderatorId: string,
  id: string,
  reason: string,
): Promise<void> {
  if (!UUID.test(id)) throw new ReuseError('not_found');
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .selectFrom('reuse')
      .select(['id', 'hidden_at'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!r) throw new ReuseError('not_found');
    if (r.hidden_at) throw new ReuseError('already_hidden');
    await trx
      .updateTable('reuse')
      .set({ hidden_at: sql`now()`, hidden_by: moderatorId, hidden_reason: reason })
      .where('id', '=', id)
      .execute();
    await reverseCreditsOf(trx, { type: 'reuse', id }, moderatorId, 'reversal_retraction');
    await appendAuditLog(trx, {
      actorId: moderatorId,
      action: 'reuse.hide',
      targetType: 'reuse',
      targetId: id,
      details: { reason },
    });
  });
}
