import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Measured (bench:map, 1 000 000 observations): a date range at city zoom read ~66 000 rows
// of observation_cell_month (month × category × commune × status per cell). Month counts
// without category and commune (zoom, cell, month, status) serve date ranges without those
// filters with a few thousand rows per view, as observation_cell_all does without dates.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('observation_cell_month_all')
    .addColumn('zoom', 'int2', (c) => c.notNull())
    .addColumn('cx', 'int4', (c) => c.notNull())
    .addColumn('cy', 'int4', (c) => c.notNull())
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('resolved', 'boolean', (c) => c.notNull())
    .addColumn('n', 'int4', (c) => c.notNull())
    .addColumn('sum_lon', 'float8', (c) => c.notNull())
    .addColumn('sum_lat', 'float8', (c) => c.notNull())
    .addPrimaryKeyConstraint('observation_cell_month_all_pkey', ['zoom', 'cx', 'cy', 'month', 'resolved'])
    .execute();

  await sql`create or replace function observation_cell_add(o observation, sign int) returns void language sql as $$
    insert into observation_cell_month as c (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, month, category, commune_code, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;
    insert into observation_cell_month_all as c (zoom, cx, cy, month, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, month, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;
    insert into observation_cell as c (zoom, cx, cy, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), o.category, o.commune_code,
           o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, category, commune_code, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;
    insert into observation_cell_all as c (zoom, cx, cy, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat
  $$`.execute(db);

  await sql`create or replace function rebuild_observation_cells() returns void language sql as $$
    truncate observation_cell_month, observation_cell_month_all, observation_cell, observation_cell_all;
    insert into observation_cell_month (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 15) z
    where o.listed
    group by 1, 2, 3, 4, 5, 6, 7;
    insert into observation_cell_month_all (zoom, cx, cy, month, resolved, n, sum_lon, sum_lat)
    select zoom, cx, cy, month, resolved, sum(n), sum(sum_lon), sum(sum_lat)
    from observation_cell_month
    group by 1, 2, 3, 4, 5;
    insert into observation_cell (zoom, cx, cy, category, commune_code, resolved, n, sum_lon, sum_lat)
    select zoom, cx, cy, category, commune_code, resolved, sum(n), sum(sum_lon), sum(sum_lat)
    from observation_cell_month
    group by 1, 2, 3, 4, 5, 6;
    insert into observation_cell_all (zoom, cx, cy, resolved, n, sum_lon, sum_lat)
    select zoom, cx, cy, resolved, sum(n), sum(sum_lon), sum(sum_lat)
    from observation_cell
    group by 1, 2, 3, 4
  $$`.execute(db);
  await sql`insert into observation_cell_month_all (zoom, cx, cy, month, resolved, n, sum_lon, sum_lat)
    select zoom, cx, cy, month, resolved, sum(n), sum(sum_lon), sum(sum_lat)
    from observation_cell_month group by 1, 2, 3, 4, 5`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create or replace function observation_cell_add(o observation, sign int) returns void language sql as $$
    insert into observation_cell_month as c (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, month, category, commune_code, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;
    insert into observation_cell as c (zoom, cx, cy, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), o.category, o.commune_code,
           o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, category, commune_code, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;
    insert into observation_cell_all as c (zoom, cx, cy, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat
  $$`.execute(db);
  await sql`create or replace function rebuild_observation_cells() returns void language sql as $$
    truncate observation_cell_month, observation_cell, observation_cell_all;
    insert into observation_cell_month (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 15) z
    where o.listed
    group by 1, 2, 3, 4, 5, 6, 7;
    insert into observation_cell (zoom, cx, cy, category, commune_code, resolved, n, sum_lon, sum_lat)
    select zoom, cx, cy, category, commune_code, resolved, sum(n), sum(sum_lon), sum(sum_lat)
    from observation_cell_month
    group by 1, 2, 3, 4, 5, 6;
    insert into observation_cell_all (zoom, cx, cy, resolved, n, sum_lon, sum_lat)
    select zoom, cx, cy, resolved, sum(n), sum(sum_lon), sum(sum_lat)
    from observation_cell
    group by 1, 2, 3, 4
  $$`.execute(db);
  await db.schema.dropTable('observation_cell_month_all').execute();
}
