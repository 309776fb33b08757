// The Métropole de Lyon and its 58 communes (INSEE codes, boundaries) from the data file
// shipped beside this module (see DATA-SOURCES.md), and "which commune contains this point"
// by a ray-casting point-in-polygon test on the boundaries (no PostGIS).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { DB } from '#db/client';

export const METROPOLE = { code: '200046977', name: 'Métropole de Lyon' } as const;
const FILE = 'metropole-lyon-communes.geojson';

type Position = [number, number];
type Ring = Position[];
type PolygonCoords = Ring[];
export type Bbox = [number, number, number, number];

export interface Commune {
  code: string;
  name: string;
  siren: string | null;
  population: number | null;
  postalCodes: string[];
  geometry:
    | { type: 'Polygon'; coordinates: PolygonCoords }
    | { type: 'MultiPolygon'; coordinates: PolygonCoords[] };
  bbox: Bbox;
}

function dataFile(): string {
  // From source (tsx, vitest) the file sits next to this module; from the server bundle,
  // the working directory is the project root.
  const candidates = [
    fileURLToPath(new URL(`./${FILE}`, import.meta.url)),
    `${process.cwd()}/app/domain/territories/${FILE}`,
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`${FILE} not found (looked in ${candidates.join(', ')})`);
  return found;
}

function polygonsOf(g: Commune['geometry']): PolygonCoords[] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

function bboxOf(g: Commune['geometry']): Bbox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const poly of polygonsOf(g))
    for (const [x, y] of poly[0] ?? []) {
      if (x < minX) minX = x;
      if (y < minY) minY = y;
      if (x > maxX) maxX = x;
      if (y > maxY) maxY = y;
    }
  return [minX, minY, maxX, maxY];
}

let cache: Commune[] | null = null;

/** The communes from the data file (read once per process). */
export function communes(): Commune[] {
  if (cache) return cache;
  const fc = JSON.parse(readFileSync(dataFile(), 'utf8')) as {
    features: {
      properties: {
        code: string;
        nom: string;
        siren?: string;
        population?: number;
        codesPostaux?: string[];
      };
      geometry: Commune['geometry'];
    }[];
  };
  cache = fc.features
    .map((f) => ({
      code: f.properties.code,
      name: f.properties.nom,
      siren: f.properties.siren ?? null,
      population: f.properties.population ?? null,
      postalCodes: f.properties.codesPostaux ?? [],
      geometry: f.geometry,
      bbox: bboxOf(f.geometry),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  return cache;
}

function ringContains(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside the outer ring and outside every hole (GeoJSON polygon rules). */
export function polygonContains(poly: PolygonCoords, lon: number, lat: number): boolean {
  const [outer, ...holes] = poly;
  if (!outer || !ringContains(outer, lon, lat)) return false;
  return !holes.some((h) => ringContains(h, lon, lat));
}

export function geometryContains(g: Commune['geometry'], lon: number, lat: number): boolean {
  return polygonsOf(g).some((p) => polygonContains(p, lon, lat));
}

/** The commune of the Métropole containing the point (WGS84 lon/lat), or null outside it. */
export function communeAt(lon: number, lat: number): { code: string; name: string } | null {
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return null;
  for (const c of communes()) {
    const [x0, y0, x1, y1] = c.bbox;
    if (lon < x0 || lon > x1 || lat < y0 || lat > y1) continue;
    if (geometryContains(c.geometry, lon, lat)) return { code: c.code, name: c.name };
  }
  return null;
}

export const communeByCode = (code: string) => communes().find((c) => c.code === code) ?? null;

/**
 * Loads the Métropole and its communes into the `territory` table (upserts: safe to run at
 * every start, after any later migration, and twice).
 */
export async function loadTerritories(db: DB): Promise<number> {
  const list = communes();
  await db.transaction().execute(async (trx) => {
    const all = list.map((c) => c.bbox);
    const bbox: Bbox = [
      Math.min(...all.map((b) => b[0])),
      Math.min(...all.map((b) => b[1])),
      Math.max(...all.map((b) => b[2])),
      Math.max(...all.map((b) => b[3])),
    ];
    await trx
      .insertInto('territory')
      .values({
        code: METROPOLE.code,
        kind: 'metropole',
        name: METROPOLE.name,
        siren: METROPOLE.code,
        bbox: sql`${bbox}::float8[]`,
      })
      .onConflict((oc) =>
        oc.column('code').doUpdateSet({ name: METROPOLE.name, bbox: sql`excluded.bbox` }),
      )
      .execute();
    for (const c of list) {
      await trx
        .insertInto('territory')
        .values({
          code: c.code,
          kind: 'commune',
          name: c.name,
          parent_code: METROPOLE.code,
          siren: c.siren,
          population: c.population,
          postal_codes: sql`${c.postalCodes}::text[]`,
          boundary: JSON.stringify(c.geometry),
          bbox: sql`${c.bbox}::float8[]`,
        })
        .onConflict((oc) =>
          oc.column('code').doUpdateSet({
            name: sql`excluded.name`,
            siren: sql`excluded.siren`,
            population: sql`excluded.population`,
            postal_codes: sql`excluded.postal_codes`,
            boundary: sql`excluded.boundary`,
            bbox: sql`excluded.bbox`,
          }),
        )
        .execute();
    }
  });
  return list.length + 1;
}

export interface TerritoryOption {
  code: string;
  name: string;
  kind: 'metropole' | 'commune';
}

/** The Métropole first, then its communes by name (for forms), from the table once loaded. */
export async function listTerritories(db: DB): Promise<TerritoryOption[]> {
  let rows = await db.selectFrom('territory').select(['code', 'name', 'kind']).execute();
  if (rows.length === 0) {
    await loadTerritories(db);
    rows = await db.selectFrom('territory').select(['code', 'name', 'kind']).execute();
  }
  return rows
    .map((r) => ({ ...r, kind: r.kind as TerritoryOption['kind'] }))
    .sort((a, b) =>
      a.kind === b.kind ? a.name.localeCompare(b.name, 'fr') : a.kind === 'metropole' ? -1 : 1,
    );
}
