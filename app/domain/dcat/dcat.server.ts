// The catalogue as DCAT-AP 3: a dcat:Catalog paged with a Hydra PartialCollectionView
// (keyset: `hydra:next` carries an opaque cursor; the old page numbers are still served),
// each listed dataset with every property DCAT-AP makes mandatory or recommended for
// harvesters (our themes and frequencies mapped to the EU vocabularies), each file as a
// dcat:Distribution with its checksum. Retracted datasets are dropped.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { loadDatasetRecords } from '../openapi/records.server';
import type { DatasetRecord } from '../openapi/records.server';
import { BadCursor, decodeCursor, encodeCursor } from '../openapi/v1.server';
import { Graph, iri, lit, typed } from './rdf';

const EU_THEME = 'http://publications.europa.eu/resource/authority/data-theme/';
const EU_FREQ = 'http://publications.europa.eu/resource/authority/frequency/';
const EU_FILE_TYPE = 'http://publications.europa.eu/resource/authority/file-type/';
const IANA = 'https://www.iana.org/assignments/media-types/';
const METROPOLE = '200046977';

/** Our themes → EU data themes (http://publications.europa.eu/resource/authority/data-theme). */
export const EU_THEMES: Record<string, string[]> = {
  mobilite: ['TRAN'],
  environnement: ['ENVI'],
  urbanisme: ['REGI'],
  energie: ['ENER'],
  eau: ['ENVI'],
  economie: ['ECON'],
  culture: ['EDUC'],
  social: ['SOCI', 'HEAL'],
  education: ['EDUC'],
  citoyennete: ['GOVE'],
  proprete: ['ENVI'],
  tourisme: ['ECON'],
};
/** A dataset with no theme (or an unmapped one) is at least about a region and its cities. */
const DEFAULT_THEME = 'REGI';

/** Our update frequencies → EU frequency vocabulary. */
export const EU_FREQUENCIES: Record<string, string> = {
  punctual: 'NEVER',
  continuous: 'CONT',
  daily: 'DAILY',
  weekly: 'WEEKLY',
  monthly: 'MONTHLY',
  quarterly: 'QUARTERLY',
  annual: 'ANNUAL',
  irregular: 'IRREG',
};

const FILE_TYPES: Record<string, string> = {
  csv: 'CSV',
  json: 'JSON',
  geojson: 'GEOJSON',
  xlsx: 'XLSX',
  xls: 'XLS',
  ods: 'ODS',
  zip: 'ZIP',
  pdf: 'PDF',
  xml: 'XML',
  txt: 'TXT',
  shp: 'SHP',
  kml: 'KML',
  gpkg: 'GPKG',
  parquet: 'PARQUET',
  html: 'HTML',
};

export const datasetIri = (origin: string, slug: string) =>
  `${origin}/catalog/datasets/${encodeURIComponent(slug)}`;

const communeIri = (code: string) =>
  code === METROPOLE
    ? `http://id.insee.fr/geo/intercommunalite/${code}`
    : `http://id.insee.fr/geo/commune/${code}`;

function addDataset(g: Graph, d: DatasetRecord, origin: string): { iri: string } {
  const ds = iri(datasetIri(origin, d.slug));
  const landing = `${origin}/datasets/${encodeURIComponent(d.slug)}`;
  g.add(ds, 'rdf:type', iri('http://www.w3.org/ns/dcat#Dataset'));
  g.add(ds, 'dct:identifier', lit(d.id));
  g.add(ds, 'dct:title', lit(d.title, 'fr'));
  g.add(ds, 'dct:description', lit(d.description || d.title, 'fr'));
  for (const k of d.keywords.length ? d.keywords : [d.title])
    g.add(ds, 'dcat:keyword', lit(k, 'fr'));

  // Publisher: the organisation, or the platform for contributions made in one's own name.
  const publisher = iri(
    d.organization
      ? `${origin}/organisations/${encodeURIComponent(d.organization.slug)}`
      : `${origin}/#platform`,
  );
  g.add(ds, 'dct:publisher', publisher);
  g.add(publisher, 'rdf:type', iri('http://xmlns.com/foaf/0.1/Agent'));
  g.add(publisher, 'foaf:name', lit(d.organization?.name ?? 'terridata', 'fr'));

  // Spatial: each commune (INSEE IRI) and the bounding box of them all.
  const communes = d.communes.length ? d.communes : [METROPOLE];
  for (const c of communes) g.add(ds, 'dct:spatial', iri(communeIri(c)));
  if (d.bbox) {
    const loc = g.bnode();
    const [x0, y0, x1, y1] = d.bbox;
    g.add(ds, 'dct:spatial', loc);
    g.add(loc, 'rdf:type', iri('http://purl.org/dc/terms/Location'));
    g.add(
      loc,
      'dcat:bbox',
      typed(
        `POLYGON((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0}))`,
        'gsp:wktLiteral',
      ),
    );
  }

  // Temporal coverage: the declared period, else from the first publication on.
  const period = g.bnode();
  g.add(ds, 'dct:temporal', period);
  g.add(period, 'rdf:type', iri('http://purl.org/dc/terms/PeriodOfTime'));
  const date = (s: string) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? typed(s, 'xsd:date') : lit(s));
  g.add(
    period,
    'dcat:startDate',
    d.temporalStart
      ? date(d.temporalStart)
      : typed(d.issuedAt.toISOString().slice(0, 10), 'xsd:date'),
  );
  if (d.temporalEnd) g.add(period, 'dcat:endDate', date(d.temporalEnd));

  const themes = [...new Set(d.themes.flatMap((t) => EU_THEMES[t] ?? []))];
  for (const t of themes.length ? themes : [DEFAULT_THEME])
    g.add(ds, 'dcat:theme', iri(EU_THEME + t));

  const contact = g.bnode();
  g.add(ds, 'dcat:contactPoint', contact);
  g.add(contact, 'rdf:type', iri('http://www.w3.org/2006/vcard/ns#Kind'));
  g.add(contact, 'vcard:fn', lit(d.contactName ?? d.organization?.name ?? 'terridata'));
  if (d.contactEmail) g.add(contact, 'vcard:hasEmail', iri(`mailto:${d.contactEmail}`));
  else g.add(contact, 'vcard:hasURL', iri(landing));

  g.add(ds, 'dct:issued', typed(d.issuedAt.toISOString(), 'xsd:dateTime'));
  g.add(ds, 'dct:modified', typed(d.updatedAt.toISOString(), 'xsd:dateTime'));
  g.add(
    ds,
    'dct:accrualPeriodicity',
    iri(
      EU_FREQ + (d.updateFrequency ? (EU_FREQUENCIES[d.updateFrequency] ?? 'UNKNOWN') : 'UNKNOWN'),
    ),
  );
  g.add(ds, 'dcat:landingPage', iri(landing));
  g.add(iri(landing), 'rdf:type', iri('http://xmlns.com/foaf/0.1/Document'));
  if (d.versionNumber !== null) g.add(ds, 'dcat:version', lit(String(d.versionNumber)));

  for (const f of d.distributions) {
    const dist = iri(`${datasetIri(origin, d.slug)}/distributions/${f.id}`);
    const download = `${origin}${f.path}`;
    g.add(ds, 'dcat:distribution', dist);
    g.add(dist, 'rdf:type', iri('http://www.w3.org/ns/dcat#Distribution'));
    g.add(dist, 'dct:title', lit(f.filename, 'fr'));
    g.add(dist, 'dcat:accessURL', iri(landing));
    g.add(dist, 'dcat:downloadURL', iri(download));
    g.add(dist, 'dct:format', iri(EU_FILE_TYPE + (FILE_TYPES[f.format] ?? 'BIN')));
    g.add(
      dist,
      'dcat:mediaType',
      iri(
        IANA +
          (/^[a-z]+\/[a-z0-9.+-]+$/i.test(f.mediaType) ? f.mediaType : 'application/octet-stream'),
      ),
    );
    if (d.licence) {
      g.add(dist, 'dct:license', iri(d.licence.url));
      g.add(iri(d.licence.url), 'rdf:type', iri('http://purl.org/dc/terms/LicenseDocument'));
      g.add(iri(d.licence.url), 'rdfs:label', lit(d.licence.name, 'fr'));
    } else g.add(dist, 'dct:license', iri(`${landing}#licence`));
    g.add(dist, 'dcat:byteSize', typed(String(f.size), 'xsd:nonNegativeInteger'));
    const sum = g.bnode();
    g.add(dist, 'spdx:checksum', sum);
    g.add(sum, 'rdf:type', iri('http://spdx.org/rdf/terms#Checksum'));
    g.add(sum, 'spdx:algorithm', iri('http://spdx.org/rdf/terms#checksumAlgorithm_sha256'));
    g.add(sum, 'spdx:checksumValue', typed(f.sha256, 'xsd:hexBinary'));
    g.add(dist, 'dct:issued', typed(f.createdAt.toISOString(), 'xsd:dateTime'));
  }
  return ds;
}

function addCatalogue(g: Graph, origin: string) {
  const cat = iri(`${origin}/catalog`);
  g.add(cat, 'rdf:type', iri('http://www.w3.org/ns/dcat#Catalog'));
  g.add(cat, 'dct:title', lit('terridata — catalogue des données du territoire', 'fr'));
  g.add(cat, 'dct:title', lit('terridata — catalogue of the territory’s data', 'en'));
  g.add(
    cat,
    'dct:description',
    lit(
      'Données ouvertes publiées par les organisations et les habitants de la Métropole de Lyon.',
      'fr',
    ),
  );
  g.add(
    cat,
    'dct:description',
    lit('Open data published by the organisations and inhabitants of the Lyon Metropolis.', 'en'),
  );
  g.add(cat, 'dct:publisher', iri(`${origin}/#platform`));
  g.add(iri(`${origin}/#platform`), 'rdf:type', iri('http://xmlns.com/foaf/0.1/Agent'));
  g.add(iri(`${origin}/#platform`), 'foaf:name', lit('terridata', 'fr'));
  g.add(cat, 'foaf:homepage', iri(`${origin}/`));
  g.add(cat, 'dct:language', iri('http://publications.europa.eu/resource/authority/language/FRA'));
  g.add(cat, 'dct:spatial', iri(communeIri(METROPOLE)));
  return cat;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/**
 * Where a page of the catalogue starts: after the dataset an opaque cursor names (`null`:
 * from the start), or at a page number (the old `?page=`, still served for harvesters that
 * count pages).
 */
export type CatalogPosition = { cursor: string | null } | { page: number };

/** A cursor that is not one this feed gave out. */
export { BadCursor } from '../openapi/v1.server';

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The key (creation time to the microsecond, id) a cursor carries; BadCursor otherwise. */
function cursorKey(cursor: string): { at: string; id: string } {
  const [at, id] = decodeCursor(cursor, 2) as [string, string];
  // A real instant only (no 31 February, no 24:00): the database would refuse it with a 500.
  const valid =
    ISO_MICROS.test(at) &&
    UUID.test(id) &&
    !Number.isNaN(Date.parse(at)) &&
    new Date(at).toISOString().slice(0, 23) === at.slice(0, 23);
  if (!valid) throw new BadCursor('bad cursor');
  return { at, id };
}

/**
 * One page of the catalogue, in a stable order (creation, then id), so that a harvester
 * walking `hydra:next` sees every dataset once: one published during the walk comes at
 * the end, one retracted shifts nothing. Null for a page number past the end.
 * Throws BadCursor for a cursor this feed did not give out.
 */
export async function catalogPage(
  db: DB,
  origin: string,
  position: CatalogPosition,
  pageSize: number,
): Promise<Graph | null> {
  const after = 'cursor' in position && position.cursor ? cursorKey(position.cursor) : null;
  let rows = db
    .selectFrom('dataset')
    .select([
      'id',
      sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at'),
    ])
    .where('listed', '=', true)
    .orderBy('created_at')
    .orderBy('id')
    .limit(pageSize + 1);
  if ('page' in position) rows = rows.offset((position.page - 1) * pageSize);
  else if (after)
    rows = rows.where(
      sql<boolean>`(created_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)`,
    );
  const [count, found] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n from dataset where listed`.execute(db),
    rows.execute(),
  ]);
  const total = count.rows[0]?.n ?? 0;
  const last = Math.max(1, Math.ceil(total / pageSize));
  if ('page' in position && position.page > last) return null;
  const pageRows = found.slice(0, pageSize);
  const g = new Graph();
  const cat = addCatalogue(g, origin);
  const records = await loadDatasetRecords(
    db,
    pageRows.map((r) => r.id),
  );
  for (const d of records) g.add(cat, 'dcat:dataset', addDataset(g, d, origin));

  const link = (at: { cursor?: string; page?: number } = {}) => {
    const q = new URLSearchParams();
    if (at.page !== undefined) q.set('page', String(at.page));
    if (at.cursor !== undefined) q.set('cursor', at.cursor);
    if (pageSize !== DEFAULT_PAGE_SIZE) q.set('pageSize', String(pageSize));
    const search = q.toString();
    return `${origin}/catalog${search ? `?${search}` : ''}`;
  };
  const lastRow = pageRows[pageRows.length - 1];
  const next = found.length > pageSize && lastRow ? encodeCursor([lastRow.at, lastRow.id]) : null;
  const view = iri(
    'page' in position
      ? link({ page: position.page })
      : link(position.cursor ? { cursor: position.cursor } : {}),
  );
  g.add(view, 'rdf:type', iri('http://www.w3.org/ns/hydra/core#PartialCollectionView'));
  g.add(view, 'hydra:totalItems', typed(String(total), 'xsd:nonNegativeInteger'));
  g.add(view, 'hydra:itemsPerPage', typed(String(pageSize), 'xsd:nonNegativeInteger'));
  g.add(view, 'hydra:first', iri(link()));
  if (next) g.add(view, 'hydra:next', iri(link({ cursor: next })));
  // Numbered pages keep their numbered neighbours for harvesters that count pages.
  if ('page' in position) {
    g.add(view, 'hydra:last', iri(link({ page: last })));
    if (position.page > 1) g.add(view, 'hydra:previous', iri(link({ page: position.page - 1 })));
  }
  return g;
}

/** One dataset in DCAT-AP, 'gone' when retracted, null when unknown. */
export async function datasetGraph(
  db: DB,
  origin: string,
  slug: string,
): Promise<Graph | 'gone' | null> {
  if (!slug || slug.length > 200) return null;
  const row = await db
    .selectFrom('dataset')
    .select(['id', 'listed', 'state'])
    .where('slug', '=', slug)
    .executeTakeFirst();
  if (!row) return null;
  const [d] = await loadDatasetRecords(db, [row.id]);
  if (!d) return 'gone';
  const g = new Graph();
  const ds = addDataset(g, d, origin);
  g.add(iri(`${origin}/catalog`), 'dcat:dataset', ds);
  return g;
}
