// The public map's query (bounding box, zoom, filters): one zod schema for the JSON API and
// the map page's URL, and the Web-Mercator grid both the server and the browser use.
import { z } from 'zod';

/** At this zoom and above the API answers points (when at most MAX_FEATURES are in view). */
export const POINT_ZOOM = 16;
export const MAX_ZOOM = 20;
export const MAX_FEATURES = 2000;
/** Zoom levels whose cell counts are precomputed (observation_cell). */
export const CELL_MIN_ZOOM = 8;
export const CELL_MAX_ZOOM = 15;
/** Zoom levels whose day counts are precomputed (observation_cell_day_all, without category and commune). */
export const DAY_MAX_ZOOM = 12;
export const STATUSES = ['all', 'open', 'resolved'] as const;
export type ObservationStatus = (typeof STATUSES)[number];
export const LIST_LIMIT = 50;

const MERCATOR_MAX_LAT = 85.0511;

export interface MapRefs {
  categories: readonly string[];
  communes: readonly string[];
}

export type Bbox = [number, number, number, number];

const list = z.preprocess(
  (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v.flatMap((x) => String(x).split(',')) : String(v).split(',')),
  z.array(z.string().trim().min(1).max(50)).max(20),
);

const day = z.preprocess((v) => (v === '' ? undefined : v), z.iso.date({ error: 'expected a date YYYY-MM-DD' }).optional());

export function mapQuerySchema(refs: MapRefs) {
  const categories = new Set(refs.categories);
  const communes = new Set(refs.communes);
  return z
    .object({
      bbox: z
        .string({ error: 'required: minLon,minLat,maxLon,maxLat' })
        .transform((s, ctx) => {
          const parts = s.split(',');
          const nums = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
          if (parts.length !== 4 || nums.some((n) => !Number.isFinite(n))) {
            ctx.addIssue({ code: 'custom', message: 'expected four numbers: minLon,minLat,maxLon,maxLat' });
            return z.NEVER;
          }
          const [w, s2, e, n] = nums as Bbox;
          if (w < -180 || e > 180 || s2 < -90 || n > 90) {
            ctx.addIssue({ code: 'custom', message: 'outside the world: longitudes within [-180, 180], latitudes within [-90, 90]' });
            return z.NEVER;
          }
          if (w >= e || s2 >= n) {
            ctx.addIssue({ code: 'custom', message: 'min must be less than max (minLon < maxLon, minLat < maxLat)' });
            return z.NEVER;
          }
          return [w, s2, e, n] as Bbox;
        }),
      zoom: z.coerce
        .number({ error: `expected an integer from 0 to ${MAX_ZOOM}` })
        .int({ error: `expected an integer from 0 to ${MAX_ZOOM}` })
        .min(0, { error: `expected an integer from 0 to ${MAX_ZOOM}` })
        .max(MAX_ZOOM, { error: `expected an integer from 0 to ${MAX_ZOOM}` }),
      category: list.refine((a) => a.every((c) => categories.has(c)), { error: 'unknown category' }),
      commune: list.refine((a) => a.every((c) => communes.has(c)), { error: 'unknown commune (INSEE code)' }),
      from: day,
      to: day,
      status: z.enum(STATUSES, { error: 'expected all, open or resolved' }).default('all'),
      view: z.enum(['map', 'list'], { error: 'expected map or list' }).default('map'),
    })
    .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], error: 'to must not be before from' });
}

export type MapQuery = z.infer<ReturnType<typeof mapQuerySchema>>;

const clampLat = (lat: number) => Math.max(-MERCATOR_MAX_LAT, Math.min(MERCATOR_MAX_LAT, lat));

/** Cells per side at a zoom: 64-px cells, i.e. the tiles of zoom + 2. */
export const cellsPerSide = (zoom: number) => 2 ** (zoom + 2);

/** The same formulas as SQL's obs_cell_x / obs_cell_y. */
export function cellX(lon: number, zoom: number): number {
  const n = cellsPerSide(zoom);
  return Math.min(Math.floor(((lon + 180) / 360) * n), n - 1);
}

export function cellY(lat: number, zoom: number): number {
  const n = cellsPerSide(zoom);
  const r = (clampLat(lat) * Math.PI) / 180;
  return Math.min(Math.max(Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n), 0), n - 1);
}

export const cellLon = (x: number, zoom: number) => (x / cellsPerSide(zoom)) * 360 - 180;
export const cellLat = (y: number, zoom: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / cellsPerSide(zoom)))) * 180) / Math.PI;

/** The lon/lat box a cell range covers: [west, south, east, north]. */
export function cellRangeBounds(x0: number, y0: number, x1: number, y1: number, zoom: number): Bbox {
  return [cellLon(x0, zoom), cellLat(y1 + 1, zoom), cellLon(x1 + 1, zoom), cellLat(y0, zoom)];
}

export interface CellRange {
  zoom: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function cellRange(bbox: Bbox, zoom: number): CellRange {
  const [w, s, e, n] = bbox;
  return { zoom, x0: cellX(w, zoom), x1: cellX(e, zoom), y0: cellY(n, zoom), y1: cellY(s, zoom) };
}

/**
 * The grid zoom for clusters: the requested zoom, made coarser until the box holds at most
 * MAX_FEATURES cells (a huge box at a fine zoom never yields more features than that).
 */
export function clusterZoom(bbox: Bbox, zoom: number): number {
  let z = zoom;
  for (;;) {
    const r = cellRange(bbox, z);
    if ((r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1) <= MAX_FEATURES || z === 0) return z;
    z--;
  }
}
