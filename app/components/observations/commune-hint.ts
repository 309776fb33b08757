// Which commune a point falls in, from the outlines the page already has: an instant hint
// under the map while the point moves (the server decides on submission).
type Ring = [number, number][];

function ringContains(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The commune under a point, from the outlines the page has (a hint: the server decides). */
export function communeFromOutlines(outlines: { features: unknown[] }, lon: number, lat: number): string | null {
  for (const f of outlines.features as { properties: { name: string }; geometry: { type: string; coordinates: unknown } }[]) {
    const polys = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as Ring[][];
    if (polys.some(([outer, ...holes]) => outer && ringContains(outer, lon, lat) && !holes.some((h) => ringContains(h, lon, lat)))) return f.properties.name;
  }
  return null;
}
