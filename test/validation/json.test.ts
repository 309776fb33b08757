// GeoJSON and JSON reports, streamed: territory share, invalid rings, swapped coordinates, syntax errors.
import { describe, expect, it } from 'vitest';
import { inspectBytes, inspectInChunks } from './fixtures';

type Position = [number, number];
const feature = (geometry: unknown, properties: Record<string, unknown> = {}) => ({
  type: 'Feature',
  properties,
  geometry,
});
const square = (x: number, y: number, d = 0.001): Position[] => [
  [x, y],
  [x + d, y],
  [x + d, y + d],
  [x, y + d],
  [x, y],
];
const collection = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });

describe('GeoJSON', () => {
  it('reports features inside the Métropole, geometry types, bbox and property types', async () => {
    const r = await inspectBytes(
      'lyon.geojson',
      collection([
        feature(
          { type: 'Point', coordinates: [4.8357, 45.764] },
          { nom: 'Bellecour', places: 12, ouvert: true },
        ),
        feature(
          { type: 'Polygon', coordinates: [square(4.88, 45.77)] },
          { nom: 'Parc', places: null },
        ),
        feature(
          {
            type: 'LineString',
            coordinates: [
              [4.85, 45.75],
              [4.86, 45.76],
            ],
          },
          { nom: 'Piste', tags: ['a'] },
        ),
        feature(null, { nom: 'Sans lieu' }),
      ]),
    );
    expect(r.verdict).toBe('verified');
    expect(r.file).toMatchObject({ detectedFormat: 'geojson', mediaType: 'application/geo+json' });
    const g = r.geojson!;
    expect(g).toMatchObject({ rootType: 'FeatureCollection', featureCount: 4, nullGeometries: 1 });
    expect(g.geometryTypes).toEqual({ Point: 1, Polygon: 1, LineString: 1 });
    expect(g.insideTerritory).toMatchObject({ territory: 'Métropole de Lyon', count: 3, share: 1 });
    expect(g.bbox).toEqual([4.8357, 45.75, 4.881, 45.771]);
    expect(g.properties.find((p) => p.key === 'places')).toEqual({
      key: 'places',
      types: { number: 1, null: 1 },
      presentIn: 2,
    });
    expect(g.properties.find((p) => p.key === 'tags')?.types).toEqual({ array: 1 });
    expect(r.warnings.map((w) => w.code)).toEqual(['geojson_null_geometries']);
  });

  it('warns when the features lie outside the Métropole', async () => {
    const r = await inspectBytes(
      'paris.geojson',
      collection([
        feature({ type: 'Point', coordinates: [2.3522, 48.8566] }),
        feature({ type: 'Point', coordinates: [5.3698, 43.2965] }),
      ]),
    );
    expect(r.verdict).toBe('verified');
    expect(r.geojson?.insideTerritory).toMatchObject({ count: 0, share: 0 });
    expect(r.warnings.find((w) => w.code === 'geojson_outside_territory')).toMatchObject({
      share: 0,
      fr: '0 % des objets seulement sont dans la Métropole de Lyon.',
    });
  });

  it('refuses a polygon whose ring is not closed', async () => {
    const open = square(4.85, 45.76).slice(0, 4);
    const r = await inspectBytes(
      'open-ring.geojson',
      collection([
        feature({ type: 'Point', coordinates: [4.85, 45.76] }),
        feature({ coordinates: [open], type: 'Polygon' }),
      ]),
    );
    expect(r.verdict).toBe('invalid');
    expect(r.geojson?.invalidGeometries).toMatchObject({
      count: 1,
      unclosedRings: 1,
      firstFeatures: [1],
    });
    expect(r.reasons.map((m) => m.code)).toEqual(['geojson_invalid_geometries']);
  });

  it('suspects swapped latitude and longitude', async () => {
    const r = await inspectBytes(
      'swapped.geojson',
      collection([feature({ type: 'Point', coordinates: [45.764, 4.8357] })]),
    );
    expect(r.geojson?.swappedCoordinatesSuspected).toBe(1);
    expect(r.warnings.map((w) => w.code)).toContain('geojson_swapped_coordinates');
  });

  it('refuses Lambert-93 coordinates and a root that is not a FeatureCollection', async () => {
    const l93 = await inspectBytes(
      'l93.geojson',
      collection([feature({ type: 'Point', coordinates: [842000, 6519000] })]),
    );
    expect(l93.reasons.map((m) => m.code)).toEqual(['geojson_not_wgs84']);
    const single = await inspectBytes(
      'one.geojson',
      JSON.stringify(feature({ type: 'Point', coordinates: [4.85, 45.76] })),
    );
    expect(single.reasons.map((m) => m.code)).toEqual(['geojson_not_feature_collection']);
    expect(single.geojson?.featureCount).toBe(1);
  });

  it('streams a GeoJSON fed byte by byte like a whole one', async () => {
    const content = Buffer.from(
      collection(
        Array.from({ length: 50 }, (_, i) =>
          feature(
            { type: 'Polygon', coordinates: [square(4.8 + i / 1000, 45.75)] },
            { n: i, s: `é"${i}` },
          ),
        ),
      ),
    );
    const whole = await inspectInChunks('s.geojson', content, content.length);
    const bytewise = await inspectInChunks('s.geojson', content, 1);
    expect(bytewise.geojson).toEqual(whole.geojson);
    expect(whole.geojson?.featureCount).toBe(50);
  });
});

describe('JSON', () => {
  it('reports the top-level shape and array sizes', async () => {
    const r = await inspectBytes(
      'data.json',
      JSON.stringify({ meta: { v: 1 }, items: [1, 2, 3], name: 'x' }),
    );
    expect(r.verdict).toBe('verified');
    expect(r.json).toMatchObject({ topLevel: 'object', maxDepth: 2 });
    expect(r.json?.keys).toEqual([
      { key: 'meta', type: 'object', arrayLength: null },
      { key: 'items', type: 'array', arrayLength: 3 },
      { key: 'name', type: 'string', arrayLength: null },
    ]);
    const arr = await inspectBytes('list.json', '[{"a":1},{"a":2},3.5e2,-0.5,"s",null,true]');
    expect(arr.json).toMatchObject({
      topLevel: 'array',
      arrayLength: 7,
      itemTypes: { object: 2, number: 2, string: 1, null: 1, boolean: 1 },
    });
  });

  it('refuses truncated or malformed JSON with the position of the error', async () => {
    const truncated = await inspectBytes('cut.json', '{"a": [1, 2, 3');
    expect(truncated.verdict).toBe('invalid');
    expect(truncated.reasons[0]).toMatchObject({
      code: 'json_syntax_error',
      detail: 'unexpected end of the file (truncated?)',
    });
    const bad = await inspectBytes('bad.json', '{"a": 1,\n "b": tru}');
    expect(bad.reasons[0]).toMatchObject({ code: 'json_syntax_error', line: 2 });
    const trailing = await inspectBytes('two.json', '{} {}');
    expect(trailing.reasons[0]?.code).toBe('json_syntax_error');
  });
});
