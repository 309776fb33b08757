// Compares a JSON value's shape (keys, JSON types, nesting) to a fixture's: every key of
// the fixture must be present with the same type; a null in the fixture allows a string or
// null; an array's items are compared with the fixture's first item.
export function shapeErrors(fixture: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const fk = kind(fixture);
  const ak = kind(actual);
  if (fk === 'null')
    return ak === 'null' || ak === 'string' ? [] : [`${path}: expected string or null, got ${ak}`];
  if (fk !== ak) return [`${path}: expected ${fk}, got ${ak}`];
  if (fk === 'array') {
    const item = (fixture as unknown[])[0];
    if (item === undefined) return [];
    return (actual as unknown[]).flatMap((a, i) => shapeErrors(item, a, `${path}[${i}]`));
  }
  if (fk === 'object') {
    const f = fixture as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    return Object.keys(f).flatMap((k) =>
      k in a ? shapeErrors(f[k], a[k], `${path}.${k}`) : [`${path}.${k}: missing`],
    );
  }
  return [];
}
