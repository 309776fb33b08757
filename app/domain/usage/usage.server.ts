// Usage of an organisation's published data, for its members: downloads per day (counted
// once per client and day, like the catalogue's counts), per dataset, and who downloads its
// traceable data, with which key and for what declared purpose (the download log).
import { sql } from 'kysely';
import type { DB } from '#db/client';
import type { UsagePeriod } from './usage.schema';

export { parsePeriod, usagePeriods } from './usage.schema';
export type { UsagePeriod } from './usage.schema';

export interface UsageDay {
  day: string;
  downloads: number;
}

export interface DatasetUsage {
  id: string;
  slug: string;
  title: string;
  downloads: number;
  traceableDownloads: number;
}

export interface ReuserUsage {
  reuser: string;
  reuserOrganization: string | null;
  keyName: string | null;
  purpose: string | null;
  via: 'session' | 'credential';
  downloads: number;
  datasets: string[];
  lastAt: Date;
}

export interface TraceableDownloadRow {
  at: Date;
  dataset: string;
  datasetSlug: string;
  version: number;
  filename: string;
  reuser: string;
  reuserOrganization: string | null;
  keyName: string | null;
  purpose: string | null;
  via: 'session' | 'credential';
}

export interface OrganizationUsage {
  days: UsageDay[];
  total: number;
  datasets: DatasetUsage[];
  reusers: ReuserUsage[];
}

/** Whose datasets: an organisation's, or those a person published as an individual. */
export type Publisher = { organizationId: string } | { userId: string };

function ownedDatasets(db: DB, publisher: Publisher) {
  if ('organizationId' in publisher)
    return db
      .selectFrom('dataset')
      .select('dataset.id')
      .where('dataset.organization_id', '=', publisher.organizationId);
  return db
    .selectFrom('dataset')
    .innerJoin('dataset_version as cv', 'cv.id', 'dataset.current_version_id')
    .select('dataset.id')
    .where('dataset.organization_id', 'is', null)
    .where('cv.submitter_id', '=', publisher.userId);
}

const since = (days: number) => sql<Date>`(current_date - ${days - 1}::int)`;

/** Downloads per day (every day of the period, zeros included), oldest first. */
export async function downloadsPerDay(
  db: DB,
  publisher: Publisher,
  days: UsagePeriod,
): Promise<UsageDay[]> {
  const { rows } = await sql<{ day: string; downloads: number }>`
    select to_char(g.day, 'YYYY-MM-DD') as day, coalesce(sum(u.downloads), 0)::int as downloads
    from generate_series(${since(days)}, current_date, interval '1 day') as g(day)
    left join dataset_download_day u on u.day = g.day::date
      and u.dataset_id in (${ownedDatasets(db, publisher)})
    group by g.day order by g.day
  `.execute(db);
  return rows;
}

export async function publisherUsage(
  db: DB,
  publisher: Publisher,
  days: UsagePeriod,
): Promise<OrganizationUsage> {
  const [perDay, datasets, reusers] = await Promise.all([
    downloadsPerDay(db, publisher, days),
    db
      .selectFrom('dataset as d')
      .select([
        'd.id',
        'd.slug',
        sql<string>`d.metadata->>'title'`.as('title'),
        (eb) =>
          eb
            .selectFrom('dataset_download_day as u')
            .select(sql<number>`coalesce(sum(u.downloads), 0)::int`.as('n'))
            .whereRef('u.dataset_id', '=', 'd.id')
            .where('u.day', '>=', since(days))
            .as('downloads'),
        (eb) =>
          eb
            .selectFrom('traceable_download as l')
            .select(sql<number>`count(*)::int`.as('n'))
            .whereRef('l.dataset_id', '=', 'd.id')
            .where('l.created_at', '>=', since(days))
            .as('traceable'),
      ])
      .where('d.id', 'in', ownedDatasets(db, publisher))
      .where('d.state', '=', 'published')
      .orderBy('d.download_count', 'desc')
      .limit(200)
      .execute(),
    db
      .selectFrom('traceable_download as l')
      .innerJoin('dataset as d', 'd.id', 'l.dataset_id')
      .leftJoin('users as u', 'u.id', 'l.user_id')
      .leftJoin('organization as o', 'o.id', 'l.reuser_organization_id')
      .leftJoin('credential as c', 'c.id', 'l.credential_id')
      .select([
        sql<string>`coalesce(u.pseudonym, '—')`.as('reuser'),
        'o.name as reuser_organization',
        'c.name as key_name',
        'l.purpose',
        'l.via',
        sql<number>`count(*)::int`.as('downloads'),
        sql<string[]>`array_agg(distinct d.metadata->>'title')`.as('datasets'),
        sql<Date>`max(l.created_at)`.as('last_at'),
      ])
      .where('d.id', 'in', ownedDatasets(db, publisher))
      .where('l.created_at', '>=', since(days))
      .groupBy([
        'l.user_id',
        'u.pseudonym',
        'o.name',
        'l.credential_id',
        'c.name',
        'l.purpose',
        'l.via',
      ])
      .orderBy(sql`max(l.created_at)`, 'desc')
      .limit(500)
      .execute(),
  ]);
  return {
    days: perDay,
    total: perDay.reduce((s, d) => s + d.downloads, 0),
    datasets: datasets.map((d) => ({
      id: d.id,
      slug: d.slug,
      title: d.title ?? d.slug,
      downloads: Number(d.downloads ?? 0),
      traceableDownloads: Number(d.traceable ?? 0),
    })),
    reusers: reusers.map((r) => ({
      reuser: r.reuser,
      reuserOrganization: r.reuser_organization,
      keyName: r.key_name,
      purpose: r.purpose,
      via: r.via as 'session' | 'credential',
      downloads: r.downloads,
      datasets: r.datasets,
      lastAt: r.last_at,
    })),
  };
}

/** Every logged download of the organisation's traceable data in the period, newest first. */
export async function traceableDownloadLog(
  db: DB,
  publisher: Publisher,
  days: UsagePeriod,
): Promise<TraceableDownloadRow[]> {
  const rows = await db
    .selectFrom('traceable_download as l')
    .innerJoin('dataset as d', 'd.id', 'l.dataset_id')
    .innerJoin('dataset_version as v', 'v.id', 'l.dataset_version_id')
    .innerJoin('distribution as x', 'x.id', 'l.distribution_id')
    .leftJoin('users as u', 'u.id', 'l.user_id')
    .leftJoin('organization as o', 'o.id', 'l.reuser_organization_id')
    .leftJoin('credential as c', 'c.id', 'l.credential_id')
    .select([
      'l.created_at',
      sql<string>`d.metadata->>'title'`.as('title'),
      'd.slug',
      'v.number',
      'x.filename',
      sql<string>`coalesce(u.pseudonym, '—')`.as('reuser'),
      'o.name as reuser_organization',
      'c.name as key_name',
      'l.purpose',
      'l.via',
    ])
    .where('d.id', 'in', ownedDatasets(db, publisher))
    .where('l.created_at', '>=', since(days))
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(100_000)
    .execute();
  return rows.map((r) => ({
    at: r.created_at,
    dataset: r.title ?? r.slug,
    datasetSlug: r.slug,
    version: r.number,
    filename: r.filename,
    reuser: r.reuser,
    reuserOrganization: r.reuser_organization,
    keyName: r.key_name,
    purpose: r.purpose,
    via: r.via as 'session' | 'credential',
  }));
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  // Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",;\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};
export const toCsv = (header: string[], rows: unknown[][]) =>
  [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';

export function downloadLogCsv(rows: TraceableDownloadRow[]): string {
  return toCsv(
    [
      'date',
      'dataset',
      'dataset_slug',
      'version',
      'file',
      'reuser',
      'reuser_organisation',
      'key',
      'declared_purpose',
      'via',
    ],
    rows.map((r) => [
      r.at,
      r.dataset,
      r.datasetSlug,
      r.version,
      r.filename,
      r.reuser,
      r.reuserOrganization,
      r.keyName,
      r.purpose,
      r.via,
    ]),
  );
}

export function downloadsPerDayCsv(days: UsageDay[]): string {
  return toCsv(
    ['day', 'downloads'],
    days.map((d) => [d.day, d.downloads]),
  );
}

/** Retention of the download log (personal data: who downloaded what). */
export const DOWNLOAD_LOG_RETENTION_DAYS = 365;
