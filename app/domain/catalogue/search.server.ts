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

export async function searchDatasets(db: DB, s: SearchParams, opts: { labels: Labels; now?: Date }): Promise<SearchOutcome> {
  const labels = opts.labels;
  const [tsq, resolved] = await Promise.all([s.q ? toTsQuery(db, s.q) : Promise.resolve(null), resolveFacetKeys(db, s, labels)]);
  const { keys, ignored } = resolved;

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
  const total = c.total;
  const orgIds = facetRows.rows.filter((r) => r.k.startsWith('org:')).map((r) => r.k.slice(4));
  const orgs = orgIds.length ? await db.selectFrom('organization').select(['id', 'slug', 'name']).where('id', 'in', orgIds).execute() : [];
  const orgById = new Map(orgs.map((o) => [o.id, o]));

  const facets = Object.fromEntries(FACETS.map((f) => [f, [] as FacetValue[]])) as Record<Facet, FacetValue[]>;
  for (const r of facetRows.rows) {
    const i = r.k.indexOf(':');
    const prefix = r.k.slice(0, i) as Facet;
    const raw = r.k.slice(i + 1);
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
    facets[prefix].push({ value, label, count: r.n, selected: s[prefix].includes(value) });
  }
  for (const f of FACETS) {
    facets[f].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'fr'));
    // The selected values stay visible even when the list is cut.
    const top = facets[f].slice(0, 15);
    facets[f] = [...top, ...facets[f].slice(15).filter((v) => v.selected)];
  }

  return {
    total,
    page: s.page,
    pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    items: rows.rows.map((r) => toItem(r, opts.now)),
    facets,
    since: [
      { value: '7j', count: c.d7, selected: s.depuis === '7j' },
      { value: '30j', count: c.d30, selected: s.depuis === '30j' },
      { value: '1an', count: c.d365, selected: s.depuis === '1an' },
    ],
    ignored,
  };
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
