// Clustering of published observations in SQL: the cluster counts add up to the points in
// the box the grid covers (with and without filters, dates across partial months), the
// points at street zoom are exactly those in the box, never more than 2 000 features, and
// the per-zoom cell counts kept by the triggers stay equal to a rebuild from scratch
// through publication, resolution and retraction.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import { retractContribution } from '../../app/domain/moderation/reports.server';
import { observationsInBox, parseMapQuery } from '../../app/domain/observations/map.server';
import { MAX_FEATURES } from '../../app/domain/observations/map.schema';
import type { Bbox } from '../../app/domain/observations/map.schema';
import { resolveObservations } from '../../app/domain/observations/observations.server';
import { citizen, makeModerator, observe, seedReference } from '../observations/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { generatePublishedObservations } from './generate';

let t: TestDatabase;
let uploadsDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-obs-map-'));
  await seedReference(t.db);
  await generatePublishedObservations(t.db, { count: 8_000 });
});
afterAll(async () => {
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const METROPOLE_VIEW = '4.68,45.55,5.07,45.95';
const LYON_CENTRE = '4.80,45.73,4.88,45.78';

async function query(params: Record<string, string>) {
  const parsed = await parseMapQuery(t.db, params);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return observationsInBox(t.db, parsed.data);
}

/** Published observations in a box, counted on the rows themselves, with the same filters. */
async function countRows(box: Bbox, f: { category?: string; commune?: string; status?: 'open' | 'resolved'; from?: string; to?: string } = {}) {
  const r = await sql<{ n: number }>`select count(*)::int as n from observation o join contribution c on c.id = o.id
    where c.state = 'published' and o.lon between ${box[0]} and ${box[2]} and o.lat between ${box[1]} and ${box[3]}
      and (${f.category ?? null}::text is null or o.category = ${f.category ?? null})
      and (${f.commune ?? null}::text is null or o.commune_code = ${f.commune ?? null})
      and (${f.status ?? null}::text is null or (o.resolved_at is not null) = (${f.status ?? null} = 'resolved'))
      and (${f.from ?? null}::date is null or o.observed_at >= (${f.from ?? null}::date::timestamp at time zone 'Europe/Paris'))
      and (${f.to ?? null}::date is null or o.observed_at < ((${f.to ?? null}::date + 1)::timestamp at time zone 'Europe/Paris'))`.execute(t.db);
  return r.rows[0]!.n;
}

const isoDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe('clusters add up to the points in the box', () => {
  for (const zoom of [5, 9, 11, 12, 13, 15]) {
    it(`zoom ${zoom}, the whole Métropole`, async () => {
      const a = await query({ bbox: METROPOLE_VIEW, zoom: String(zoom) });
      expect(a.mode).toBe('clusters');
      expect(a.total).toBeGreaterThan(0);
      expect(a.total).toBe(a.features.reduce((s, f) => s + (f.properties.kind === 'cluster' ? f.properties.count : 0), 0));
      expect(a.total).toBe(await countRows(a.grid!.coverage));
    });
  }

  it('the grid covers the requested box, and every cluster lies in its cell', async () => {
    const a = await query({ bbox: LYON_CENTRE, zoom: '14' });
    const [w, s, e, n] = a.grid!.coverage;
    expect(w).toBeLessThanOrEqual(4.8);
    expect(s).toBeLessThanOrEqual(45.73);
    expect(e).toBeGreaterThanOrEqual(4.88);
    expect(n).toBeGreaterThanOrEqual(45.78);
    expect(a.features.length).toBeGreaterThan(10);
    for (const f of a.features.slice(0, 12)) {
      if (f.properties.kind !== 'cluster') continue;
      const [bw, bs, be, bn] = f.properties.bounds;
      const [lon, lat] = f.geometry.coordinates;
      expect(lon).toBeGreaterThanOrEqual(bw - 1e-6);
      expect(lon).toBeLessThanOrEqual(be + 1e-6);
      expect(lat).toBeGreaterThanOrEqual(bs - 1e-6);
      expect(lat).toBeLessThanOrEqual(bn + 1e-6);
      expect(await countRows([bw - 1e-7, bs - 1e-7, be + 1e-7, bn + 1e-7])).toBe(f.properties.count);
    }
  });

  it('with filters: category, commune, status', async () => {
    const a = await query({ bbox: METROPOLE_VIEW, zoom: '12', category: 'voirie', status: 'open' });
    expect(a.total).toBe(await countRows(a.grid!.coverage, { category: 'voirie', status: 'open' }));
    const b = await query({ bbox: METROPOLE_VIEW, zoom: '12', commune: '69266', status: 'resolved' });
    expect(b.total).toBeGreaterThan(0);
    expect(b.total).toBe(await countRows(b.grid!.coverage, { commune: '69266', status: 'resolved' }));
    const all = await query({ bbox: METROPOLE_VIEW, zoom: '12' });
    const open = await query({ bbox: METROPOLE_VIEW, zoom: '12', status: 'open' });
    const resolved = await query({ bbox: METROPOLE_VIEW, zoom: '12', status: 'resolved' });
    expect(open.total + resolved.total).toBe(all.total);
  });

  it('with a date range across partial months (counts plus the rows of the partial months)', async () => {
    for (const [from, to] of [
      [isoDay(400), isoDay(35)],
      [isoDay(20), isoDay(5)],
      [`${isoDay(300).slice(0, 7)}-01`, isoDay(100)],
    ] as const) {
      const a = await query({ bbox: METROPOLE_VIEW, zoom: '11', from, to });
      expect(a.total, `${from} → ${to}`).toBe(await countRows(a.grid!.coverage, { from, to }));
      const b = await query({ bbox: LYON_CENTRE, zoom: '14', from, category: 'proprete' });
      expect(b.total).toBe(await countRows(b.grid!.coverage, { from, category: 'proprete' }));
    }
  });

  it('date ranges at city zoom and coarser: the edge days from the day counts, cluster by cluster', async () => {
    const ranges = [
      [isoDay(400), isoDay(35)],
      [isoDay(20), isoDay(5)],
      [isoDay(3), isoDay(3)],
      [`${isoDay(300).slice(0, 7)}-01`, isoDay(100)],
    ] as const;
    for (const [from, to] of ranges) {
      for (const zoom of ['12', '9', '6']) {
        for (const status of [undefined, 'open', 'resolved'] as const) {
          const a = await query({ bbox: METROPOLE_VIEW, zoom, from, to, ...(status ? { status } : {}) });
          expect(a.total, `zoom ${zoom} ${from} → ${to} ${status ?? ''}`).toBe(await countRows(a.grid!.coverage, { from, to, status }));
        }
      }
      // Each cluster holds exactly the observations of its cell in those days.
      const a = await query({ bbox: LYON_CENTRE, zoom: '12', from, to });
      for (const f of a.features.slice(0, 6)) {
        if (f.properties.kind !== 'cluster') continue;
        const [bw, bs, be, bn] = f.properties.bounds;
        expect(await countRows([bw - 1e-7, bs - 1e-7, be + 1e-7, bn + 1e-7], { from, to })).toBe(f.properties.count);
      }
    }
    // Only a start, only an end.
    const since = await query({ bbox: METROPOLE_VIEW, zoom: '12', from: isoDay(50) });
    expect(since.total).toBe(await countRows(since.grid!.coverage, { from: isoDay(50) }));
    const until = await query({ bbox: METROPOLE_VIEW, zoom: '12', to: isoDay(50) });
    expect(until.total).toBe(await countRows(until.grid!.coverage, { to: isoDay(50) }));
    expect(since.total + until.total).toBe((await query({ bbox: METROPOLE_VIEW, zoom: '12' })).total + (await countRows(since.grid!.coverage, { from: isoDay(50), to: isoDay(50) })));
  });

  it('an observation made just before midnight, Paris time, counts on its Paris day', async () => {
    // 23:30 in Paris on a summer day is 21:30 UTC; on a winter day, 22:30 UTC.
    for (const [utc, parisDay] of [
      ['2026-07-14T21:30:00Z', '2026-07-14'],
      ['2026-01-14T22:30:00Z', '2026-01-14'],
    ] as const) {
      const author = await citizen(t.db);
      const m = await makeModerator(t.db);
      const { id } = await observe(t.db, author.user.id, uploadsDir, { category: 'voirie' });
      await sql`update observation set observed_at = ${utc}::timestamptz where id = ${id}`.execute(t.db);
      const claimed = await claimNextContribution(t.db, m, { kind: 'observation' });
      expect(claimed?.id).toBe(id);
      await approveContribution(t.db, m, id);
      const [lon, lat] = (await sql<{ lon: number; lat: number }>`select lon, lat from observation where id = ${id}`.execute(t.db)).rows.map((r) => [r.lon, r.lat])[0]!;
      const box = `${lon! - 0.05},${lat! - 0.05},${lon! + 0.05},${lat! + 0.05}`;
      const on = await query({ bbox: box, zoom: '12', from: parisDay, to: parisDay });
      const next = new Date(Date.parse(`${parisDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      const after = await query({ bbox: box, zoom: '12', from: next, to: next });
      expect(on.total).toBe(await countRows(on.grid!.coverage, { from: parisDay, to: parisDay }));
      expect(on.total).toBeGreaterThanOrEqual(1);
      expect(after.total).toBe(await countRows(after.grid!.coverage, { from: next, to: next }));
      const pointsOn = await query({ bbox: `${lon! - 0.0005},${lat! - 0.0005},${lon! + 0.0005},${lat! + 0.0005}`, zoom: '18', from: parisDay, to: parisDay });
      expect(pointsOn.features.some((f) => f.properties.kind === 'observation' && f.properties.id === id)).toBe(true);
    }
  });
});

describe('street zoom and limits', () => {
  it('at zoom 17 the answer is the points in the box, exactly', async () => {
    const box: Bbox = [4.83, 45.76, 4.845, 45.77];
    const a = await query({ bbox: box.join(','), zoom: '17' });
    expect(a.mode).toBe('points');
    expect(a.total).toBe(await countRows(box));
    for (const f of a.features) {
      expect(f.properties.kind).toBe('observation');
      const [lon, lat] = f.geometry.coordinates;
      expect(lon >= box[0] && lon <= box[2] && lat >= box[1] && lat <= box[3]).toBe(true);
    }
  });

  it('more than 2 000 points at street zoom: clusters on the fine grid instead', async () => {
    const a = await query({ bbox: '4.75,45.70,4.95,45.82', zoom: '16' });
    expect(a.mode).toBe('clusters');
    expect(a.features.length).toBeLessThanOrEqual(MAX_FEATURES);
    expect(a.total).toBe(await countRows(a.grid!.coverage));
  });

  it('never more than 2 000 features, even for the whole world at zoom 20', async () => {
    const a = await query({ bbox: '-180,-90,180,90', zoom: '20' });
    expect(a.features.length).toBeLessThanOrEqual(MAX_FEATURES);
    expect(a.total).toBeGreaterThanOrEqual(8_000);
    expect(a.total).toBe(await countRows([-180, -90, 180, 90]));
  });
});

describe('the cell counts follow the observations (triggers)', () => {
  const snapshot = async () =>
    (
      await sql<{ k: string }>`select (select string_agg(zoom||':'||cx||':'||cy||':'||category||':'||commune_code||':'||resolved||':'||n, ',' order by zoom, cx, cy, category, commune_code, resolved)
          from observation_cell where n <> 0) || ' / ' ||
        (select string_agg(zoom||':'||cx||':'||cy||':'||month||':'||category||':'||commune_code||':'||resolved||':'||n, ',' order by zoom, cx, cy, month, category, commune_code, resolved)
          from observation_cell_month where n <> 0) || ' / ' ||
        (select string_agg(zoom||':'||cx||':'||cy||':'||resolved||':'||n, ',' order by zoom, cx, cy, resolved)
          from observation_cell_all where n <> 0) || ' / ' ||
        (select string_agg(zoom||':'||cx||':'||cy||':'||month||':'||resolved||':'||n, ',' order by zoom, cx, cy, month, resolved)
          from observation_cell_month_all where n <> 0) || ' / ' ||
        (select string_agg(zoom||':'||day||':'||cx||':'||cy||':'||resolved||':'||n, ',' order by zoom, day, cx, cy, resolved)
          from observation_cell_day_all where n <> 0) as k`.execute(t.db)
    ).rows[0]!.k;

  async function cellsEqualRebuild() {
    const before = await snapshot();
    await sql`select rebuild_observation_cells()`.execute(t.db);
    expect(before).toBe(await snapshot());
  }

  it('a new observation appears once approved, moves when resolved, disappears when retracted', async () => {
    const box = '4.8350,45.7670,4.8365,45.7682';
    const base = await query({ bbox: box, zoom: '18' });
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir, { category: 'mobilier_urbain' });
    expect((await query({ bbox: box, zoom: '18' })).total).toBe(base.total);

    const m = await makeModerator(t.db);
    const claimed = await claimNextContribution(t.db, m, { kind: 'observation' });
    expect(claimed?.id).toBe(id);
    await approveContribution(t.db, m, id);
    const shown = await query({ bbox: box, zoom: '18' });
    expect(shown.total).toBe(base.total + 1);
    expect(shown.features.some((f) => f.properties.kind === 'observation' && f.properties.id === id)).toBe(true);
    const city = await query({ bbox: METROPOLE_VIEW, zoom: '12', category: 'mobilier_urbain', status: 'open' });
    expect(city.total).toBe(await countRows(city.grid!.coverage, { category: 'mobilier_urbain', status: 'open' }));
    await cellsEqualRebuild();

    const m2 = await makeModerator(t.db);
    expect((await resolveObservations(t.db, m2, [id]))[0]!.outcome).toBe('done');
    const resolved = await query({ bbox: METROPOLE_VIEW, zoom: '12', category: 'mobilier_urbain', status: 'resolved' });
    expect(resolved.total).toBe(await countRows(resolved.grid!.coverage, { category: 'mobilier_urbain', status: 'resolved' }));
    await cellsEqualRebuild();

    await t.db.transaction().execute((trx) => retractContribution(trx, m2.id, id, 'Photo d’une personne reconnaissable'));
    const gone = await query({ bbox: box, zoom: '18' });
    expect(gone.total).toBe(base.total);
    expect(gone.features.some((f) => f.properties.kind === 'observation' && f.properties.id === id)).toBe(false);
    await cellsEqualRebuild();
  });
});
