import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Measured (bench:map, 1 000 000 observations, quiet machine): a date range that cuts months
// at city zoom took p95 57 ms, because the days at both ends (up to a month each) were read
// from the observation rows (~22 000 index entries, each placed in its cell with ln/tan on
// the fly). Day counts per cell (without category and commune, as observation_cell_month_all)
// serve those days at the coarse zooms 8–12, where a view covers most of the territory.
// Keyed by day first: the edge days of a range are one contiguous index range per zoom.
// The finer zooms 13–15 keep reading the rows (a view there holds few of them; day counts at
// those zooms would be about one row per observation).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function obs_day(t timestamptz) returns date language sql immutable parallel safe as
    $$ select (t at time zone 'Europe/Paris')::date $$`.execute(db);
  await sql`create table observation_cell_day_all (
    zoom int2 not null,
    day date not null,
    cx int4 not null,
    cy int4 not null,
    resolved boolean not null,
    n int4 not null,
    sum_lon float8 not null,
    sum_lat float8 not null,
    constraint observation_cell_day_all_pkey primary key (zoom, day, cx, cy, resolved) include (n, sum_lon, sum_lat)
  )`.execute(db);

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
    insert into observation_cell_day_all as c (zoom, day, cx, cy, resolved, n, sum_lon, sum_lat)
    select z, obs_day(o.observed_at), obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 12) z
    on conflict (zoom, day, cx, cy, resolved) do update
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
    truncate observation_cell_month, observation_cell_month_all, observation_cell_day_all, observation_cell, observation_cell_all;
    insert into observation_cell_month (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 15) z
    where o.listed
    group by 1, 2, 3, 4, 5, 6, 7;
    insert into observation_cell_day_all (zoom, day, cx, cy, resolved, n, sum_lon, sum_lat)
    select z, obs_day(o.observed_at), obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 12) z
    where o.listed
    group by 1, 2, 3, 4, 5;
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

  await sql`insert into observation_cell_day_all (zoom, day, cx, cy, resolved, n, sum_lon, sum_lat)
    select z, obs_day(o.observed_at), obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 12) z
    where o.listed
    group by 1, 2, 3, 4, 5`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
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
  await sql`drop table observation_cell_day_all`.execute(db);
  await sql`drop function obs_day(timestamptz)`.execute(db);
}
