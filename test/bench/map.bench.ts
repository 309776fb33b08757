// Public map benchmark (npm run bench:map): 1 000 000 published observations generated in
// SQL across the communes (BENCH_MAP_COUNT for a quicker run), then the p95 of the
// /api/v1/observations work (query parsing + SQL) for views of 1280 × 800 px at random
// places: city zoom (12) and street zoom (17), without and with filters. Baseline in the
// same process: clustering the same city views on the fly from the rows (no cell counts);
// and, alternating, the days of a date range read from the rows against the day counts.
// Prints a Markdown section (figures and EXPLAIN ANALYZE plans) for docs/benchmarks.md.
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createDb, withDatabase } from '../../db/client';
import type { DB } from '../../db/client';
import type { Database } from '../../db/database';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrateToLatest } from '../../db/migrate';
import { seedObservationCategories } from '../../app/domain/observations/observations.server';
import { observationsInBox, parseMapQuery } from '../../app/domain/observations/map.server';
import type { MapQuery } from '../../app/domain/observations/map.schema';
import { loadTerritories } from '../../app/domain/territories/territories.server';
import { generatePublishedObservations } from '../observations-map/generate';

const COUNT = Number(process.env.BENCH_MAP_COUNT ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const WIDTH = 1280;
const HEIGHT = 800;

/** The lon/lat box of a WIDTH × HEIGHT view centred on a point at a zoom (Web Mercator). */
function view(lon: number, lat: number, zoom: number): string {
  const world = 256 * 2 ** zoom;
  const x = ((lon + 180) / 360) * world;
  const r = (lat * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * world;
  const toLon = (px: number) => (px / world) * 360 - 180;
  const toLat = (py: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * py) / world))) * 180) / Math.PI;
  return [toLon(x - WIDTH / 2), toLat(y + HEIGHT / 2), toLon(x + WIDTH / 2), toLat(y - HEIGHT / 2)].map((v) => v.toFixed(6)).join(',');
}

// Deterministic pseudo-random centres over the dense part of the Métropole.
const centres = Array.from({ length: 97 }, (_, i) => [4.78 + ((i * 0.6180339887) % 1) * 0.16, 45.70 + ((i * 0.7548776662) % 1) * 0.12] as const);
const pct = (a: number[], p: number) => a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)]!;
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function measure(fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await fn(i);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

interface Shape {
  name: string;
  zoom: number;
  filters: Record<string, string>;
}

const today = new Date();
const day = (daysAgo: number) => new Date(today.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const lastDayBefore = (firstOfMonth: string) => new Date(Date.parse(`${firstOfMonth}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
const shapes: Shape[] = [
  { name: 'city zoom 12, no filter', zoom: 12, filters: {} },
  { name: 'city zoom 12, open only', zoom: 12, filters: { status: 'open' } },
  { name: 'city zoom 12, category + open', zoom: 12, filters: { category: 'voirie', status: 'open' } },
  { name: 'city zoom 12, two categories + commune', zoom: 12, filters: { category: 'proprete,bruit', commune: '69123' } },
  { name: 'city zoom 12, date range (whole months)', zoom: 12, filters: { from: `${day(400).slice(0, 7)}-01`, to: lastDayBefore(`${day(40).slice(0, 7)}-01`) } },
  { name: 'city zoom 12, date range (any days: partial months from the day counts)', zoom: 12, filters: { from: day(400), to: day(40) } },
  { name: 'city zoom 12, category + date range (any days)', zoom: 12, filters: { category: 'voirie', from: day(400), to: day(40) } },
  { name: 'neighbourhood zoom 14, no filter', zoom: 14, filters: {} },
  { name: 'neighbourhood zoom 14, date range (any days)', zoom: 14, filters: { from: day(400), to: day(40) } },
  { name: 'street zoom 17, no filter', zoom: 17, filters: {} },
  { name: 'street zoom 17, category + open', zoom: 17, filters: { category: 'voirie', status: 'open' } },
  { name: 'street zoom 17, date range (any days)', zoom: 17, filters: { from: day(400), to: day(40) } },
];

async function main(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const e = await startEmbeddedPostgres({ dataDir: path.resolve('.data/bench-map') });
    adminUrl = e.url;
    stop = e.stop;
  }
  const reuse = process.env.BENCH_REUSE;
  const name = reuse ?? `terridata_bench_map_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  if (!reuse) await admin.query(`create database ${name}`);
  const { db, pool } = createDb(withDatabase(adminUrl, name), 4);
  const say = (l: string) => console.log(l);
  try {
    try {
      await migrateToLatest(pool);
    } catch (e) {
      // A kept database may have run migrations of other areas in another order; measure it as it is.
      if (!reuse) throw e;
      console.warn(`kept database not migrated: ${(e as Error).message.split('\n')[0]}`);
    }
    await loadTerritories(db);
    await seedObservationCategories(db);
    const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]!.v;
    const t0 = performance.now();
    if (!reuse) await generatePublishedObservations(db, { count: COUNT });
    else await sql`vacuum analyze`.execute(db);
    const genS = (performance.now() - t0) / 1000;
    const count = (await sql<{ n: number }>`select count(*)::int as n from observation where listed`.execute(db)).rows[0]!.n;
    const size = (await sql<{ o: string; c: string; n: number; d: string; dn: number }>`select pg_size_pretty(pg_total_relation_size('observation')) as o,
      pg_size_pretty(pg_total_relation_size('observation_cell')) as c, (select count(*)::int from observation_cell) as n,
      pg_size_pretty(pg_total_relation_size('observation_cell_day_all')) as d, (select count(*)::int from observation_cell_day_all) as dn`.execute(db)).rows[0]!;
    say(`- ${count.toLocaleString('en')} published observations ${reuse ? `(kept database, vacuumed in ${genS.toFixed(0)} s)` : `generated in SQL in ${genS.toFixed(0)} s`} (59 communes, 10 categories, 2 years, 30 % resolved), cell counts rebuilt in the same time; observation ${size.o}, observation_cell ${size.c} (${size.n.toLocaleString('en')} rows, zooms 8–15), observation_cell_day_all ${size.d} (${size.dn.toLocaleString('en')} rows, zooms 8–12); PostgreSQL ${version}; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)} at start; views of ${WIDTH} × ${HEIGHT} px at ${centres.length} places, ${RUNS} runs per shape after 10 warm-up runs, one at a time.`);
    say('');
    say('| query shape | p50 | p95 | max | features / observations (first view) |');
    say('|---|---|---|---|---|');

    const parsedShapes: { shape: Shape; qs: MapQuery[] }[] = [];
    for (const shape of shapes) {
      const qs: MapQuery[] = [];
      for (const [lon, lat] of centres) {
        const p = await parseMapQuery(db, { bbox: view(lon, lat, shape.zoom), zoom: String(shape.zoom), ...shape.filters });
        if (!p.success) throw new Error(`bad bench query: ${JSON.stringify(p.error.issues)}`);
        qs.push(p.data);
      }
      parsedShapes.push({ shape, qs });
    }

    // Baseline: the same city views clustered on the fly from the rows (GiST box + group by).
    const naive = (q: MapQuery) =>
      sql`select obs_cell_x(lon, ${q.zoom}) as gx, obs_cell_y(lat, ${q.zoom}) as gy, count(*), avg(lon), avg(lat) from observation
        where listed and point(lon, lat) <@ box(point(${q.bbox[0]}, ${q.bbox[1]}), point(${q.bbox[2]}, ${q.bbox[3]})) group by 1, 2`.execute(db);
    const cityQs = parsedShapes[0]!.qs;
    const base = await measure((i) => naive(cityQs[i % cityQs.length]!));
    const baseFirst = await naive(cityQs[0]!);
    say(`| baseline: city zoom 12 clustered on the fly from the rows (no cell counts) | ${ms(pct(base, 50))} | ${ms(pct(base, 95))} | ${ms(base.at(-1)!)} | ${baseFirst.rows.length} |`);

    const results: { shape: Shape; p95: number }[] = [];
    for (const { shape, qs } of parsedShapes) {
      const first = await observationsInBox(db, qs[0]!);
      const times = await measure((i) => parseMapQuery(db, { bbox: view(...centres[i % centres.length]!, shape.zoom), zoom: String(shape.zoom), ...shape.filters }).then((p) => observationsInBox(db, p.data!)));
      const p95 = pct(times, 95);
      results.push({ shape, p95 });
      say(`| ${shape.name} | ${ms(pct(times, 50))} | ${ms(p95)} | ${ms(times.at(-1)!)} | ${first.features.length} ${first.mode} / ${first.total.toLocaleString('en')} |`);
    }
    const city = results.find((r) => r.shape.zoom === 12)!;
    say('');
    say(`Ratio baseline / cell counts at city zoom (p95): ${(pct(base, 95) / city.p95).toFixed(1)} ×. Target p95 < 50 ms: ${results.every((r) => r.p95 < 50) ? 'met by every shape' : `missed by ${results.filter((r) => r.p95 >= 50).map((r) => r.shape.name).join('; ')}`}.`);

    // The days of partial months: day counts against the rows (the way before the day counts),
    // alternating run by run so both see the same machine.
    const ranged = parsedShapes.find((p) => p.shape.filters.from && p.shape.zoom === 12 && !p.shape.filters.category && !p.shape.name.includes('whole'))!;
    const rowsT: number[] = [];
    const daysT: number[] = [];
    for (let i = 0; i < 10; i++) {
      await observationsInBox(db, ranged.qs[i % ranged.qs.length]!, { dayCounts: false });
      await observationsInBox(db, ranged.qs[i % ranged.qs.length]!);
    }
    for (let i = 0; i < RUNS; i++) {
      const q = ranged.qs[i % ranged.qs.length]!;
      let t = performance.now();
      const a = await observationsInBox(db, q, { dayCounts: false });
      rowsT.push(performance.now() - t);
      t = performance.now();
      const b = await observationsInBox(db, q);
      daysT.push(performance.now() - t);
      if (a.total !== b.total) throw new Error(`day counts and rows disagree: ${b.total} vs ${a.total}`);
    }
    rowsT.sort((x, y) => x - y);
    daysT.sort((x, y) => x - y);
    say('');
    say('| city zoom 12, date range (any days), alternating | p50 | p95 | max |');
    say('|---|---|---|---|');
    say(`| edge days from the rows (before the day counts) | ${ms(pct(rowsT, 50))} | ${ms(pct(rowsT, 95))} | ${ms(rowsT.at(-1)!)} |`);
    say(`| edge days from the day counts | ${ms(pct(daysT, 50))} | ${ms(pct(daysT, 95))} | ${ms(daysT.at(-1)!)} |`);
    say('');
    say(`Ratio rows / day counts (p95): ${(pct(rowsT, 95) / pct(daysT, 95)).toFixed(1)} × (same totals on every view).`);

    // Plans, captured from a logging Kysely instance, for one view of some shapes.
    for (const idx of [0, 2, 4, 5, 6, 8, 10]) {
      const { shape, qs } = parsedShapes[idx]!;
      const captured: { sql: string; parameters: readonly unknown[] }[] = [];
      const logging = new Kysely<Database>({
        dialect: new PostgresDialect({ pool }),
        log: (e) => {
          if (e.level === 'query') captured.push({ sql: e.query.sql, parameters: e.query.parameters });
        },
      });
      await observationsInBox(logging as DB, qs[0]!);
      say('');
      say(`Plan, ${shape.name}, EXPLAIN (ANALYZE, BUFFERS):`);
      // The statements themselves (not the transaction's begin / set local / commit), with
      // the settings the map code gives them (cluster reads run without parallel workers).
      const serial = captured.some((c) => c.sql.includes('max_parallel_workers_per_gather'));
      for (const q of captured.filter((c) => /^\s*(select|with)\b/i.test(c.sql))) {
        const client = await pool.connect();
        let plan;
        try {
          await client.query(`set max_parallel_workers_per_gather = ${serial ? 0 : 2}`);
          plan = await client.query(`explain (analyze, buffers, costs off) ${q.sql}`, q.parameters as unknown[]);
        } finally {
          await client.query('reset max_parallel_workers_per_gather');
          client.release();
        }
        say('');
        say('```');
        say(q.sql.replace(/\s+/g, ' ').trim());
        for (const row of plan.rows as { 'QUERY PLAN': string }[]) say(row['QUERY PLAN']);
        say('```');
      }
    }
  } finally {
    await db.destroy();
    if (process.env.BENCH_KEEP === '1' || reuse) console.log(`kept database ${name}`);
    else await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await stop?.();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
