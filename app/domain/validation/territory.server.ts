// Point-in-Métropole test for the GeoJSON report, against the communes' boundaries that the
// territories area ships (app/domain/territories/metropole-lyon-communes.geojson).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Ring = number[][];
interface Polygon {
  rings: Ring[];
  bbox: [number, number, number, number];
}

export interface Territory {
  name: string;
  bbox: [number, number, number, number];
  contains(lon: number, lat: number): boolean;
}

const FILE = 'metropole-lyon-communes.geojson';

function locate(): string | null {
  // From source (tsx, vitest) the file sits next to this area; from a bundle, cwd is the project root.
  const candidates = [
    fileURLToPath(new URL(`../territories/${FILE}`, import.meta.url)),
    `${process.cwd()}/app/domain/territories/${FILE}`,
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

function ringContains(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i]![0]!;
    const yi = ring[i]![1]!;
    const xj = ring[j]![0]!;
    const yj = ring[j]![1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

let cached: Territory | null | undefined;

/** The Métropole de Lyon, or null when the boundaries file is missing (the report then says so). */
export function metropoleDeLyon(): Territory | null {
  if (cached !== undefined) return cached;
  const path = locate();
  if (path === null) return (cached = null);
  const fc = JSON.parse(readFileSync(path, 'utf8')) as {
    features: Array<{ geometry: { type: string; coordinates: unknown } }>;
  };
  const polygons: Polygon[] = [];
  for (const f of fc.features) {
    const g = f.geometry;
    const list = (
      g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
    ) as Ring[][];
    for (const rings of list) {
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (const [x, y] of rings[0] ?? []) {
        minX = Math.min(minX, x!);
        maxX = Math.max(maxX, x!);
        minY = Math.min(minY, y!);
        maxY = Math.max(maxY, y!);
      }
      polygons.push({ rings, bbox: [minX, minY, maxX, maxY] });
    }
  }
  const bbox: [number, number, number, number] = [
    Math.min(...polygons.map((p) => p.bbox[0])),
    Math.min(...polygons.map((p) => p.bbox[1])),
    Math.max(...polygons.map((p) => p.bbox[2])),
    Math.max(...polygons.map((p) => p.bbox[3])),
  ];
  cached = {
    name: 'Métropole de Lyon',
    bbox,
    contains(x, y) {
      if (x < bbox[0] || x > bbox[2] || y < bbox[1] || y > bbox[3]) return false;
      for (const p of polygons) {
        if (x < p.bbox[0] || x > p.bbox[2] || y < p.bbox[1] || y > p.bbox[3]) continue;
        if (!ringContains(p.rings[0]!, x, y)) continue;
        if (p.rings.slice(1).some((hole) => ringContains(hole, x, y))) continue;
        return true;
      }
      return false;
    },
  };
  return cached;
}
