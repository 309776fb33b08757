// Territories: the 58 communes from the project's data file, "which commune contains this
// point", and the idempotent loader into the territory table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  communeAt,
  communes,
  loadTerritories,
  listTerritories,
  polygonContains,
  METROPOLE,
} from '../../app/domain/territories/territories.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('communeAt (point in polygon)', () => {
  it('finds the commune of well-known places', () => {
    expect(communeAt(4.8357, 45.7676)).toEqual({ code: '69123', name: 'Lyon' }); // Hôtel de Ville
    expect(communeAt(4.8799, 45.7665)).toEqual({ code: '69266', name: 'Villeurbanne' });
    expect(communeAt(4.886, 45.697)?.code).toBe('69259'); // Vénissieux
    expect(communeAt(4.8089, 45.8333)?.code).toBe('69191'); // Saint-Cyr-au-Mont-d'Or
  });

  it('answers null outside the Métropole and for nonsense', () => {
    expect(communeAt(2.35, 48.85)).toBeNull(); // Paris
    expect(communeAt(4.75, 45.95)).toBeNull(); // north of the Métropole
    expect(communeAt(Number.NaN, 45.7)).toBeNull();
  });

  it('respects holes and edges of a polygon', () => {
    const square: [number, number][][] = [
      [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
        [0, 0],
      ],
      [
        [4, 4],
        [6, 4],
        [6, 6],
        [4, 6],
        [4, 4],
      ],
    ];
    expect(polygonContains(square, 1, 1)).toBe(true);
    expect(polygonContains(square, 5, 5)).toBe(false); // in the hole
    expect(polygonContains(square, 11, 5)).toBe(false);
  });

  it('every commune contains a point of its own interior, and only one commune does', () => {
    // The centre of the bounding box is not always inside: use the vertex average, check it lands somewhere sensible.
    expect(communes()).toHaveLength(58);
    let found = 0;
    for (const c of communes()) {
      const ring =
        c.geometry.type === 'Polygon' ? c.geometry.coordinates[0]! : c.geometry.coordinates[0]![0]!;
      const [x, y] = ring.reduce(
        ([ax, ay], [bx, by]) => [ax + bx / ring.length, ay + by / ring.length],
        [0, 0],
      );
      const at = communeAt(x, y);
      if (at?.code === c.code) found++;
    }
    expect(found).toBeGreaterThan(50);
  });
});

describe('territory table', () => {
  it('loads the Métropole and its 58 communes, idempotently', async () => {
    expect(await loadTerritories(t.db)).toBe(59);
    expect(await loadTerritories(t.db)).toBe(59);
    const rows = await t.db
      .selectFrom('territory')
      .select(['code', 'kind', 'parent_code', 'name'])
      .execute();
    expect(rows).toHaveLength(59);
    expect(
      rows.filter((r) => r.kind === 'commune').every((r) => r.parent_code === METROPOLE.code),
    ).toBe(true);
    const lyon = await t.db
      .selectFrom('territory')
      .selectAll()
      .where('code', '=', '69123')
      .executeTakeFirstOrThrow();
    expect(lyon.postal_codes).toContain('69001');
    expect(lyon.bbox).toHaveLength(4);
    const list = await listTerritories(t.db);
    expect(list[0]).toMatchObject({ code: METROPOLE.code, kind: 'metropole' });
  });
});
