// The public map of published observations at scale: clusters aggregated in SQL below
// POINT_ZOOM (from the precomputed per-zoom cell counts: observation_cell_all without
// filters, observation_cell with category or commune, observation_cell_month for date
// ranges, observation_cell_day_all for the days of partial months at coarse zooms), points above
// it, never more than MAX_FEATURES features per answer; the list view (newest in the box);
// one observation as the public sees it. No PostGIS: see docs/decisions/010-observation-clusters.md.
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { DB } from '#db/client';
import {
  CELL_MAX_ZOOM,
  CELL_MIN_ZOOM,
  DAY_MAX_ZOOM,
  LIST_LIMIT,
  MAX_FEATURES,
  POINT_ZOOM,
  cellRange,
  cellRangeBounds,
  clusterZoom,
  mapQuerySchema,
} from './map.schema';
import type { Bbox, MapQuery, MapRefs } from './map.schema';

let refsCache: { at: number; refs: MapRefs } | null = null;

/** Category and commune codes the filters accept (cached for 30 s: admins rarely change them). */
export async function loadMapRefs(db: DB, fresh = false): Promise<MapRefs> {
  if (!fresh && refsCache && Date.now() - refsCache.at < 30_000) return refsCache.refs;
  const [cats, communes] = await Promise.all([
    db.selectFrom('observation_category').select('code').execute(),
    db.selectFrom('territory').select('code').where('kind', '=', 'commune').execute(),
  ]);
  const refs = { categories: cats.map((c) => c.code), communes: communes.map((c) => c.code) };
  refsCache = { at: Date.now(), refs };
  return refs;
}

export async function parseMapQuery(db: DB, params: Record<string, unknown>) {
  let refs = await loadMapRefs(db);
  let parsed = mapQuerySchema(refs).safeParse(params);
  if (!parsed.success && parsed.error.issues.some((i) => i.path[0] === 'category' || i.path[0] === 'commune')) {
    // A category added a moment ago must not be refused because of the cache.
    refs = await loadMapRefs(db, true);
    parsed = mapQuerySchema(refs).safeParse(params);
  }
  return parsed;
}

export interface ClusterFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: { kind: 'cluster'; count: number; bounds: Bbox };
}

export interface PointFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: { kind: 'observation'; id: string; category: string; communeCode: string; resolved: boolean; observedAt: string };
}

export interface MapAnswer {
  type: 'FeatureCollection';
  mode: 'clusters' | 'points';
  zoom: number;
  /** Clusters: the grid zoom used, and the cell-aligned box the counts cover (it contains the requested box). */
  grid: { zoom: number; coverage: Bbox } | null;
  /** Observations counted in the answer (the sum of cluster counts, or the number of points). */
  total: number;
  features: (ClusterFeature | PointFeature)[];
}

// ---- dates: whole months come from the cell counts, the days around them from the rows ----

const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const monthOf = (d: string) => `${d.slice(0, 7)}-01`;
const nextMonth = (d: string) => {
  const [y, m] = d.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
};

interface DatePlan {
  /** Months [start, end) served from observation_cell (null bound = open). */
  months: { start: string | null; end: string | null } | null;
  /** Day ranges [from, to) (Paris days) served from the day counts or the observation rows. */
  edges: { from: string | null; to: string | null }[];
}

export function planDates(from?: string, to?: string): DatePlan {
  if (!from && !to) return { months: { start: null, end: null }, edges: [] };
  const end = to ? addDays(to, 1) : null; // exclusive
  const mStart = from ? (from.endsWith('-01') ? from : nextMonth(from)) : null;
  const mEnd = end ? monthOf(end) : null;
  if (mStart && mEnd && mStart >= mEnd) return { months: null, edges: [{ from: from ?? null, to: end }] };
  const edges: DatePlan['edges'] = [];
  if (from && mStart && from < mStart) edges.push({ from, to: mStart });
  if (end && mEnd && mEnd < end) edges.push({ from: mEnd, to: end });
  return { months: { start: mStart, end: mEnd }, edges };
}

const parisDay = (d: string) => sql`(${d}::date::timestamp at time zone 'Europe/Paris')`;

function rowFilters(q: MapQuery, alias = 'o'): RawBuilder<unknown>[] {
  const a = sql.raw(alias);
  const f: RawBuilder<unknown>[] = [sql`${a}.listed`];
  if (q.category.length) f.push(sql`${a}.category in (${sql.join(q.category)})`);
  if (q.commune.length) f.push(sql`${a}.commune_code in (${sql.join(q.commune)})`);
  if (q.status === 'open') f.push(sql`${a}.resolved_at is null`);
  if (q.status === 'resolved') f.push(sql`${a}.resolved_at is not null`);
  return f;
}

const boxOf = (b: Bbox) => sql`box(point(${b[0]}::float8, ${b[1]}::float8), point(${b[2]}::float8, ${b[3]}::float8))`;

function dayRange(r: { from: string | null; to: string | null }, alias = 'o'): RawBuilder<unknown> {
  const a = sql.raw(alias);
  const parts: RawBuilder<unknown>[] = [];
  if (r.from) parts.push(sql`${a}.observed_at >= ${parisDay(r.from)}`);
  if (r.to) parts.push(sql`${a}.observed_at < ${parisDay(r.to)}`);
  return parts.length ? sql`(${sql.join(parts, sql` and `)})` : sql`true`;
}

/** Rows per cluster cell: sums, so that parts from several sources add up. */
interface CellSum {
  gx: number;
  gy: number;
  n: number;
  sum_lon: number;
  sum_lat: number;
}

async function clusters(db: DB, q: MapQuery, ze: number, opts: MapOptions): Promise<MapAnswer> {
  const g = cellRange(q.bbox, ze);
  const coverage = cellRangeBounds(g.x0, g.y0, g.x1, g.y1, ze);
  // Precomputed levels serve zooms up to CELL_MAX_ZOOM (coarser zooms: level 8 shifted).
  const fromCells = ze <= CELL_MAX_ZOOM;
  const level = fromCells ? Math.max(ze, CELL_MIN_ZOOM) : ze;
  const shift = level - ze;
  const lx0 = g.x0 << shift;
  const lx1 = ((g.x1 + 1) << shift) - 1;
  const ly0 = g.y0 << shift;
  const ly1 = ((g.y1 + 1) << shift) - 1;
  const plan = fromCells ? planDates(q.from, q.to) : { months: null, edges: [{ from: q.from ?? null, to: q.to ? addDays(q.to, 1) : null }] };
  const parts: RawBuilder<CellSum>[] = [];
  const detailed = q.category.length > 0 || q.commune.length > 0;

  if (plan.months) {
    const f: RawBuilder<unknown>[] = [sql`zoom = ${level}`, sql`cx between ${lx0} and ${lx1}`, sql`cy between ${ly0} and ${ly1}`];
    if (q.category.length) f.push(sql`category in (${sql.join(q.category)})`);
    if (q.commune.length) f.push(sql`commune_code in (${sql.join(q.commune)})`);
    if (q.status === 'open') f.push(sql`not resolved`);
    if (q.status === 'resolved') f.push(sql`resolved`);
    if (plan.months.start) f.push(sql`month >= ${plan.months.start}::date`);
    if (plan.months.end) f.push(sql`month < ${plan.months.end}::date`);
    // Without dates, the counts without the month (a few rows per cell); with, per month.
    const byMonth = Boolean(plan.months.start || plan.months.end);
    const table = byMonth ? (detailed ? 'observation_cell_month' : 'observation_cell_month_all') : detailed ? 'observation_cell' : 'observation_cell_all';
    parts.push(sql<CellSum>`select cx >> ${shift} as gx, cy >> ${shift} as gy, n, sum_lon, sum_lat
      from ${sql.raw(table)} where ${sql.join(f, sql` and `)}`);
  }
  if (plan.edges.length && fromCells && level <= DAY_MAX_ZOOM && !detailed && opts.dayCounts !== false) {
    // The days of partial months at coarse zooms: the day counts (one index range per edge).
    for (const r of plan.edges) {
      const f: RawBuilder<unknown>[] = [sql`zoom = ${level}`, sql`cx between ${lx0} and ${lx1}`, sql`cy between ${ly0} and ${ly1}`];
      if (r.from) f.push(sql`day >= ${r.from}::date`);
      if (r.to) f.push(sql`day < ${r.to}::date`);
      if (q.status === 'open') f.push(sql`not resolved`);
      if (q.status === 'resolved') f.push(sql`resolved`);
      parts.push(sql<CellSum>`select cx >> ${shift} as gx, cy >> ${shift} as gy, n, sum_lon, sum_lat
        from observation_cell_day_all where ${sql.join(f, sql` and `)}`);
    }
  } else if (plan.edges.length) {
    // The rows of partial months (with category or commune, or at fine zooms), placed in the same cells as the counts.
    const [w, s, e, n] = coverage;
    const pad = 1e-9;
    const f = rowFilters(q);
    // With days to add, the covering index on observed_at reads just those days (the point
    // index would read the whole view); without (fine zooms), the point index.
    if (q.from || q.to) f.push(sql`o.lon between ${w - pad} and ${e + pad} and o.lat between ${s - pad} and ${n + pad}`);
    else f.push(sql`point(o.lon, o.lat) <@ ${boxOf([w - pad, s - pad, e + pad, n + pad])}`);
    f.push(sql`obs_cell_x(o.lon, ${level}) between ${lx0} and ${lx1}`);
    f.push(sql`obs_cell_y(o.lat, ${level}) between ${ly0} and ${ly1}`);
    // One range scan per edge (an OR of ranges would defeat the index-only scan).
    for (const r of plan.edges) {
      parts.push(sql<CellSum>`select obs_cell_x(o.lon, ${level}) >> ${shift} as gx, obs_cell_y(o.lat, ${level}) >> ${shift} as gy,
        1 as n, o.lon as sum_lon, o.lat as sum_lat
        from observation o where ${sql.join([...f, dayRange(r)], sql` and `)}`);
    }
  }
  const query = sql<CellSum>`select gx, gy, sum(n)::int as n, sum(sum_lon) as sum_lon, sum(sum_lat) as sum_lat
      from (${sql.join(parts, sql` union all `)}) p
      group by gx, gy having sum(n) > 0
      order by gx, gy
      limit ${MAX_FEATURES}`;
  // Without parallel workers: these reads take a few milliseconds, and starting workers on
  // a busy 2-CPU machine cost more than they saved (measured: docs/benchmarks.md, map, run 7).
  const rows = db.isTransaction
    ? (await query.execute(db)).rows
    : await db.transaction().execute(async (trx) => {
        await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
        return (await query.execute(trx)).rows;
      });
  let total = 0;
  const features: ClusterFeature[] = rows.map((r) => {
    const count = Number(r.n);
    total += count;
    return {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [round(r.sum_lon / count), round(r.sum_lat / count)] },
      properties: { kind: 'cluster', count, bounds: cellRangeBounds(r.gx, r.gy, r.gx, r.gy, ze).map(round) as Bbox },
    };
  });
  return { type: 'FeatureCollection', mode: 'clusters', zoom: q.zoom, grid: { zoom: ze, coverage: coverage.map(round) as Bbox }, total, features };
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

interface PointRow {
  id: string;
  lon: number;
  lat: number;
  category: string;
  commune_code: string;
  resolved: boolean;
  observed_at: Date;
}

function pointsQuery(q: MapQuery, limit: number, newestFirst: boolean) {
  const f = rowFilters(q);
  f.push(sql`point(o.lon, o.lat) <@ ${boxOf(q.bbox)}`);
  if (q.from || q.to) f.push(dayRange({ from: q.from ?? null, to: q.to ? addDays(q.to, 1) : null }));
  return sql<PointRow>`select o.id, o.lon, o.lat, o.category, o.commune_code, o.resolved_at is not null as resolved, o.observed_at
    from observation o where ${sql.join(f, sql` and `)}
    ${newestFirst ? sql`order by o.observed_at desc, o.id` : sql``}
    limit ${limit}`;
}

const pointFeature = (r: PointRow): PointFeature => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
  properties: {
    kind: 'observation',
    id: r.id,
    category: r.category,
    communeCode: r.commune_code,
    resolved: r.resolved,
    observedAt: new Date(r.observed_at).toISOString(),
  },
});

export interface MapOptions {
  /** false: read the days of partial months from the rows even at coarse zooms (the benchmark's comparison). */
  dayCounts?: boolean;
}

/**
 * The map's answer for a box and zoom: clusters below POINT_ZOOM; at or above it the points
 * when at most MAX_FEATURES are in the box, else clusters on the fine grid.
 */
export async function observationsInBox(db: DB, q: MapQuery, opts: MapOptions = {}): Promise<MapAnswer> {
  const ze = clusterZoom(q.bbox, q.zoom);
  if (q.zoom >= POINT_ZOOM && ze === q.zoom) {
    const rows = (await pointsQuery(q, MAX_FEATURES + 1, false).execute(db)).rows;
    if (rows.length <= MAX_FEATURES) {
      return { type: 'FeatureCollection', mode: 'points', zoom: q.zoom, grid: null, total: rows.length, features: rows.map(pointFeature) };
    }
  }
  return clusters(db, q, ze, opts);
}

/** The list view: the newest observations in the box (at most LIST_LIMIT), with the same filters. */
export async function newestInBox(db: DB, q: MapQuery): Promise<PointFeature[]> {
  return (await pointsQuery(q, LIST_LIMIT, true).execute(db)).rows.map(pointFeature);
}

export interface PublicObservation {
  id: string;
  url: string;
  lon: number;
  lat: number;
  category: string;
  categoryLabel: string;
  description: string;
  observedAt: string;
  publishedAt: string | null;
  communeCode: string;
  communeName: string;
  confirmations: number;
  grade: string;
  status: 'open' | 'resolved';
  resolvedAt: string | null;
  author: string;
  photoUrl: string | null;
}

export type PublicObservationResult = { found: 'published'; observation: PublicObservation } | { found: 'retracted'; retractedAt: string | null } | null;

/** One observation as anyone may see it: published (or a retraction notice), else null. */
export async function getPublicObservation(db: DB, id: string, lng = 'fr'): Promise<PublicObservationResult> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const r = await db
    .selectFrom('observation as o')
    .innerJoin('contribution as c', 'c.id', 'o.id')
    .innerJoin('users as u', 'u.id', 'c.submitter_id')
    .innerJoin('observation_category as k', 'k.code', 'o.category')
    .leftJoin('territory as t', 't.code', 'o.commune_code')
    .select([
      'o.id',
      'c.state',
      'c.updated_at',
      'o.lon',
      'o.lat',
      'o.category',
      lng === 'en' ? 'k.label_en as category_label' : 'k.label_fr as category_label',
      'o.description',
      'o.observed_at',
      'o.published_at',
      'o.commune_code',
      't.name as commune_name',
      'o.grade',
      'o.resolved_at',
      'o.photo_key',
      'u.pseudonym',
      (eb) => eb.selectFrom('confirmation as f').select((e) => e.fn.countAll<number>().as('n')).whereRef('f.observation_id', '=', 'o.id').as('confirmations'),
    ])
    .where('o.id', '=', id)
    .executeTakeFirst();
  if (!r) return null;
  if (r.state === 'retracted') return { found: 'retracted', retractedAt: r.updated_at ? new Date(r.updated_at).toISOString() : null };
  if (r.state !== 'published') return null;
  return {
    found: 'published',
    observation: {
      id: r.id,
      url: `/observations/${r.id}`,
      lon: r.lon,
      lat: r.lat,
      category: r.category,
      categoryLabel: r.category_label,
      description: r.description,
      observedAt: new Date(r.observed_at).toISOString(),
      publishedAt: r.published_at ? new Date(r.published_at).toISOString() : null,
      communeCode: r.commune_code,
      communeName: r.commune_name ?? r.commune_code,
      confirmations: Number(r.confirmations ?? 0),
      grade: r.grade,
      status: r.resolved_at ? 'resolved' : 'open',
      resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
      author: r.pseudonym,
      photoUrl: r.photo_key ? `/observations/${r.id}/photo` : null,
    },
  };
}

/** Rebuilds every cell count from the observations (after bulk loads; the triggers keep it current otherwise). */
export async function rebuildObservationCells(db: DB): Promise<void> {
  await sql`select rebuild_observation_cells()`.execute(db);
}
