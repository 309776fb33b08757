// The observations part of /api/v1 in the OpenAPI document: the public map's bounding-box
// query (clusters or points) and one published observation. openapi.server.ts registers it.
import { z } from 'zod';
import { MAX_FEATURES, MAX_ZOOM, POINT_ZOOM, STATUSES } from './map.schema';

const point = z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]).describe('[longitude, latitude] (WGS 84)') });
const bbox = z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('[west, south, east, north]');

const clusterFeature = z.object({
  type: z.literal('Feature'),
  geometry: point.describe('Centroid of the observations in the cell'),
  properties: z.object({ kind: z.literal('cluster'), count: z.number().int(), bounds: bbox.describe('The grid cell (zoom into it to see its points)') }),
});

const pointFeature = z.object({
  type: z.literal('Feature'),
  geometry: point,
  properties: z.object({
    kind: z.literal('observation'),
    id: z.uuid(),
    category: z.string(),
    communeCode: z.string().describe('INSEE code'),
    resolved: z.boolean(),
    observedAt: z.string().describe('ISO 8601 date-time'),
  }),
});

export const observationMapSchema = z.object({
  type: z.literal('FeatureCollection'),
  mode: z.enum(['clusters', 'points', 'list']),
  zoom: z.number().int(),
  grid: z
    .object({ zoom: z.number().int(), coverage: bbox.describe('The cell-aligned box the counts cover (it contains the requested box)') })
    .nullable()
    .optional(),
  total: z.number().int().describe('Observations counted in the answer (sum of the cluster counts, or number of points)'),
  features: z.array(z.union([clusterFeature, pointFeature])).max(MAX_FEATURES),
});

export const publicObservationSchema = z.object({
  id: z.uuid(),
  url: z.string().describe('Path of its page on the site'),
  lon: z.number(),
  lat: z.number(),
  category: z.string(),
  categoryLabel: z.string(),
  description: z.string(),
  observedAt: z.string(),
  publishedAt: z.string().nullable(),
  communeCode: z.string(),
  communeName: z.string(),
  confirmations: z.number().int(),
  grade: z.enum(['needs_review', 'confirmed']),
  status: z.enum(['open', 'resolved']),
  resolvedAt: z.string().nullable(),
  author: z.string().describe('Pseudonym of the citizen who reported it'),
  photoUrl: z.string().nullable().describe('Path of the re-encoded photo (no metadata), if any'),
});

export const observationResponseSchemas: [string, z.ZodType][] = [
  ['ObservationMap', observationMapSchema],
  ['PublicObservation', publicObservationSchema],
];

const q = (name: string, description: string, schema: Record<string, unknown>, required = false) => ({ name, in: 'query', required, description, schema });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const ok = (ref: string, description: string) => ({
  '200': {
    description,
    headers: { ETag: { description: 'Send it back in If-None-Match for a 304.', schema: { type: 'string' } } },
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
  },
  '304': { description: 'Not modified (If-None-Match matched the ETag)' },
});

export function observationPaths() {
  return {
    '/observations': {
      get: {
        operationId: 'observationsInBox',
        summary: `Published observations in a bounding box: clusters counted in SQL below zoom ${POINT_ZOOM}, points from zoom ${POINT_ZOOM} (clusters on the fine grid when more than ${MAX_FEATURES}); never more than ${MAX_FEATURES} features. view=list: the newest 50 in the box.`,
        parameters: [
          q('bbox', 'minLon,minLat,maxLon,maxLat (WGS 84, within the world, min < max)', { type: 'string', pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', maxLength: 100 }, true),
          q('zoom', 'Map zoom level (Web Mercator)', { type: 'integer', minimum: 0, maximum: MAX_ZOOM }, true),
          q('category', 'Category codes, comma-separated', { type: 'string', maxLength: 500 }),
          q('commune', 'INSEE codes of communes, comma-separated', { type: 'string', maxLength: 500 }),
          q('from', 'Observed on or after this day (Europe/Paris)', { type: 'string', format: 'date' }),
          q('to', 'Observed on or before this day (Europe/Paris)', { type: 'string', format: 'date' }),
          q('status', 'Open or resolved observations', { type: 'string', enum: [...STATUSES], default: 'all' }),
          q('view', 'map (clusters or points) or list (newest 50 points)', { type: 'string', enum: ['map', 'list'], default: 'map' }),
        ],
        responses: { ...ok('ObservationMap', 'GeoJSON FeatureCollection'), '400': problem('Invalid parameters (malformed bbox, min > max, outside the world, zoom out of range, unknown category or commune)') },
      },
    },
    '/observations/{id}': {
      get: {
        operationId: 'getObservation',
        summary: 'One published observation (410 once retracted)',
        parameters: [{ name: 'id', in: 'path', required: true, description: 'Observation id (UUID)', schema: { type: 'string', maxLength: 200 } }],
        responses: { ...ok('PublicObservation', 'The observation'), '404': problem('Unknown or not published'), '410': problem('Retracted') },
      },
    },
  };
}
