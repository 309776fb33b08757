// The catalogue as the open APIs (CKAN, DCAT-AP, /api/v1) read it: one loader that gives
// each dataset with its publisher, licence, current files and spatial extent, so the three
// outputs describe the same thing. Retracted datasets come back only when asked for (CKAN
// shows them as deleted; DCAT and /api/v1 searches drop them).
import { sql } from 'kysely';
import type { DB } from '#db/client';

export interface OrgRecord {
  id: string;
  slug: string;
  name: string;
  kind: string;
  siren: string | null;
  description: string;
  website: string | null;
  verifiedAt: Date | null;
  createdAt: Date;
}

export interface DistributionRecord {
  id: string;
  position: number;
  filename: string;
  format: string;
  mediaType: string;
  size: number;
  sha256: string;
  rowCount: number | null;
  createdAt: Date;
  /** Path of the download on this site (prefix with the public origin). */
  path: string;
}

export interface DatasetRecord {
  id: string;
  slug: string;
  state: 'published' | 'retracted';
  title: string;
  description: string;
  themes: string[];
  keywords: string[];
  communes: string[];
  licence: { id: string; name: string; url: string; traceable: boolean } | null;
  temporalStart: string | null;
  temporalEnd: string | null;
  updateFrequency: string | null;
  contactName: string | null;
  contactEmail: string | null;
  organization: OrgRecord | null;
  createdAt: Date;
  updatedAt: Date;
  /** When the first version was published (dct:issued). */
  issuedAt: Date;
  archivedAt: Date | null;
  retractedAt: Date | null;
  versionNumber: number | null;
  distributions: DistributionRecord[];
  /** [minLon, minLat, maxLon, maxLat] of the communes covered, or null. */
  bbox: [number, number, number, number] | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** The file's format as the catalogue's facets name it: its extension, else the detected format. */
export const fileFormat = (filename: string, format: string | null) =>
  (/\.([A-Za-z0-9]{1,10})$/.exec(filename)?.[1] ?? format ?? '').toLowerCase();

export function orgRecord(o: {
  id: string;
  slug: string;
  name: string;
  kind: string;
  siren: string | null;
  description: string;
  website: string | null;
  verified_at: Date | null;
  created_at: Date;
}): OrgRecord {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    kind: o.kind,
    siren: o.siren,
    description: o.description,
    website: o.website,
    verifiedAt: o.verified_at,
    createdAt: o.created_at,
  };
}

/** Datasets by id, in the order of `ids`; retracted ones only with `includeRetracted`. */
export async function loadDatasetRecords(
  db: DB,
  ids: string[],
  opts: { includeRetracted?: boolean } = {},
): Promise<DatasetRecord[]> {
  if (!ids.length) return [];
  let q = db.selectFrom('dataset').selectAll().where('id', 'in', ids);
  if (!opts.includeRetracted)
    q = q.where('state', '=', 'published').where('current_version_id', 'is not', null);
  const rows = await q.execute();
  if (!rows.length) return [];
  const orgIds = [...new Set(rows.map((r) => r.organization_id).filter((x): x is string => !!x))];
  const versionIds = rows.map((r) => r.current_version_id).filter((x): x is string => !!x);
  const licenceIds = [
    ...new Set(
      rows
        .map((r) => str((r.metadata as Record<string, unknown>).licence))
        .filter((x): x is string => !!x),
    ),
  ];
  const communeCodes = [
    ...new Set(rows.flatMap((r) => strs((r.metadata as Record<string, unknown>).communes))),
  ];
  const [orgs, versions, firsts, files, licences, territories] = await Promise.all([
    orgIds.length
      ? db.selectFrom('organization').selectAll().where('id', 'in', orgIds).execute()
      : Promise.resolve([]),
    versionIds.length
      ? db
          .selectFrom('dataset_version')
          .select(['id', 'number'])
          .where('id', 'in', versionIds)
          .execute()
      : Promise.resolve([]),
    db
      .selectFrom('dataset_version')
      .select(['dataset_id', sql<Date>`min(published_at)`.as('first')])
      .where(
        'dataset_id',
        'in',
        rows.map((r) => r.id),
      )
      .groupBy('dataset_id')
      .execute(),
    versionIds.length
      ? db
          .selectFrom('distribution')
          .selectAll()
          .where('dataset_version_id', 'in', versionIds)
          .orderBy('position')
          .orderBy('created_at')
          .execute()
      : Promise.resolve([]),
    licenceIds.length
      ? db
          .selectFrom('licence')
          .select(['id', 'name', 'url', 'traceable'])
          .where('id', 'in', licenceIds)
          .execute()
      : Promise.resolve([]),
    communeCodes.length
      ? db
          .selectFrom('territory')
          .select(['code', 'bbox'])
          .where('code', 'in', communeCodes)
          .execute()
      : Promise.resolve([]),
  ]);
  const orgById = new Map(orgs.map((o) => [o.id, orgRecord(o)]));
  const versionById = new Map(versions.map((v) => [v.id, v.number]));
  const firstById = new Map(firsts.map((f) => [f.dataset_id, f.first]));
  const licenceById = new Map(licences.map((l) => [l.id, l]));
  const bboxByCode = new Map(territories.map((t) => [t.code, t.bbox]));
  const byId = new Map(
    rows.map((d) => {
      const m = d.metadata as Record<string, unknown>;
      const retracted = d.state === 'retracted' || !d.current_version_id;
      const communes = strs(m.communes);
      const boxes = communes
        .map((c) => bboxByCode.get(c))
        .filter((b): b is number[] => Array.isArray(b) && b.length === 4);
      const bbox: DatasetRecord['bbox'] = boxes.length
        ? [
            Math.min(...boxes.map((b) => b[0]!)),
            Math.min(...boxes.map((b) => b[1]!)),
            Math.max(...boxes.map((b) => b[2]!)),
            Math.max(...boxes.map((b) => b[3]!)),
          ]
        : null;
      const licenceId = str(m.licence);
      const record: DatasetRecord = {
        id: d.id,
        slug: d.slug,
        state: retracted ? 'retracted' : 'published',
        title: str(m.title) ?? d.slug,
        description: str(m.description) ?? '',
        themes: strs(m.themes),
        keywords: strs(m.keywords),
        communes,
        licence: licenceId ? (licenceById.get(licenceId) ?? null) : null,
        temporalStart: str(m.temporalStart),
        temporalEnd: str(m.temporalEnd),
        updateFrequency: str(m.updateFrequency),
        contactName: str(m.contactName),
        contactEmail: str(m.contactEmail),
        organization: d.organization_id ? (orgById.get(d.organization_id) ?? null) : null,
        createdAt: d.created_at,
        updatedAt: d.updated_at,
        issuedAt: firstById.get(d.id) ?? d.created_at,
        archivedAt: d.archived_at,
        retractedAt: d.retracted_at,
        versionNumber: d.current_version_id
          ? (versionById.get(d.current_version_id) ?? null)
          : null,
        // A retracted dataset's files are withdrawn: no file is described any more.
        distributions: retracted
          ? []
          : files
              .filter((f) => f.dataset_version_id === d.current_version_id)
              .map((f) => ({
                id: f.id,
                position: f.position,
                filename: f.filename,
                format: fileFormat(f.filename, f.format),
                mediaType: f.media_type,
                size: Number(f.size),
                sha256: f.sha256,
                rowCount: f.row_count,
                createdAt: f.created_at,
                path: `/datasets/${d.slug}/telecharger/${f.id}`,
              })),
        bbox,
      };
      return [d.id, record] as const;
    }),
  );
  return ids.map((id) => byId.get(id)).filter((r): r is DatasetRecord => !!r);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** A dataset by id or slug (retracted ones too: the caller decides what to show). */
export async function findDatasetRecord(db: DB, idOrSlug: string): Promise<DatasetRecord | null> {
  if (!idOrSlug || idOrSlug.length > 200) return null;
  let q = db.selectFrom('dataset').select('id');
  q = isUuid(idOrSlug)
    ? q.where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
    : q.where('slug', '=', idOrSlug);
  const row = await q.executeTakeFirst();
  if (!row) return null;
  return (await loadDatasetRecords(db, [row.id], { includeRetracted: true }))[0] ?? null;
}

/** GeoJSON polygon of a bounding box. */
export function bboxPolygon(b: [number, number, number, number]) {
  const [x0, y0, x1, y1] = b;
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}

/** The origin absolute URLs are built on: PUBLIC_URL when set, else the request's. */
export function publicOrigin(
  context: { config: { publicUrl: string | undefined } },
  request: Request,
): string {
  return (context.config.publicUrl ?? new URL(request.url).origin).replace(/\/+$/, '');
}
