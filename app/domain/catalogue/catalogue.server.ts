// The public side of the catalogue as the lifecycle leaves it: what is listed (published,
// not retracted), and what a dataset's page shows, including the tombstone of a retracted
// one. Search, facets and pages build on these queries.
import { sql } from 'kysely';
import type { DB } from '#db/client';

export interface DatasetListItem {
  id: string;
  slug: string;
  title: string;
  organizationId: string | null;
  updatedAt: Date;
  versionNumber: number;
  archived: boolean;
}

/** Published datasets, newest first; retracted datasets and versions never appear. */
export async function listPublishedDatasets(
  db: DB,
  opts: { limit?: number; offset?: number; organizationId?: string; commune?: string; includeArchived?: boolean } = {},
): Promise<DatasetListItem[]> {
  let q = db
    .selectFrom('dataset as d')
    .innerJoin('dataset_version as v', 'v.id', 'd.current_version_id')
    .select(['d.id', 'd.slug', 'd.metadata', 'd.organization_id', 'd.updated_at', 'd.archived_at', 'v.number'])
    .where('d.state', '=', 'published')
    .where('v.state', '=', 'published')
    // `listed` (kept by the search trigger) lets the newest-first index serve the order.
    .where('d.listed', '=', true);
  if (opts.organizationId) q = q.where('d.organization_id', '=', opts.organizationId);
  if (opts.commune) q = q.where(sql<boolean>`d.facets @> ${sql.val([`commune:${opts.commune}`])}::text[]`);
  if (opts.includeArchived === false) q = q.where('d.archived_at', 'is', null);
  const rows = await q
    .orderBy('d.updated_at', 'desc')
    .limit(opts.limit ?? 50)
    .offset(opts.offset ?? 0)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: String((r.metadata as { title?: string }).title ?? r.slug),
    organizationId: r.organization_id,
    updatedAt: r.updated_at,
    versionNumber: r.number,
    archived: r.archived_at !== null,
  }));
}

export type DatasetView =
  | { state: 'published'; id: string; slug: string; metadata: Record<string, unknown>; versions: VersionView[] }
  | { state: 'retracted'; id: string; slug: string; title: string; retractedAt: Date; reason: string };

export interface VersionView {
  id: string;
  number: number;
  state: 'published' | 'retracted';
  publishedAt: Date;
  submitterId: string;
  organizationId: string | null;
  approverIds: string[];
  autoApproved: boolean;
  retractedAt: Date | null;
  retractionReason: string | null;
}

export async function getDatasetBySlug(db: DB, slug: string): Promise<DatasetView | null> {
  const d = await db.selectFrom('dataset').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!d) return null;
  if (d.state === 'retracted') {
    return {
      state: 'retracted',
      id: d.id,
      slug: d.slug,
      title: String((d.metadata as { title?: string }).title ?? d.slug),
      retractedAt: d.retracted_at ?? d.updated_at,
      reason: d.retraction_reason ?? '',
    };
  }
  const versions = await db
    .selectFrom('dataset_version')
    .selectAll()
    .where('dataset_id', '=', d.id)
    .orderBy('number', 'desc')
    .execute();
  return {
    state: 'published',
    id: d.id,
    slug: d.slug,
    metadata: d.metadata as Record<string, unknown>,
    versions: versions.map((v) => ({
      id: v.id,
      number: v.number,
      state: v.state as VersionView['state'],
      publishedAt: v.published_at,
      submitterId: v.submitter_id,
      organizationId: v.organization_id,
      approverIds: v.approver_ids,
      autoApproved: v.auto_approved,
      retractedAt: v.retracted_at,
      retractionReason: v.retraction_reason,
    })),
  };
}

export interface CatalogueSummary {
  datasets: number;
  publishers: number;
  files: number;
  downloads: number;
  latest: (DatasetListItem & { publisher: string | null })[];
  themes: { code: string; label: string; count: number }[];
}

/** What the home page shows: counts, the latest publications, the themes with their counts. */
export async function catalogueSummary(db: DB, lng = 'fr'): Promise<CatalogueSummary> {
  const [counts, files, latest, themes] = await Promise.all([
    sql<{ datasets: number; publishers: number; downloads: number }>`select count(*)::int as datasets,
        count(distinct organization_id)::int as publishers, coalesce(sum(download_count), 0)::int as downloads
      from dataset where listed and archived_at is null`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from distribution x join dataset d on d.current_version_id = x.dataset_version_id
      where d.listed and d.archived_at is null`.execute(db),
    db
      .selectFrom('dataset as d')
      .innerJoin('dataset_version as v', 'v.id', 'd.current_version_id')
      .leftJoin('organization as o', 'o.id', 'd.organization_id')
      .select(['d.id', 'd.slug', 'd.metadata', 'd.organization_id', 'd.updated_at', 'v.number', 'o.name as org_name'])
      .where('d.listed', '=', true)
      .where('d.archived_at', 'is', null)
      .orderBy('d.updated_at', 'desc')
      .limit(6)
      .execute(),
    sql<{ code: string; label: string; count: number }>`select t.code, ${sql.ref(lng === 'en' ? 't.label_en' : 't.label_fr')} as label,
        (select count(*) from dataset d where d.listed and d.archived_at is null and d.facets @> array['theme:' || t.code])::int as count
      from theme t where t.active order by t.position`.execute(db),
  ]);
  const c = counts.rows[0];
  return {
    datasets: c?.datasets ?? 0,
    publishers: c?.publishers ?? 0,
    downloads: c?.downloads ?? 0,
    files: files.rows[0]?.n ?? 0,
    latest: latest.map((r) => ({
      id: r.id,
      slug: r.slug,
      title: String((r.metadata as { title?: string }).title ?? r.slug),
      organizationId: r.organization_id,
      updatedAt: r.updated_at,
      versionNumber: r.number,
      archived: false,
      publisher: r.org_name,
    })),
    themes: themes.rows,
  };
}
