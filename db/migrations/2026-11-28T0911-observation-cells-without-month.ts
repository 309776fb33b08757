import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Measured (bench:map): with the month among its keys, observation_cell holds about as many
// rows per view as there are months × categories × statuses, so a view without a date
// filter read tens of thousands of rows. The month-keyed counts become
// observation_cell_month (used only when a date range is asked), and observation_cell
// keeps the counts without the month (category, commune, open/resolved): a few thousand
// rows per view. Both kept by the same trigger, rebuilt by the same function.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table observation_cell rename to observation_cell_month`.execute(db);
  await sql`alter table observation_cell_month rename constraint observation_cell_pkey to observation_cell_month_pkey`.execute(db);
  await db.schema
    .createTable('observation_cell')
    .addColumn('zoom', 'int2', (c) => c.notNull())
    .addColumn('cx', 'int4', (c) => c.notNull())
    .addColumn('cy', 'int4', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('commune_code', 'text', (c) => c.notNull())
    .addColumn('resolved', 'boolean', (c) => c.notNull())
    .addColumn('n', 'int4', (c) => c.notNull())
    .addColumn('sum_lon', 'float8', (c) => c.notNull())
    .addColumn('sum_lat', 'float8', (c) => c.notNull())
    .addPrimaryKeyConstraint('observation_cell_pkey', ['zoom', 'cx', 'cy', 'category', 'commune_code', 'resolved'])
    .execute();

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
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat
  $$`.execute(db);

  await sql`create or replace function rebuild_observation_cells() returns void language sql as $$
    truncate observation_cell_month, observation_cell;
    insert into observation_cell_month (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 15) z
    where o.listed
    group by 1, 2, 3, 4, 5, 6, 7;
    insert into observation_cell (zoom, cx, cy, category, commune_code, resolved, n, sum_lon, sum_lat)
    select zoom, cx, cy, category, commune_code, resolved, sum(n), sum(sum_lon), sum(sum_lat)
    from observation_cell_month
    group by 1, 2, 3, 4, 5, 6
  $$`.execute(db);
  await sql`select rebuild_observation_cells()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create or replace function observation_cell_add(o observation, sign int) returns void language sql as $$
    insert into observation_cell_month as c (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, month, category, commune_code, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat
  $$`.execute(db);
  await db.schema.dropTable('observation_cell').execute();
  await sql`alter table observation_cell_month rename constraint observation_cell_month_pkey to observation_cell_pkey`.execute(db);
  await sql`alter table observation_cell_month rename to observation_cell`.execute(db);
  await sql`create or replace function rebuild_observation_cells() returns void language sql as $$
    truncate observation_cell;
    insert into observation_cell (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 15) z
    where o.listed
    group by 1, 2, 3, 4, 5, 6, 7
  $$`.execute(db);
}
