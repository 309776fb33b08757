// The public side of the catalogue as the lifecycle leaves it: what is listed (published,
// not retracted), and what a dataset's page shows, including the tombstone of a retracted
// one. Search, facets and pages build on these queries.
import type { DB } from '#db/client';

export interface DatasetListItem {
  id: string;
  slug: string;
  title: string;
  organizationId: string | null;
  updatedAt: Date;
  versionNumber: number;
}

/** Published datasets, newest first; retracted datasets and versions never appear. */
export async function listPublishedDatasets(db: DB, opts: { limit?: number; offset?: number } = {}): Promise<DatasetListItem[]> {
  const rows = await db
    .selectFrom('dataset as d')
    .innerJoin('dataset_version as v', 'v.id', 'd.current_version_id')
    .select(['d.id', 'd.slug', 'd.metadata', 'd.organization_id', 'd.updated_at', 'v.number'])
    .where('d.state', '=', 'published')
    .where('v.state', '=', 'published')
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
