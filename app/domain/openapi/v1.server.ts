// The public JSON API /api/v1 (read side): datasets (search with the catalogue page's
// filters, show), their versions and files, organisations, communes, licences, themes.
// Every query and every response has a zod schema here; the OpenAPI document is generated
// from them (openapi.server.ts). Lists use opaque cursors (keyset, stable under inserts).
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import { z } from 'zod';
import type { DB } from '#db/client';
import { toTsQuery } from '../catalogue/search.server';
import { loadDatasetRecords, findDatasetRecord, orgRecord } from './records.server';
import type { DatasetRecord, OrgRecord } from './records.server';

// ------------------------------------------------------------------ schemas

const many = z
  .preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.string().trim().min(1).max(100)).max(10),
  )
  .meta({ description: 'Repeatable.' });
export const cursorParam = z
  .string()
  .max(200)
  .optional()
  .meta({ description: 'Opaque cursor from `links.next` of the previous page.' });
export const limitParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(20)
  .meta({ description: 'Items per page (1–100).' });

export const datasetSearchQuery = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'Words (French full text, accents ignored, prefixes).' }),
  theme: many.meta({ description: 'Theme code (repeatable).' }),
  commune: many.meta({
    description: 'INSEE commune code, 200046977 for the whole Métropole (repeatable).',
  }),
  licence: many.meta({ description: 'Licence id (repeatable).' }),
  org: many.meta({ description: 'Publishing organisation slug (repeatable).' }),
  format: many.meta({ description: 'File format, lower case (csv, json…) (repeatable).' }),
  archives: z
    .enum(['0', '1'])
    .default('0')
    .meta({ description: '1 to include archived datasets.' }),
  cursor: cursorParam,
  limit: limitParam,
});
export const pageQuery = z.object({ cursor: cursorParam, limit: limitParam });

const date = z.iso.datetime().meta({ description: 'ISO 8601 date-time (UTC).' });
export const organisationSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  kind: z.string(),
  siren: z.string().nullable(),
  description: z.string(),
  website: z.string().nullable(),
  verified: z.boolean(),
  createdAt: date,
  links: z.object({ self: z.string(), page: z.string() }),
});
export const distributionSchema = z.object({
  id: z.uuid(),
  position: z.number().int(),
  filename: z.string(),
  format: z.string(),
  mediaType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  rowCount: z.number().int().nullable(),
  createdAt: date,
  downloadUrl: z.string(),
});
export const licenceSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  traceable: z.boolean(),
});
export const datasetSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  state: z.enum(['published', 'retracted']),
  title: z.string(),
  description: z.string(),
  themes: z.array(z.string()),
  keywords: z.array(z.string()),
  communes: z.array(z.string()),
  licence: licenceSchema.nullable(),
  temporalStart: z.string().nullable(),
  temporalEnd: z.string().nullable(),
  updateFrequency: z.string().nullable(),
  contactName: z.string().nullable(),
  organisation: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }).nullable(),
  createdAt: date,
  updatedAt: date,
  issuedAt: date,
  archived: z.boolean(),
  version: z.number().int().nullable(),
  distributions: z.array(distributionSchema),
  links: z.object({
    self: z.string(),
    page: z.string(),
    dcat: z.string(),
    versions: z.string(),
    distributions: z.string(),
  }),
});
export const versionSchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  state: z.enum(['published', 'retracted']),
  publishedAt: date,
  changeSummary: z.string().nullable(),
  organisationId: z.uuid().nullable(),
  autoApproved: z.boolean(),
  approverCount: z.number().int(),
  retractedAt: date.nullable(),
});
export const communeSchema = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.string(),
  population: z.number().nullable(),
  postalCodes: z.array(z.string()),
  bbox: z.array(z.number()).nullable(),
});
export const themeSchema = z.object({ code: z.string(), labelFr: z.string(), labelEn: z.string() });
// RFC 9457 allows extension members (code, formats…): the schema is open.
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z
      .string()
      .optional()
      .meta({ description: 'Machine-readable reason, when there is one.' }),
    errors: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: 'Messages per field or parameter.' }),
  })
  .loose();

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int().optional(),
    links: z.object({ self: z.string(), next: z.string().nullable() }),
  });
export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

// ------------------------------------------------------------------ cursors

export class BadCursor extends Error {}

export function encodeCursor(v: unknown[]): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}
export function decodeCursor(c: string | undefined, arity: number): unknown[] | null {
  if (!c) return null;
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (
      !Array.isArray(v) ||
      v.length !== arity ||
      !v.every((x) => typeof x === 'string' && x.length < 100)
    )
      throw new Error('shape');
    return v;
  } catch {
    throw new BadCursor('bad cursor');
  }
}

// ------------------------------------------------------------------ views

export function organisationView(o: OrgRecord) {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    kind: o.kind,
    siren: o.siren,
    description: o.description,
    website: o.website,
    verified: o.verifiedAt !== null,
    createdAt: o.createdAt.toISOString(),
    links: { self: `/api/v1/organisations/${o.slug}`, page: `/organisations/${o.slug}` },
  };
}

export function datasetView(d: DatasetRecord, origin: string): z.infer<typeof datasetSchema> {
  return {
    id: d.id,
    slug: d.slug,
    state: d.state,
    title: d.title,
    description: d.description,
    themes: d.themes,
    keywords: d.keywords,
    communes: d.communes,
    licence: d.licence,
    temporalStart: d.temporalStart,
    temporalEnd: d.temporalEnd,
    updateFrequency: d.updateFrequency,
    contactName: d.contactName,
    organisation: d.organization
      ? { id: d.organization.id, slug: d.organization.slug, name: d.organization.name }
      : null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    issuedAt: d.issuedAt.toISOString(),
    archived: d.archivedAt !== null,
    version: d.versionNumber,
    distributions: d.distributions.map((f) => ({
      id: f.id,
      position: f.position,
      filename: f.filename,
      format: f.format,
      mediaType: f.mediaType,
      size: f.size,
      sha256: f.sha256,
      rowCount: f.rowCount,
      createdAt: f.createdAt.toISOString(),
      downloadUrl: `${origin}${f.path}`,
    })),
    links: {
      self: `/api/v1/datasets/${d.slug}`,
      page: `/datasets/${d.slug}`,
      dcat: `/catalog/datasets/${d.slug}`,
      versions: `/api/v1/datasets/${d.slug}/versions`,
      distributions: `/api/v1/datasets/${d.slug}/distributions`,
    },
  };
}

// ------------------------------------------------------------------ queries

export async function searchDatasetsApi(
  db: DB,
  q: z.infer<typeof datasetSearchQuery>,
  origin: string,
  self: string,
) {
  const conds: RawBuilder<unknown>[] = [sql`d.listed`];
  if (q.archives !== '1') conds.push(sql`d.archived_at is null`);
  const keys = [
    ...q.theme.map((v) => `theme:${v}`),
    ...q.commune.map((v) => `commune:${v}`),
    ...q.licence.map((v) => `licence:${v}`),
    ...q.format.map((v) => `format:${v.toLowerCase()}`),
  ];
  if (keys.length) conds.push(sql`d.facets @> ${sql.val(keys)}::text[]`);
  if (q.org.length)
    conds.push(
      sql`d.organization_id in (select id from organization where slug in (${sql.join(q.org)}))`,
    );
  if (q.q) {
    const tsq = await toTsQuery(db, q.q);
    if (tsq) conds.push(sql`d.search_document @@ ${tsq}::tsquery`);
  }
  const base = sql.join(conds, sql` and `);
  const c = decodeCursor(q.cursor, 2) as [string, string] | null;
  if (c && (Number.isNaN(Date.parse(c[0])) || !/^[0-9a-f-]{36}$/.test(c[1])))
    throw new BadCursor('bad cursor');
  const page = c
    ? sql`${base} and (d.updated_at, d.id) < (${new Date(c[0])}::timestamptz, ${c[1]}::uuid)`
    : base;
  const [rows, count] = await Promise.all([
    sql<{
      id: string;
      u: string;
    }>`select d.id, to_char(d.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as u from dataset d
      where ${page} order by d.updated_at desc, d.id desc limit ${q.limit + 1}`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from dataset d where ${base}`.execute(db),
  ]);
  const more = rows.rows.length > q.limit;
  const pageRows = rows.rows.slice(0, q.limit);
  const records = await loadDatasetRecords(
    db,
    pageRows.map((r) => r.id),
  );
  const last = pageRows[pageRows.length - 1];
  return {
    items: records.map((r) => datasetView(r, origin)),
    total: count.rows[0]?.n ?? 0,
    links: { self, next: more && last ? withCursor(self, encodeCursor([last.u, last.id])) : null },
  };
}

export function withCursor(self: string, cursor: string): string {
  const u = new URL(self, 'http://x');
  u.searchParams.set('cursor', cursor);
  return `${u.pathname}${u.search}`;
}

export async function showDataset(db: DB, idOrSlug: string) {
  return findDatasetRecord(db, idOrSlug);
}

export async function datasetVersions(db: DB, datasetId: string) {
  const rows = await db
    .selectFrom('dataset_version')
    .select([
      'id',
      'number',
      'state',
      'published_at',
      'change_summary',
      'organization_id',
      'auto_approved',
      'approver_ids',
      'retracted_at',
    ])
    .where('dataset_id', '=', datasetId)
    .orderBy('number', 'desc')
    .execute();
  return rows.map((v) => ({
    id: v.id,
    number: v.number,
    state: v.state as 'published' | 'retracted',
    publishedAt: v.published_at.toISOString(),
    changeSummary: v.change_summary,
    organisationId: v.organization_id,
    autoApproved: v.auto_approved,
    approverCount: v.approver_ids.length,
    retractedAt: v.retracted_at ? v.retracted_at.toISOString() : null,
  }));
}

export async function listOrganisations(db: DB, q: z.infer<typeof pageQuery>, self: string) {
  const c = decodeCursor(q.cursor, 1) as [string] | null;
  let query = db
    .selectFrom('organization')
    .selectAll()
    .orderBy('slug')
    .limit(q.limit + 1);
  if (c) query = query.where('slug', '>', c[0]);
  const rows = await query.execute();
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((o) => organisationView(orgRecord(o))),
    links: { self, next: more && last ? withCursor(self, encodeCursor([last.slug])) : null },
  };
}

export async function showOrganisation(db: DB, slug: string) {
  if (!slug || slug.length > 200) return null;
  const o = await db
    .selectFrom('organization')
    .selectAll()
    .where('slug', '=', slug)
    .executeTakeFirst();
  return o ? organisationView(orgRecord(o)) : null;
}

export async function listCommunes(db: DB) {
  const rows = await db
    .selectFrom('territory')
    .select(['code', 'name', 'kind', 'population', 'postal_codes', 'bbox'])
    .orderBy(sql`kind <> 'metropole'`)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    kind: r.kind,
    population: r.population,
    postalCodes: r.postal_codes,
    bbox: r.bbox,
  }));
}

export async function listLicences(db: DB) {
  return db
    .selectFrom('licence')
    .select(['id', 'name', 'url', 'traceable'])
    .orderBy('position')
    .execute();
}

export async function listThemes(db: DB) {
  const rows = await db
    .selectFrom('theme')
    .select(['code', 'label_fr', 'label_en'])
    .where('active', '=', true)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({ code: r.code, labelFr: r.label_fr, labelEn: r.label_en }));
}
