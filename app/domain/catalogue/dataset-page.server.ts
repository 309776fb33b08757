// Everything a dataset's public page shows: metadata, provenance (who contributed, for
// which organisation, who approved, when), licence, communes with their outlines, versions
// with what changed, distributions, quality. A retracted dataset is a tombstone.
import type { DB } from '#db/client';
import { previewStoredFile } from './file-preview.server';
import type { FilePreview } from './file-preview.server';
import type { ObjectStorage } from '../storage/storage.server';
import { qualityOf } from './quality';
import type { Quality } from './quality';

export interface DistributionView {
  id: string;
  filename: string;
  format: string;
  mediaType: string;
  size: number;
  sha256: string;
  rowCount: number | null;
  columns: string[];
  warnings: unknown[];
  facts: { key: string; value: string | number }[];
  downloads: number;
  href: string;
}

export interface VersionEntry {
  id: string;
  number: number;
  state: 'published' | 'retracted';
  publishedAt: Date;
  changeSummary: string | null;
  submitter: string;
  organization: { name: string; slug: string } | null;
  approvers: string[];
  autoApproved: boolean;
  submittedAt: Date;
  approvedAt: Date;
  retractedAt: Date | null;
  retractionReason: string | null;
  current: boolean;
}

export interface DatasetPage {
  state: 'published';
  id: string;
  slug: string;
  title: string;
  description: string;
  themes: { code: string; label: string }[];
  keywords: string[];
  communes: { code: string; name: string }[];
  licence: { id: string; name: string; url: string; traceable: boolean } | null;
  temporalStart: string | null;
  temporalEnd: string | null;
  updateFrequency: string | null;
  contactName: string | null;
  personalData: boolean;
  columns: { name: string; description: string }[];
  publisher: { id: string; name: string; slug: string; kind: string } | null;
  createdAt: Date;
  updatedAt: Date;
  archived: { at: Date; reason: string } | null;
  downloads: number;
  currentContributionId: string;
  versions: VersionEntry[];
  distributions: DistributionView[];
  quality: Quality;
}

export interface Tombstone {
  state: 'retracted';
  slug: string;
  title: string;
  retractedAt: Date;
  reason: string;
}

const ext = (filename: string) => (/\.([A-Za-z0-9]{1,10})$/.exec(filename)?.[1] ?? '').toLowerCase();

export async function getDatasetPage(db: DB, slug: string, lng = 'fr'): Promise<DatasetPage | Tombstone | null> {
  const d = await db.selectFrom('dataset').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!d) return null;
  if (d.state === 'retracted' || !d.current_version_id) {
    return {
      state: 'retracted',
      slug: d.slug,
      title: String((d.metadata as { title?: string }).title ?? d.slug),
      retractedAt: d.retracted_at ?? d.updated_at,
      reason: d.retraction_reason ?? '',
    };
  }
  const m = d.metadata as Record<string, unknown>;
  const themeCodes = Array.isArray(m.themes) ? m.themes.map(String) : [];
  const communeCodes = Array.isArray(m.communes) ? m.communes.map(String) : [];
  const [versions, distributions, themes, communes, licence, publisher] = await Promise.all([
    db
      .selectFrom('dataset_version as v')
      .innerJoin('users as u', 'u.id', 'v.submitter_id')
      .leftJoin('organization as o', 'o.id', 'v.organization_id')
      .select([
        'v.id',
        'v.number',
        'v.state',
        'v.published_at',
        'v.change_summary',
        'v.approver_ids',
        'v.auto_approved',
        'v.submitted_at',
        'v.approved_at',
        'v.retracted_at',
        'v.retraction_reason',
        'v.contribution_id',
        'u.pseudonym',
        'u.deleted_at',
        'o.name as org_name',
        'o.slug as org_slug',
      ])
      .where('v.dataset_id', '=', d.id)
      .orderBy('v.number', 'desc')
      .execute(),
    db.selectFrom('distribution').selectAll().where('dataset_version_id', '=', d.current_version_id).orderBy('position').execute(),
    themeCodes.length
      ? db
          .selectFrom('theme')
          .select(['code', lng === 'en' ? 'label_en as label' : 'label_fr as label'])
          .where('code', 'in', themeCodes)
          .orderBy('position')
          .execute()
      : Promise.resolve([]),
    communeCodes.length ? db.selectFrom('territory').select(['code', 'name']).where('code', 'in', communeCodes).orderBy('name').execute() : Promise.resolve([]),
    typeof m.licence === 'string'
      ? db.selectFrom('licence').select(['id', 'name', 'url', 'traceable']).where('id', '=', m.licence).executeTakeFirst()
      : Promise.resolve(undefined),
    d.organization_id
      ? db.selectFrom('organization').select(['id', 'name', 'slug', 'kind']).where('id', '=', d.organization_id).executeTakeFirst()
      : Promise.resolve(undefined),
  ]);
  const approverIds = [...new Set(versions.flatMap((v) => v.approver_ids))];
  const approvers = approverIds.length
    ? await db.selectFrom('users').select(['id', 'pseudonym', 'deleted_at']).where('id', 'in', approverIds).execute()
    : [];
  const approverName = new Map(approvers.map((a) => [a.id, a.deleted_at ? '—' : a.pseudonym]));
  const current = versions.find((v) => v.id === d.current_version_id)!;
  const dists: DistributionView[] = distributions.map((x) => {
    const report = (x.report_summary ?? {}) as { warnings?: unknown[]; facts?: { key: string; value: string | number }[] };
    const schema = (x.schema_summary ?? {}) as { columns?: string[] };
    return {
      id: x.id,
      filename: x.filename,
      format: ext(x.filename) || (x.format ?? ''),
      mediaType: x.media_type,
      size: Number(x.size),
      sha256: x.sha256,
      rowCount: x.row_count === null ? null : Number(x.row_count),
      columns: Array.isArray(schema.columns) ? schema.columns.map(String) : [],
      warnings: Array.isArray(report.warnings) ? report.warnings : [],
      facts: Array.isArray(report.facts) ? report.facts : [],
      downloads: Number(x.download_count),
      href: `/datasets/${d.slug}/telecharger/${x.id}`,
    };
  });
  const columns = (Array.isArray(m.columns) ? m.columns : []).map((c) => ({
    name: String((c as { name?: unknown }).name ?? ''),
    description: String((c as { description?: unknown }).description ?? ''),
  }));
  return {
    state: 'published',
    id: d.id,
    slug: d.slug,
    title: String(m.title ?? d.slug),
    description: String(m.description ?? ''),
    themes,
    keywords: Array.isArray(m.keywords) ? m.keywords.map(String) : [],
    communes,
    licence: licence ?? null,
    temporalStart: typeof m.temporalStart === 'string' ? m.temporalStart : null,
    temporalEnd: typeof m.temporalEnd === 'string' ? m.temporalEnd : null,
    updateFrequency: typeof m.updateFrequency === 'string' ? m.updateFrequency : null,
    contactName: typeof m.contactName === 'string' ? m.contactName : null,
    personalData: m.personalData === true || m.personalData === 'yes',
    columns,
    publisher: publisher ?? null,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    archived: d.archived_at ? { at: d.archived_at, reason: d.archive_reason ?? '' } : null,
    downloads: Number(d.download_count),
    currentContributionId: current.contribution_id,
    versions: versions.map((v) => ({
      id: v.id,
      number: v.number,
      state: v.state as VersionEntry['state'],
      publishedAt: v.published_at,
      changeSummary: v.change_summary,
      submitter: v.deleted_at ? '—' : v.pseudonym,
      organization: v.org_name && v.org_slug ? { name: v.org_name, slug: v.org_slug } : null,
      approvers: v.approver_ids.map((id) => approverName.get(id) ?? '—'),
      autoApproved: v.auto_approved,
      submittedAt: v.submitted_at,
      approvedAt: v.approved_at,
      retractedAt: v.retracted_at,
      retractionReason: v.retraction_reason,
      current: v.id === d.current_version_id,
    })),
    distributions: dists,
    quality: qualityOf({
      metadata: m,
      formats: dists.map((x) => x.format),
      fileCount: dists.length,
      fileColumns: [...new Set(dists.flatMap((x) => x.columns))],
      lastUpdate: d.updated_at,
    }),
  };
}

/** The outlines of the communes a dataset covers (the Métropole: all its communes), as GeoJSON. */
export async function communeOutlines(db: DB, codes: string[]): Promise<{ type: 'FeatureCollection'; features: unknown[] }> {
  if (!codes.length) return { type: 'FeatureCollection', features: [] };
  const rows = await db
    .selectFrom('territory')
    .select(['code', 'name', 'boundary'])
    .where((eb) => eb.or([eb('code', 'in', codes), eb('parent_code', 'in', codes)]))
    .where('boundary', 'is not', null)
    .execute();
  return {
    type: 'FeatureCollection',
    features: rows.map((r) => ({ type: 'Feature', properties: { code: r.code, name: r.name }, geometry: r.boundary })),
  };
}

// ---------------------------------------------------------------------------------------
// Preview: the first rows of a CSV with the type of each column, or a GeoJSON's features
// (file-preview.server.ts, shared with the moderation review screen).

export async function previewDistribution(db: DB, storage: ObjectStorage, datasetSlug: string, distributionId: string): Promise<FilePreview | null> {
  const row = await db
    .selectFrom('distribution as x')
    .innerJoin('dataset as d', 'd.current_version_id', 'x.dataset_version_id')
    .select(['x.filename', 'x.storage_key', 'x.report_summary'])
    .where('d.slug', '=', datasetSlug)
    .where('d.state', '=', 'published')
    .where('x.id', '=', distributionId)
    .executeTakeFirst();
  if (!row) return null;
  const facts = ((row.report_summary ?? {}) as { facts?: { key: string; value: unknown }[] }).facts ?? [];
  return previewStoredFile(storage, { storageKey: row.storage_key, filename: row.filename, facts });
}
