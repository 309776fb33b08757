// Point in commune, as observations use it: on the real boundaries shipped with the app
// (points a metre or less either side of shared boundaries, points on the Saône and the
// Rhône, which the boundaries follow in places), and on synthetic polygons with a hole and
// an enclave (the shipped boundaries have none).
import { describe, expect, it } from 'vitest';
import { communeAt, communes, geometryContains, polygonContains } from '../../app/domain/territories/territories.server';
import type { Commune } from '../../app/domain/territories/territories.server';

const byName = (name: string) => communes().find((c) => c.name === name)!;
const containing = (lon: number, lat: number) => communes().filter((c) => geometryContains(c.geometry, lon, lat)).map((c) => c.name);
const rings = (c: Commune) => (c.geometry.type === 'Polygon' ? [c.geometry.coordinates[0]!] : c.geometry.coordinates.map((p) => p[0]!));

/** Edges (as pairs of vertices) that two communes' outer rings share. */
function sharedEdges(a: Commune, b: Commune): [[number, number], [number, number]][] {
  const key = (p: [number, number]) => `${p[0]},${p[1]}`;
  const inB = new Set(rings(b).flat().map(key));
  const out: [[number, number], [number, number]][] = [];
  for (const r of rings(a)) for (let i = 0; i < r.length - 1; i++) if (inB.has(key(r[i]!)) && inB.has(key(r[i + 1]!))) out.push([r[i]!, r[i + 1]!]);
  return out;
}

describe('communeAt on the real boundaries', () => {
  it.each([
    ['Lyon', 'Villeurbanne'],
    ['Lyon', 'Caluire-et-Cuire'],
    ['Villeurbanne', 'Vaulx-en-Velin'],
    ['Lyon', 'Vénissieux'],
  ])('a metre either side of the %s / %s boundary lands in the right commune, and in one only', (a, b) => {
    const A = byName(a);
    const B = byName(b);
    const edges = sharedEdges(A, B);
    expect(edges.length).toBeGreaterThan(3);
    let checked = 0;
    for (const [[x1, y1], [x2, y2]] of edges) {
      const len = Math.hypot(x2 - x1, y2 - y1);
      if (len < 1e-4) continue; // too short to have two sides a metre apart
      const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2];
      // A normal of about a metre (1e-5 degree) each way.
      const [nx, ny] = [(-(y2 - y1) / len) * 1e-5, ((x2 - x1) / len) * 1e-5];
      const sides = [containing(mx + nx, my + ny), containing(mx - nx, my - ny)];
      expect(sides.every((s) => s.length === 1)).toBe(true);
      expect(sides.map((s) => s[0]).sort()).toEqual([a, b].sort());
      expect([communeAt(mx + nx, my + ny)?.name, communeAt(mx - nx, my - ny)?.name].sort()).toEqual([a, b].sort());
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it.each([
    ['the Saône at the Pont Bonaparte', 4.827, 45.7585, 'Lyon'],
    ['the Rhône at the Pont de la Guillotière', 4.8395, 45.756, 'Lyon'],
    ['the Saône at the Île Barbe', 4.8325, 45.796, 'Caluire-et-Cuire'],
    ['the Rhône at the Pont Poincaré', 4.8655, 45.7835, 'Villeurbanne'],
    ['the Saône at Couzon', 4.825, 45.845, 'Couzon-au-Mont-d’Or'],
    ['the Rhône at Pierre-Bénite', 4.8215, 45.7, 'Oullins-Pierre-Bénite'],
  ])('a point at %s (coordinates read off a map) is in exactly one commune', (_where, lon, lat, name) => {
    const found = containing(lon, lat);
    expect(found).toHaveLength(1);
    expect(found[0]!.replace("'", '’')).toBe(name);
    expect(communeAt(lon, lat)?.name.replace("'", '’')).toBe(name);
  });

  it('refuses (0, 0), the poles, Paris and points just outside the Métropole', () => {
    expect(communeAt(0, 0)).toBeNull();
    expect(communeAt(4.84, 90)).toBeNull();
    expect(communeAt(2.3522, 48.8566)).toBeNull();
    const all = communes().map((c) => c.bbox);
    const east = Math.max(...all.map((b) => b[2]));
    expect(communeAt(east + 0.001, 45.76)).toBeNull();
    expect(communeAt(Number.POSITIVE_INFINITY, 45.76)).toBeNull();
  });
});

describe('point in polygon on synthetic shapes', () => {
  // A 10 × 10 square with a 2 × 2 hole in the middle (GeoJSON: outer ring, then holes).
  const withHole: [number, number][][] = [
    [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
    ],
    [
      [4, 4],
      [4, 6],
      [6, 6],
      [6, 4],
      [4, 4],
    ],
  ];

  it('is inside the outer ring and outside the hole', () => {
    expect(polygonContains(withHole, 1, 1)).toBe(true);
    expect(polygonContains(withHole, 9.999, 9.999)).toBe(true);
    expect(polygonContains(withHole, 5, 5)).toBe(false); // in the hole
    expect(polygonContains(withHole, 4.001, 5)).toBe(false); // just inside the hole
    expect(polygonContains(withHole, 3.999, 5)).toBe(true); // just outside the hole
    expect(polygonContains(withHole, 10.001, 5)).toBe(false);
    expect(polygonContains(withHole, -1, 5)).toBe(false);
  });

  it('an enclave in the hole (a MultiPolygon of the other commune) takes the point', () => {
    const outer = { type: 'Polygon' as const, coordinates: withHole };
    const enclave = {
      type: 'MultiPolygon' as const,
      coordinates: [
        [
          [
            [4, 4],
            [6, 4],
            [6, 6],
            [4, 6],
            [4, 4],
          ],
        ],
        [
          [
            [20, 20],
            [21, 20],
            [21, 21],
            [20, 20],
          ],
        ],
      ] as [number, number][][][],
    };
    expect([geometryContains(outer, 5, 5), geometryContains(enclave, 5, 5)]).toEqual([false, true]);
    expect([geometryContains(outer, 2, 2), geometryContains(enclave, 2, 2)]).toEqual([true, false]);
    expect(geometryContains(enclave, 20.8, 20.2)).toBe(true);
  });

  it('a hole drawn clockwise or anticlockwise is a hole all the same', () => {
    const reversed: [number, number][][] = [withHole[0]!, [...withHole[1]!].reverse()];
    expect(polygonContains(reversed, 5, 5)).toBe(false);
    expect(polygonContains(reversed, 1, 1)).toBe(true);
  });
});
