// Catalogue search: French full text (accents ignored, stems, prefix matching as you type),
// weighted title > keywords > description, facet filters on one GIN-indexed array of keys,
// facet counts, sorts and pagination. Retracted datasets are never listed (`listed` is
// false); archived ones only when asked for.
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { DB } from '#db/client';
import { qualityOf } from './quality';
import type { Facet, SearchParams, Since } from './search-params';
import { FACETS, PAGE_SIZE, PUBLISHER_KINDS } from './search-params';

const SINCE_DAYS: Record<Since, number> = { '7j': 7, '30j': 30, '1an': 365 };
const MAX_TERMS = 8;

/**
 * The user's words as a tsquery text (or null when nothing searchable is left): only
 * letters and digits reach PostgreSQL, each word becomes a prefix query through the same
 * configuration as the documents, so no input can be a tsquery syntax error.
 */
export async function toTsQuery(db: DB, q: string): Promise<string | null> {
  const words = (q.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS).map((w) => w.slice(0, 60));
  if (!words.length) return null;
  const parts = words.map((w) => sql`coalesce(to_tsquery('french_unaccent', ${w} || ':*'), ''::tsquery)`);
  const row = await sql<{ q: string }>`select (${sql.join(parts, sql` && `)})::text as q`.execute(db);
  const text = row.rows[0]?.q ?? '';
  return text.trim() ? text : null;
}

export interface SearchResultItem {
  id: string;
  slug: string;
  title: string;
  excerpt: string;
  publisher: { name: string; slug: string } | null;
  licence: string | null;
  formats: string[];
  updatedAt: Date;
  downloads: number;
  archived: boolean;
  quality: number;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
  selected: boolean;
}

export interface SearchOutcome {
  total: number;
  /**
   * True when the words match more datasets than are counted one by one: the total, facet
   * and date counts are then estimated from a sample of the matches (docs/decisions/014).
   * The results themselves are always exact and ranked over every match.
   */
  approximate: boolean;
  page: number;
  pageCount: number;
  items: SearchResultItem[];
  facets: Record<Facet, FacetValue[]>;
  since: { value: Since; count: number; selected: boolean }[];
  /** Facet values in the URL that do not exist: ignored, and said so. */
  ignored: { facet: Facet; value: string }[];
}

export interface Labels {
  themes: Map<string, string>;
  communes: Map<string, string>;
  licences: Map<string, string>;
}

export async function loadLabels(db: DB, lng: string): Promise<Labels> {
  const [themes, communes, licences] = await Promise.all([
    db.selectFrom('theme').select(['code', lng === 'en' ? 'label_en as label' : 'label_fr as label']).orderBy('position').execute(),
    db.selectFrom('territory').select(['code', 'name']).execute(),
    db.selectFrom('licence').select(['id', 'name']).orderBy('position').execute(),
  ]);
  return {
    themes: new Map(themes.map((t) => [t.code, t.label])),
    communes: new Map(communes.map((c) => [c.code, c.name])),
    licences: new Map(licences.map((l) => [l.id, l.name])),
  };
}

/** Facet values from the URL as keys of the `facets` column; unknown values are set aside. */
async function resolveFacetKeys(db: DB, s: SearchParams, labels: Labels) {
  const keys: string[] = [];
  const ignored: SearchOutcome['ignored'] = [];
  const orgSlugs = s.org;
  const orgs = orgSlugs.length
    ? await db.selectFrom('organization').select(['id', 'slug']).where('slug', 'in', orgSlugs).execute()
    : [];
  const orgBySlug = new Map(orgs.map((o) => [o.slug, o.id]));
  for (const facet of FACETS) {
    for (const value of s[facet]) {
      let key: string | null = null;
      if (facet === 'theme' && labels.themes.has(value)) key = `theme:${value}`;
      else if (facet === 'commune' && labels.communes.has(value)) key = `commune:${value}`;
      else if (facet === 'licence' && labels.licences.has(value)) key = `licence:${value}`;
      else if (facet === 'org' && orgBySlug.has(value)) key = `org:${orgBySlug.get(value)}`;
      else if (facet === 'kind' && (PUBLISHER_KINDS as readonly string[]).includes(value)) key = `kind:${value}`;
      else if (facet === 'format' && /^[a-z0-9]{1,10}$/.test(value)) key = `format:${value}`;
      if (key) keys.push(key);
      else ignored.push({ facet, value });
    }
  }
  return { keys: [...new Set(keys)], ignored };
}

/**
 * Runs a counting statement without parallel workers: for a few thousand rows, starting
 * workers and merging their partial aggregates costs more than it saves (bench:search, one broad word: p95 480 -> 176 ms on the shared machine).
 */
async function serial<R>(db: DB, query: RawBuilder<R>) {
  return db.transaction().execute(async (trx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return query.execute(trx);
  });
}

/**
 * Runs the ranking of a search with words with random page reads costed as the cached
 * reads they are (the narrow search table is small and read at every search): with the
 * default cost (4) the planner scans the whole table for a word matching a tenth of it,
 * where reading only the matching rows through the GIN index ranks them 2.5 times faster
 * (interleaved runs on 100 000 datasets, docs/benchmarks.md); a word matching half the
 * table still gets a sequential scan.
 */
async function cachedReads<R>(db: DB, query: RawBuilder<R>) {
  return db.transaction().execute(async (trx) => {
    await sql`set local random_page_cost = 1.1`.execute(trx);
    return query.execute(trx);
  });
}

export interface CountingLimits {
  /** Above this many estimated matches, counts come from a sample of the matching rows. */
  exactLimit: number;
  /** About how many matching rows the sample holds. */
  sampleTarget: number;
  /** A sample that found fewer matches than this (a wrong estimate) gives way to an exact count. */
  minSample: number;
  /**
   * Sample only when the sample reads fewer rows than the matches an exact pass reads
   * (a selective query over a large table is cheaper counted exactly). Tests turn it off.
   */
  onlyWhenCheaper: boolean;
}

export const COUNTING: CountingLimits = { exactLimit: 2000, sampleTarget: 800, minSample: 200, onlyWhenCheaper: true };

export async function searchDatasets(
  db: DB,
  s: SearchParams,
  opts: { labels: Labels; now?: Date; counting?: CountingLimits },
): Promise<SearchOutcome> {
  const labels = opts.labels;
  const [tsq, resolved] = await Promise.all([s.q ? toTsQuery(db, s.q) : Promise.resolve(null), resolveFacetKeys(db, s, labels)]);
  const { keys, ignored } = resolved;
  if (tsq) return searchWords(db, s, { tsq, keys, ignored, labels, now: opts.now, counting: opts.counting ?? COUNTING });

  const conditions: RawBuilder<unknown>[] = [sql`d.listed`];
  if (!s.archives) conditions.push(sql`d.archived_at is null`);
  if (keys.length) conditions.push(sql`d.facets @> ${sql.val(keys)}::text[]`);
  if (tsq) conditions.push(sql`d.search_document @@ ${tsq}::tsquery`);
  const base = sql.join(conditions, sql` and `);
  const sinceCond = s.depuis ? sql` and d.updated_at >= now() - make_interval(days => ${SINCE_DAYS[s.depuis]})` : sql``;
  const where = sql`${base}${sinceCond}`;

  const sort = s.tri ?? 'relevance';
  const order =
    sort === 'downloads'
      ? sql`d.download_count desc, d.updated_at desc, d.id`
      : sort === 'updated' || !tsq
        ? sql`d.updated_at desc, d.id`
        : sql`ts_rank(d.search_document, ${tsq}::tsquery) desc, d.updated_at desc, d.id`;
  const offset = (s.page - 1) * PAGE_SIZE;

  // With no words and no filter, the counts come from the table the triggers keep (the
  // whole catalogue would otherwise be counted at each request).
  const unfiltered = !tsq && keys.length === 0;
  const column = sql.ref(s.archives ? 'total' : 'active');
  // Words or filters without a date: one pass over the matching rows gives the facet counts,
  // the total ('*') and the date counts ('~7j', '~30j', '~1an') at once.
  const onePass = !unfiltered && !s.depuis;
  const [rows, facetRows, counts] = await Promise.all([
    sql<{
      id: string;
      slug: string;
      metadata: Record<string, unknown>;
      updated_at: Date;
      download_count: number;
      archived_at: Date | null;
      facets: string[];
      org_name: string | null;
      org_slug: string | null;
    }>`select d.id, d.slug, d.metadata, d.updated_at, d.download_count, d.archived_at, d.facets, o.name as org_name, o.slug as org_slug
       from dataset d left join organization o on o.id = d.organization_id
       where ${where} order by ${order} limit ${PAGE_SIZE} offset ${offset}`.execute(db),
    unfiltered && !s.depuis
      ? sql<{ k: string; n: number }>`select key as k, ${column} as n from catalogue_facet_count where key <> '*' and ${column} > 0`.execute(db)
      : onePass
        ? serial(db, sql<{ k: string; n: number }>`select k, count(*)::int as n from dataset d,
            unnest(array['*',
              case when d.updated_at >= now() - interval '7 days' then '~7j' end,
              case when d.updated_at >= now() - interval '30 days' then '~30j' end,
              case when d.updated_at >= now() - interval '365 days' then '~1an' end] || d.facets) k
            where ${where} and k is not null group by k`)
        : sql<{ k: string; n: number }>`select k, count(*)::int as n from dataset d, unnest(d.facets) k where ${where} group by k`.execute(db),
    onePass
      ? Promise.resolve({ rows: [] as { total: number; d7: number; d30: number; d365: number }[] })
      : unfiltered
      ? sql<{ total: number; d7: number; d30: number; d365: number }>`select
          ${s.depuis ? sql`(select count(*) from dataset d where ${where})::int` : sql`coalesce((select ${column} from catalogue_facet_count where key = '*'), 0)`} as total,
          (select count(*) from dataset d where ${base} and d.updated_at >= now() - interval '7 days')::int as d7,
          (select count(*) from dataset d where ${base} and d.updated_at >= now() - interval '30 days')::int as d30,
          (select count(*) from dataset d where ${base} and d.updated_at >= now() - interval '365 days')::int as d365`.execute(db)
      : sql<{ total: number; d7: number; d30: number; d365: number }>`select
          count(*) filter (where true ${sinceCond})::int as total,
          count(*) filter (where d.updated_at >= now() - interval '7 days')::int as d7,
          count(*) filter (where d.updated_at >= now() - interval '30 days')::int as d30,
          count(*) filter (where d.updated_at >= now() - interval '365 days')::int as d365
        from dataset d where ${base}`.execute(db),
  ]);

  const passCount = (k: string) => facetRows.rows.find((r) => r.k === k)?.n ?? 0;
  const c = onePass
    ? { total: passCount('*'), d7: passCount('~7j'), d30: passCount('~30j'), d365: passCount('~1an') }
    : (counts.rows[0] ?? { total: 0, d7: 0, d30: 0, d365: 0 });
  return outcome(db, s, { rows: rows.rows, facetRows: facetRows.rows, counts: c, approximate: false, ignored, labels, now: opts.now });
}

type ResultRow = {
  id: string;
  slug: string;
  metadata: Record<string, unknown>;
  updated_at: Date;
  download_count: number;
  archived_at: Date | null;
  facets: string[];
  org_name: string | null;
  org_slug: string | null;
};

/** Builds what the page shows from the result rows and the counts of facet keys. */
async function outcome(
  db: DB,
  s: SearchParams,
  r: {
    rows: ResultRow[];
    facetRows: { k: string; n: number }[];
    counts: { total: number; d7: number; d30: number; d365: number };
    approximate: boolean;
    ignored: SearchOutcome['ignored'];
    labels: Labels;
    now?: Date;
  },
): Promise<SearchOutcome> {
  const { labels, facetRows, counts: c } = r;
  const total = c.total;
  const orgIds = facetRows.filter((x) => x.k.startsWith('org:')).map((x) => x.k.slice(4));
  const orgs = orgIds.length ? await db.selectFrom('organization').select(['id', 'slug', 'name']).where('id', 'in', orgIds).execute() : [];
  const orgById = new Map(orgs.map((o) => [o.id, o]));

  const facets = Object.fromEntries(FACETS.map((f) => [f, [] as FacetValue[]])) as Record<Facet, FacetValue[]>;
  for (const row of facetRows) {
    const i = row.k.indexOf(':');
    const prefix = row.k.slice(0, i) as Facet;
    const raw = row.k.slice(i + 1);
    if (!(prefix in facets)) continue;
    let value = raw;
    let label = raw;
    if (prefix === 'theme') label = labels.themes.get(raw) ?? raw;
    else if (prefix === 'commune') label = labels.communes.get(raw) ?? raw;
    else if (prefix === 'licence') label = labels.licences.get(raw) ?? raw;
    else if (prefix === 'org') {
      const o = orgById.get(raw);
      if (!o) continue;
      value = o.slug;
      label = o.name;
    } else if (prefix === 'format') label = raw.toUpperCase();
    facets[prefix].push({ value, label, count: row.n, selected: s[prefix].includes(value) });
  }
  for (const f of FACETS) {
    facets[f].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'fr'));
    // The selected values stay visible even when the list is cut.
    const top = facets[f].slice(0, 15);
    facets[f] = [...top, ...facets[f].slice(15).filter((v) => v.selected)];
  }

  return {
    total,
    approximate: r.approximate,
    page: s.page,
    pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    items: r.rows.map((row) => toItem(row, r.now)),
    facets,
    since: [
      { value: '7j', count: c.d7, selected: s.depuis === '7j' },
      { value: '30j', count: c.d30, selected: s.depuis === '30j' },
      { value: '1an', count: c.d365, selected: s.depuis === '1an' },
    ],
    ignored: r.ignored,
  };
}

// Pseudo facet ids of the counting pass (dictionary ids are positive).
const ALL = -1;
const D7 = -2;
const D30 = -3;
const D365 = -4;
const IN_SINCE = -5;

/** Rounds an estimated count to two significant digits (at least 1). */
export function roundEstimate(n: number): number {
  if (n <= 0) return 0;
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.max(1, Math.round(n / magnitude) * magnitude);
}

/**
 * Search with words, on the narrow `dataset_search` table (document, integer facet keys,
 * sort keys): the page of results ranked over every match, and one pass that counts facet
 * keys, the total and the date windows, over every match when they are few, over a
 * page sample (TABLESAMPLE SYSTEM, repeatable for the same search) when they are many.
 */
async function searchWords(
  db: DB,
  s: SearchParams,
  o: { tsq: string; keys: string[]; ignored: SearchOutcome['ignored']; labels: Labels; now?: Date; counting: CountingLimits },
): Promise<SearchOutcome> {
  const { tsq, keys } = o;
  let ids: number[] = [];
  if (keys.length) {
    const found = await db.selectFrom('catalogue_facet_key').select('id').where('key', 'in', keys).execute();
    // A key no listed dataset ever had matches nothing.
    if (found.length < keys.length) {
      const none = { total: 0, d7: 0, d30: 0, d365: 0 };
      return outcome(db, s, { rows: [], facetRows: [], counts: none, approximate: false, ignored: o.ignored, labels: o.labels, now: o.now });
    }
    ids = found.map((f) => f.id);
  }
  const conditions: RawBuilder<unknown>[] = [sql`s.document @@ ${tsq}::tsquery`];
  if (!s.archives) conditions.push(sql`not s.archived`);
  if (ids.length) conditions.push(sql`s.keys @> ${sql.val(ids)}::int[]`);
  const base = sql.join(conditions, sql` and `);
  const sinceCond = s.depuis ? sql`s.updated_at >= now() - make_interval(days => ${SINCE_DAYS[s.depuis]})` : sql`true`;
  const where = sql`${base} and ${sinceCond}`;

  const sort = s.tri ?? 'relevance';
  const rank = sql`ts_rank(s.document, ${tsq}::tsquery)`;
  const [inner, outer] =
    sort === 'downloads'
      ? [sql`s.download_count desc, s.updated_at desc, s.dataset_id`, sql`t.download_count desc, t.updated_at desc, t.dataset_id`]
      : sort === 'updated'
        ? [sql`s.updated_at desc, s.dataset_id`, sql`t.updated_at desc, t.dataset_id`]
        : [sql`${rank} desc, s.updated_at desc, s.dataset_id`, sql`t.rank desc, t.updated_at desc, t.dataset_id`];
  const offset = (s.page - 1) * PAGE_SIZE;

  // With filters the matches are usually few: plain statements (no transaction to set the
  // planner's costs, fewer round trips); a broad word alone gets the settings above.
  const filtered = ids.length > 0;
  const run = <R,>(q: RawBuilder<R>, setting: typeof serial) => (filtered ? q.execute(db) : setting(db, q));
  const results = run(sql<ResultRow>`with t as (
      select s.dataset_id, s.updated_at, s.download_count, ${sort === 'relevance' ? rank : sql`0`} as rank
      from dataset_search s where ${where} order by ${inner} limit ${PAGE_SIZE} offset ${offset})
    select d.id, d.slug, d.metadata, d.updated_at, d.download_count, d.archived_at, d.facets, o.name as org_name, o.slug as org_slug
    from t join dataset d on d.id = t.dataset_id left join organization o on o.id = d.organization_id
    order by ${outer}`, cachedReads);

  // The sampled pass reads many rows: always without parallel workers (see `serial`).
  const pass = (from: RawBuilder<unknown>, sampled = false) => {
    const q = sql<{ k: string; n: number }>`select coalesce(f.key, c.k::text) as k, c.n from (
        select k, count(*)::int as n from ${from}, unnest(array[${ALL},
            case when s.updated_at >= now() - interval '7 days' then ${D7} end,
            case when s.updated_at >= now() - interval '30 days' then ${D30} end,
            case when s.updated_at >= now() - interval '365 days' then ${D365} end,
            case when ${sinceCond} then ${IN_SINCE} end]::int[] || case when ${sinceCond} then s.keys else '{}'::int[] end) k
          where ${base} and k is not null group by k) c
        left join catalogue_facet_key f on f.id = c.k`;
    return (sampled ? serial(db, q) : run(q, serial)).then((r) => r.rows);
  };

  const counting = (async () => {
    const [plan, size] = await Promise.all([
      sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`explain (format json) select 1 from dataset_search s where ${base}`.execute(db),
      sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'dataset_search'::regclass`.execute(db),
    ]);
    const estimate = plan.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
    const { exactLimit, sampleTarget, minSample, onlyWhenCheaper } = o.counting;
    const percent = Math.min(100, Math.max(0.1, (100 * sampleTarget) / Math.max(estimate, 1)));
    // The sample scans percent % of all rows, page after page; the exact pass fetches each
    // match from its own page, about twice the cost of a row read in sequence.
    const sampledRows = (percent / 100) * (size.rows[0]?.n ?? 0);
    if (estimate > exactLimit && (!onlyWhenCheaper || sampledRows < 2 * estimate)) {
      const seed = [...`${tsq}|${ids.join(',')}|${s.archives}`].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7);
      const sampled = await pass(sql`dataset_search s tablesample system (${sql.lit(Number(percent.toFixed(3)))}) repeatable (${sql.lit(seed)})`, true);
      const found = sampled.find((r) => r.k === String(ALL))?.n ?? 0;
      if (found >= minSample) {
        const scale = 100 / Number(percent.toFixed(3));
        return { rows: sampled.map((r) => ({ k: r.k, n: roundEstimate(r.n * scale) })), approximate: true };
      }
    }
    return { rows: await pass(sql`dataset_search s`), approximate: false };
  })();

  const [rows, counted] = await Promise.all([results, counting]);
  const n = (k: number) => counted.rows.find((r) => r.k === String(k))?.n ?? 0;
  return outcome(db, s, {
    rows: rows.rows,
    facetRows: counted.rows.filter((r) => !r.k.startsWith('-')),
    counts: { total: n(s.depuis ? IN_SINCE : ALL), d7: n(D7), d30: n(D30), d365: n(D365) },
    approximate: counted.approximate,
    ignored: o.ignored,
    labels: o.labels,
    now: o.now,
  });
}

function excerptOf(markdown: string, max = 220): string {
  const plain = markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`~|-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1).trimEnd()}…` : plain;
}

function toItem(
  r: {
    id: string;
    slug: string;
    metadata: Record<string, unknown>;
    updated_at: Date;
    download_count: number;
    archived_at: Date | null;
    facets: string[];
    org_name: string | null;
    org_slug: string | null;
  },
  now?: Date,
): SearchResultItem {
  const formats = r.facets.filter((k) => k.startsWith('format:')).map((k) => k.slice(7));
  const m = r.metadata;
  return {
    id: r.id,
    slug: r.slug,
    title: String(m.title ?? r.slug),
    excerpt: excerptOf(String(m.description ?? '')),
    publisher: r.org_name && r.org_slug ? { name: r.org_name, slug: r.org_slug } : null,
    licence: typeof m.licence === 'string' ? m.licence : null,
    formats,
    updatedAt: r.updated_at,
    downloads: Number(r.download_count),
    archived: r.archived_at !== null,
    quality: qualityOf({ metadata: m, formats, fileCount: formats.length, lastUpdate: r.updated_at, now }).score,
  };
}
