// A CKAN-compatible read API (/api/3/action/*): the actions harvesters call, with CKAN's
// envelope and shapes (CKAN 2.10's package_dictize / group_dictize, see
// test/fixtures/ckan/). Every bad parameter is a CKAN error envelope (409 Validation
// Error, 404 Not Found Error, 400 Bad request), never a 500.
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { DB } from '#db/client';
import { toTsQuery } from '../catalogue/search.server';
import {
  bboxPolygon,
  loadDatasetRecords,
  findDatasetRecord,
  isUuid,
  orgRecord,
} from '../openapi/records.server';
import type { DatasetRecord, OrgRecord } from '../openapi/records.server';

export const CKAN_ACTIONS = [
  'package_list',
  'package_search',
  'package_show',
  'organization_list',
  'organization_show',
  'license_list',
  'status_show',
] as const;
export type CkanAction = (typeof CKAN_ACTIONS)[number];

export class CkanError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'Validation Error' | 'Not Found Error' | 'Bad request' | 'Search Query Error',
    readonly detail: Record<string, unknown>,
  ) {
    super(type);
  }
}

const validation = (field: string, message: string) =>
  new CkanError(409, 'Validation Error', { [field]: [message] });
const notFound = (message = 'Not found') => new CkanError(404, 'Not Found Error', { message });

const iso = (d: Date) => d.toISOString().replace(/Z$/, '');

type Params = Record<string, string | undefined>;

function parseIntParam(p: Params, name: string, def: number, max: number): number {
  const raw = p[name];
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d{1,12}$/.test(raw.trim())) throw validation(name, 'Invalid integer');
  const n = Number(raw);
  if (n < 0) throw validation(name, 'Must be a natural number');
  return Math.min(n, max);
}

function boolParam(p: Params, name: string, def: boolean): boolean {
  const raw = p[name];
  if (raw === undefined || raw === '') return def;
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw validation(name, 'Must be a boolean');
}

// ---------------------------------------------------------------- shapes

export function ckanOrganization(o: OrgRecord, origin: string, packageCount?: number) {
  return {
    id: o.id,
    name: o.slug,
    title: o.name,
    type: 'organization',
    description: o.description,
    image_url: '',
    created: iso(o.createdAt),
    is_organization: true,
    approval_status: 'approved',
    state: 'active',
    ...(packageCount === undefined ? {} : { package_count: packageCount, display_name: o.name }),
    ...(packageCount === undefined ? {} : { extras: ckanOrgExtras(o, origin) }),
  };
}

function ckanOrgExtras(o: OrgRecord, origin: string) {
  const extras = [
    { key: 'kind', value: o.kind },
    { key: 'url', value: `${origin}/organisations/${o.slug}` },
  ];
  if (o.siren) extras.push({ key: 'siren', value: o.siren });
  if (o.website) extras.push({ key: 'website', value: o.website });
  return extras;
}

export function ckanPackage(d: DatasetRecord, origin: string) {
  const extras: { key: string; value: string }[] = [];
  if (d.bbox) extras.push({ key: 'spatial', value: JSON.stringify(bboxPolygon(d.bbox)) });
  if (d.updateFrequency) extras.push({ key: 'frequency', value: d.updateFrequency });
  if (d.temporalStart) extras.push({ key: 'temporal_start', value: d.temporalStart });
  if (d.temporalEnd) extras.push({ key: 'temporal_end', value: d.temporalEnd });
  if (d.communes.length) extras.push({ key: 'communes', value: d.communes.join(',') });
  if (d.themes.length) extras.push({ key: 'themes', value: d.themes.join(',') });
  const author = d.organization?.name ?? d.contactName ?? '';
  return {
    id: d.id,
    name: d.slug,
    title: d.title,
    notes: d.description,
    url: `${origin}/datasets/${d.slug}`,
    version: d.versionNumber === null ? null : String(d.versionNumber),
    license_id: d.licence?.id ?? null,
    license_title: d.licence?.name ?? null,
    license_url: d.licence?.url ?? null,
    isopen: d.licence ? !d.licence.traceable : false,
    tags: d.keywords.map((k) => ({
      id: k,
      name: k,
      display_name: k,
      state: 'active',
      vocabulary_id: null,
    })),
    groups: [] as unknown[],
    metadata_created: iso(d.issuedAt),
    metadata_modified: iso(d.updatedAt),
    owner_org: d.organization?.id ?? null,
    organization: d.organization ? ckanOrganization(d.organization, origin) : null,
    private: false,
    type: 'dataset',
    state: d.state === 'retracted' ? 'deleted' : 'active',
    author,
    author_email: d.contactEmail ?? '',
    maintainer: d.contactName ?? '',
    maintainer_email: d.contactEmail ?? '',
    creator_user_id: null,
    num_resources: d.distributions.length,
    num_tags: d.keywords.length,
    extras,
    relationships_as_object: [] as unknown[],
    relationships_as_subject: [] as unknown[],
    resources: d.distributions.map((r) => ({
      id: r.id,
      package_id: d.id,
      position: r.position,
      name: r.filename,
      description: r.rowCount === null ? '' : `${r.rowCount} lignes`,
      format: r.format.toUpperCase(),
      mimetype: r.mediaType,
      size: r.size,
      hash: `sha256:${r.sha256}`,
      created: iso(r.createdAt),
      last_modified: iso(r.createdAt),
      metadata_modified: iso(r.createdAt),
      url: `${origin}${r.path}`,
      url_type: null,
      resource_type: 'file',
      state: 'active',
      cache_last_updated: null,
      cache_url: null,
      mimetype_inner: null,
    })),
  };
}

export function ckanLicence(l: { id: string; name: string; url: string; traceable: boolean }) {
  const open = !l.traceable;
  return {
    id: l.id,
    title: l.name,
    url: l.url,
    status: 'active',
    maintainer: '',
    family: '',
    od_conformance: open ? 'approved' : 'not reviewed',
    osd_conformance: 'not reviewed',
    domain_content: false,
    domain_data: true,
    domain_software: false,
    is_generic: false,
    is_okd_compliant: open,
    is_osi_compliant: false,
  };
}

// ---------------------------------------------------------------- search

/** Fields a `q` or `fq` term may name, and how each becomes a condition. */
const FIELDS = [
  'name',
  'title',
  'tags',
  'organization',
  'owner_org',
  'res_format',
  'license_id',
  'groups',
  'metadata_modified',
  'metadata_created',
  'id',
  'text',
  'communes',
] as const;
type Field = (typeof FIELDS)[number];
const FACET_FIELDS = [
  'organization',
  'tags',
  'res_format',
  'license_id',
  'groups',
  'communes',
] as const;
type FacetField = (typeof FACET_FIELDS)[number];

interface Term {
  field: Field | null;
  value: string;
  negate: boolean;
}

/**
 * A Solr-like query string as terms: `field:value`, `field:"quoted value"`,
 * `field:[FROM TO TO]`, `-field:value`, bare words. Anything the tokenizer cannot close
 * (an open quote or bracket) is a syntax error; unknown fields are refused.
 */
export function parseQuery(input: string, param: 'q' | 'fq'): Term[] {
  const terms: Term[] = [];
  let i = 0;
  const s = input.slice(0, 1000);
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let negate = false;
    if (s[i] === '-' || s[i] === '+') {
      negate = s[i] === '-';
      i++;
    }
    const fieldMatch = /^([A-Za-z_][A-Za-z0-9_.]*):/.exec(s.slice(i));
    let field: string | null = null;
    if (fieldMatch) {
      field = fieldMatch[1]!;
      i += fieldMatch[0].length;
    }
    let value = '';
    if (s[i] === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0)
        throw new CkanError(409, 'Search Query Error', {
          message: `Search error: unbalanced quote in ${param}`,
        });
      value = s.slice(i + 1, end);
      i = end + 1;
    } else if (s[i] === '[' || s[i] === '{') {
      const end = s.slice(i).search(/[\]}]/);
      if (end < 0)
        throw new CkanError(409, 'Search Query Error', {
          message: `Search error: unbalanced range in ${param}`,
        });
      value = s.slice(i, i + end + 1);
      i += end + 1;
    } else {
      const m = /^[^\s]*/.exec(s.slice(i))![0];
      value = m;
      i += m.length;
    }
    if (field === null) {
      if (value === 'AND' || value === 'OR' || value === '*:*' || value === '*') continue;
      terms.push({ field: null, value, negate });
      continue;
    }
    if (
      field === 'capacity' ||
      field === 'dataset_type' ||
      field === 'state' ||
      field === 'site_id'
    )
      continue; // CKAN's own filters: always true here
    if (field === 'q') field = 'text';
    if (!(FIELDS as readonly string[]).includes(field)) {
      throw new CkanError(409, 'Search Query Error', {
        message: `Search error: unknown field "${field}" in ${param}`,
      });
    }
    terms.push({ field: field as Field, value, negate });
  }
  return terms;
}

function parseDate(s: string, param: string): Date | null {
  if (s === '*') return null;
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)Z?)?$/.exec(
    s.replace(/^NOW$/, new Date().toISOString().slice(0, 19)),
  );
  const d = m ? new Date(`${m[1]}T${m[2] ?? '00:00:00'}Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new CkanError(409, 'Search Query Error', {
      message: `Search error: bad date "${s}" in ${param}`,
    });
  return d;
}

async function termCondition(db: DB, t: Term, param: string): Promise<RawBuilder<unknown> | null> {
  const v = t.value;
  let c: RawBuilder<unknown> | null = null;
  switch (t.field) {
    case null:
    case 'text': {
      const tsq = await toTsQuery(db, v);
      c = tsq ? sql`d.search_document @@ ${tsq}::tsquery` : null;
      break;
    }
    case 'name':
      c = sql`d.slug = ${v}`;
      break;
    case 'id':
      c = isUuid(v) ? sql`d.id = ${v}::uuid` : sql`false`;
      break;
    case 'title': {
      const tsq = await toTsQuery(db, v);
      c = tsq
        ? sql`to_tsvector('french_unaccent', coalesce(d.metadata->>'title', '')) @@ ${tsq}::tsquery`
        : null;
      break;
    }
    case 'tags':
      c = sql`(d.metadata->'keywords') ? ${v}`;
      break;
    case 'organization':
      c = sql`exists (select 1 from organization o where o.id = d.organization_id and o.slug = ${v})`;
      break;
    case 'owner_org':
      c = isUuid(v) ? sql`d.organization_id = ${v}::uuid` : sql`false`;
      break;
    case 'res_format':
      c = sql`d.facets @> ${sql.val([`format:${v.toLowerCase()}`])}::text[]`;
      break;
    case 'license_id':
      c = sql`d.facets @> ${sql.val([`licence:${v}`])}::text[]`;
      break;
    case 'groups':
      c = sql`d.facets @> ${sql.val([`theme:${v}`])}::text[]`;
      break;
    case 'communes':
      c = sql`d.facets @> ${sql.val([`commune:${v}`])}::text[]`;
      break;
    case 'metadata_modified':
    case 'metadata_created': {
      const col =
        t.field === 'metadata_modified' ? sql.ref('d.updated_at') : sql.ref('d.created_at');
      const m = /^[[{]\s*(\S+)\s+TO\s+(\S+)\s*[\]}]$/.exec(v);
      if (m) {
        const from = parseDate(m[1]!, param);
        const to = parseDate(m[2]!, param);
        const parts: RawBuilder<unknown>[] = [sql`true`];
        if (from) parts.push(sql`${col} >= ${from}`);
        if (to) parts.push(sql`${col} <= ${to}`);
        c = sql.join(parts, sql` and `);
      } else {
        const at = parseDate(v, param);
        c = at ? sql`${col} = ${at}` : sql`true`;
      }
      break;
    }
  }
  if (!c) return null;
  return t.negate ? sql`not (${c})` : c;
}

const SORTS: Record<string, RawBuilder<unknown>> = {
  'metadata_modified desc': sql`d.updated_at desc, d.id`,
  'metadata_modified asc': sql`d.updated_at asc, d.id`,
  'metadata_created desc': sql`d.created_at desc, d.id`,
  'metadata_created asc': sql`d.created_at asc, d.id`,
  'id asc': sql`d.id asc`,
  'id desc': sql`d.id desc`,
  'name asc': sql`d.slug asc`,
  'name desc': sql`d.slug desc`,
  'title_string asc': sql`d.metadata->>'title' asc, d.id`,
  'title_string desc': sql`d.metadata->>'title' desc, d.id`,
};

export const MAX_ROWS = 1000;

export async function packageSearch(db: DB, p: Params, origin: string) {
  const rows = parseIntParam(p, 'rows', 10, MAX_ROWS);
  const start = parseIntParam(p, 'start', 0, 1_000_000);
  const q = (p.q ?? '').slice(0, 1000);
  const fq = (p.fq ?? '').slice(0, 1000);
  const terms = [...parseQuery(q, 'q'), ...parseQuery(fq, 'fq')];
  let facetFields: FacetField[] = [];
  if (p['facet.field']) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(p['facet.field']);
    } catch {
      throw validation('facet.field', 'Must be a JSON list of field names');
    }
    if (!Array.isArray(parsed) || parsed.length > 10 || !parsed.every((f) => typeof f === 'string'))
      throw validation('facet.field', 'Must be a JSON list of field names');
    for (const f of parsed as string[]) {
      if (!(FACET_FIELDS as readonly string[]).includes(f))
        throw validation('facet.field', `Unknown facet field: ${f.slice(0, 50)}`);
    }
    facetFields = parsed as FacetField[];
  }
  const facetLimit = parseIntParam(p, 'facet.limit', 50, 1000);

  const conditions: RawBuilder<unknown>[] = [sql`d.listed`];
  const words = terms.filter((t) => t.field === null && !t.negate).map((t) => t.value);
  let tsq: string | null = null;
  if (words.length) {
    tsq = await toTsQuery(db, words.join(' '));
    if (tsq) conditions.push(sql`d.search_document @@ ${tsq}::tsquery`);
  }
  for (const t of terms) {
    if (t.field === null && !t.negate) continue;
    const c = await termCondition(db, t, t.field === null ? 'q' : 'fq');
    if (c) conditions.push(c);
  }

  let order: RawBuilder<unknown>;
  const sortRaw = (p.sort ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
  if (
    !sortRaw ||
    sortRaw === 'score desc, metadata_modified desc' ||
    sortRaw === 'score desc' ||
    sortRaw === 'relevance asc'
  ) {
    order = tsq
      ? sql`ts_rank(d.search_document, ${tsq}::tsquery) desc, d.updated_at desc, d.id`
      : sql`d.updated_at desc, d.id`;
  } else if (SORTS[sortRaw]) order = SORTS[sortRaw]!;
  else
    throw validation(
      'sort',
      `Unknown sort: ${sortRaw.slice(0, 60)} (one of: score desc, ${Object.keys(SORTS).join(', ')})`,
    );

  const where = sql.join(conditions, sql` and `);
  const [idRows, count] = await Promise.all([
    sql<{
      id: string;
    }>`select d.id from dataset d where ${where} order by ${order} limit ${rows} offset ${start}`.execute(
      db,
    ),
    sql<{ n: number }>`select count(*)::int as n from dataset d where ${where}`.execute(db),
  ]);
  const records = await loadDatasetRecords(
    db,
    idRows.rows.map((r) => r.id),
  );

  const search_facets: Record<
    string,
    { title: string; items: { name: string; display_name: string; count: number }[] }
  > = {};
  const facets: Record<string, Record<string, number>> = {};
  for (const f of facetFields) {
    let items: { name: string; display_name: string; count: number }[];
    if (f === 'tags') {
      const r = await sql<{
        k: string;
        n: number;
      }>`select k, count(*)::int as n from dataset d, jsonb_array_elements_text(case when jsonb_typeof(d.metadata->'keywords') = 'array' then d.metadata->'keywords' else '[]'::jsonb end) k
        where ${where} group by k order by n desc, k limit ${facetLimit}`.execute(db);
      items = r.rows.map((x) => ({ name: x.k, display_name: x.k, count: x.n }));
    } else if (f === 'organization') {
      const r = await sql<{
        k: string;
        label: string;
        n: number;
      }>`select o.slug as k, o.name as label, count(*)::int as n from dataset d join organization o on o.id = d.organization_id
        where ${where} group by o.slug, o.name order by n desc, o.slug limit ${facetLimit}`.execute(
        db,
      );
      items = r.rows.map((x) => ({ name: x.k, display_name: x.label, count: x.n }));
    } else {
      const prefix = {
        res_format: 'format',
        license_id: 'licence',
        groups: 'theme',
        communes: 'commune',
      }[f];
      const r = await sql<{
        k: string;
        n: number;
      }>`select substr(k, ${prefix.length + 2}) as k, count(*)::int as n from dataset d, unnest(d.facets) k
        where ${where} and k like ${prefix + ':%'} group by k order by n desc, k limit ${facetLimit}`.execute(
        db,
      );
      items = r.rows.map((x) => ({
        name: f === 'res_format' ? x.k.toUpperCase() : x.k,
        display_name: f === 'res_format' ? x.k.toUpperCase() : x.k,
        count: x.n,
      }));
    }
    search_facets[f] = { title: f, items };
    facets[f] = Object.fromEntries(items.map((i) => [i.name, i.count]));
  }

  return {
    count: count.rows[0]?.n ?? 0,
    facets,
    results: records.map((r) => ckanPackage(r, origin)),
    sort: sortRaw || 'score desc, metadata_modified desc',
    search_facets,
  };
}

// ---------------------------------------------------------------- other actions

export async function packageList(db: DB, p: Params): Promise<string[]> {
  const limit = parseIntParam(p, 'limit', 1000, 1000);
  const offset = parseIntParam(p, 'offset', 0, 1_000_000);
  const rows = await db
    .selectFrom('dataset')
    .select('slug')
    .where('listed', '=', true)
    .orderBy('slug')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map((r) => r.slug);
}

export async function packageShow(db: DB, p: Params, origin: string) {
  const id = (p.id ?? p.name_or_id ?? '').trim();
  if (!id) throw validation('id', 'Missing value');
  const record = await findDatasetRecord(db, id);
  if (!record) throw notFound();
  return ckanPackage(record, origin);
}

async function packageCounts(db: DB, orgIds: string[]): Promise<Map<string, number>> {
  if (!orgIds.length) return new Map();
  const rows = await db
    .selectFrom('dataset')
    .select(['organization_id', sql<number>`count(*)::int`.as('n')])
    .where('listed', '=', true)
    .where('organization_id', 'in', orgIds)
    .groupBy('organization_id')
    .execute();
  return new Map(rows.map((r) => [r.organization_id!, r.n]));
}

export async function organizationList(db: DB, p: Params, origin: string) {
  const allFields = boolParam(p, 'all_fields', false);
  const limit = parseIntParam(p, 'limit', 1000, 1000);
  const offset = parseIntParam(p, 'offset', 0, 1_000_000);
  const sortRaw = (p.sort ?? 'name asc').trim().toLowerCase();
  const sorts: Record<string, ['slug' | 'name', 'asc' | 'desc']> = {
    'name asc': ['slug', 'asc'],
    'name desc': ['slug', 'desc'],
    'title asc': ['name', 'asc'],
    'title desc': ['name', 'desc'],
    name: ['slug', 'asc'],
    title: ['name', 'asc'],
  };
  const sort = sorts[sortRaw];
  if (!sort) throw validation('sort', 'Unknown sort (name asc, name desc, title asc, title desc)');
  const rows = await db
    .selectFrom('organization')
    .selectAll()
    .orderBy(sort[0], sort[1])
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute();
  if (!allFields) return rows.map((r) => r.slug);
  const counts = await packageCounts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ckanOrganization(orgRecord(r), origin, counts.get(r.id) ?? 0));
}

export async function organizationShow(db: DB, p: Params, origin: string) {
  const id = (p.id ?? '').trim();
  if (!id) throw validation('id', 'Missing value');
  if (id.length > 200) throw notFound();
  const org = await db
    .selectFrom('organization')
    .selectAll()
    .where((eb) =>
      isUuid(id) ? eb.or([eb('id', '=', id), eb('slug', '=', id)]) : eb('slug', '=', id),
    )
    .executeTakeFirst();
  if (!org) throw notFound('Organization not found');
  const includeDatasets = boolParam(p, 'include_datasets', false);
  const counts = await packageCounts(db, [org.id]);
  const base = ckanOrganization(orgRecord(org), origin, counts.get(org.id) ?? 0);
  let packages: unknown[] = [];
  if (includeDatasets) {
    const ids = await db
      .selectFrom('dataset')
      .select('id')
      .where('listed', '=', true)
      .where('organization_id', '=', org.id)
      .orderBy('updated_at', 'desc')
      .limit(10)
      .execute();
    packages = (
      await loadDatasetRecords(
        db,
        ids.map((r) => r.id),
      )
    ).map((r) => ckanPackage(r, origin));
  }
  return {
    ...base,
    packages,
    users: [] as unknown[],
    groups: [] as unknown[],
    tags: [] as unknown[],
    num_followers: 0,
  };
}

export async function licenseList(db: DB) {
  const rows = await db
    .selectFrom('licence')
    .select(['id', 'name', 'url', 'traceable'])
    .orderBy('position')
    .execute();
  return rows.map(ckanLicence);
}

export function statusShow(origin: string) {
  return {
    site_title: 'terridata',
    site_description: 'Données ouvertes du territoire de la Métropole de Lyon',
    site_url: origin,
    ckan_version: '2.10.0',
    api_version: 3,
    locale_default: 'fr',
    extensions: ['terridata'],
  };
}

export async function runAction(
  db: DB,
  action: CkanAction,
  p: Params,
  origin: string,
): Promise<unknown> {
  switch (action) {
    case 'package_list':
      return packageList(db, p);
    case 'package_search':
      return packageSearch(db, p, origin);
    case 'package_show':
      return packageShow(db, p, origin);
    case 'organization_list':
      return organizationList(db, p, origin);
    case 'organization_show':
      return organizationShow(db, p, origin);
    case 'license_list':
      return licenseList(db);
    case 'status_show':
      return statusShow(origin);
  }
}

/** The CKAN envelope around a result or an error, as a Response. */
export function ckanResponse(
  origin: string,
  action: string,
  outcome: { result: unknown } | { error: CkanError },
): Response {
  const help = `${origin}/api/3/action/help_show?name=${encodeURIComponent(action.slice(0, 60))}`;
  const headers = {
    'Content-Type': 'application/json;charset=utf-8',
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'public, max-age=60',
  };
  if ('result' in outcome)
    return new Response(JSON.stringify({ help, success: true, result: outcome.result }), {
      status: 200,
      headers,
    });
  const e = outcome.error;
  return new Response(
    JSON.stringify({ help, success: false, error: { __type: e.type, ...e.detail } }),
    {
      status: e.status,
      headers: { ...headers, 'Cache-Control': 'no-store' },
    },
  );
}
