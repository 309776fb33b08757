import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Observations at scale (no PostGIS: plain SQL, see docs/decisions/010-observation-clusters.md).
// - observation.listed mirrors "its contribution is published" (kept by a trigger on
//   contribution), so map queries never join contribution.
// - A GiST index on point(lon, lat) serves bounding boxes at street zoom.
// - observation_cell: counts (and coordinate sums, for cluster centroids) of listed
//   observations per Web-Mercator grid cell of 64 px at zooms 8..15, per month, category,
//   commune and open/resolved; kept current by a trigger in the same transaction as the
//   change; rebuilt in one statement by rebuild_observation_cells() (bulk loads, checks).
// - observation_export_state: which categories changed since their open-data export was
//   generated (marked by a trigger, cleared by the export job).
export async function up(db: Kysely<any>): Promise<void> {
  // Normalised Web-Mercator coordinates and the 64-px cell at a zoom (tile level zoom + 2).
  await sql`create function obs_cell_x(lon float8, zoom int) returns int language sql immutable parallel safe as
    $$ select least(floor((lon + 180) / 360 * (1 << (zoom + 2)))::int, (1 << (zoom + 2)) - 1) $$`.execute(db);
  await sql`create function obs_cell_y(lat float8, zoom int) returns int language sql immutable parallel safe as
    $$ select least(greatest(floor((1 - ln(tan(radians(least(greatest(lat, -85.0511), 85.0511)))
                 + 1 / cos(radians(least(greatest(lat, -85.0511), 85.0511)))) / pi()) / 2 * (1 << (zoom + 2)))::int, 0),
                    (1 << (zoom + 2)) - 1) $$`.execute(db);
  await sql`create function obs_month(t timestamptz) returns date language sql immutable parallel safe as
    $$ select date_trunc('month', t at time zone 'Europe/Paris')::date $$`.execute(db);

  await db.schema
    .alterTable('observation')
    .addColumn('listed', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update observation o set listed = true from contribution c where c.id = o.id and c.state = 'published'`.execute(db);

  await sql`create function observation_listed_sync() returns trigger language plpgsql as $$
    begin
      if new.kind = 'observation' and new.state is distinct from old.state then
        update observation set listed = (new.state = 'published')
        where id = new.id and listed is distinct from (new.state = 'published');
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger observation_listed_sync after update of state on contribution
    for each row execute function observation_listed_sync()`.execute(db);

  await sql`create index observation_point_idx on observation using gist (point(lon, lat)) where listed`.execute(db);
  await sql`create index observation_listed_observed_idx on observation (observed_at desc) where listed`.execute(db);

  await db.schema
    .createTable('observation_cell')
    .addColumn('zoom', 'int2', (c) => c.notNull())
    .addColumn('cx', 'int4', (c) => c.notNull())
    .addColumn('cy', 'int4', (c) => c.notNull())
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('commune_code', 'text', (c) => c.notNull())
    .addColumn('resolved', 'boolean', (c) => c.notNull())
    .addColumn('n', 'int4', (c) => c.notNull())
    .addColumn('sum_lon', 'float8', (c) => c.notNull())
    .addColumn('sum_lat', 'float8', (c) => c.notNull())
    .addPrimaryKeyConstraint('observation_cell_pkey', ['zoom', 'cx', 'cy', 'month', 'category', 'commune_code', 'resolved'])
    .execute();

  await sql`create function observation_cell_add(o observation, sign int) returns void language sql as $$
    insert into observation_cell as c (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, sign, sign * o.lon, sign * o.lat
    from generate_series(8, 15) z
    on conflict (zoom, cx, cy, month, category, commune_code, resolved) do update
      set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat
  $$`.execute(db);

  await sql`create function observation_cell_sync() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.listed = old.listed and new.lon = old.lon and new.lat = old.lat
         and new.category = old.category and new.commune_code = old.commune_code and new.observed_at = old.observed_at
         and (new.resolved_at is null) = (old.resolved_at is null) then
        return null;
      end if;
      if tg_op in ('UPDATE', 'DELETE') and old.listed then
        perform observation_cell_add(old, -1);
        insert into observation_export_state (category, changed_at) values (old.category, now())
          on conflict (category) do update set changed_at = now();
      end if;
      if tg_op in ('UPDATE', 'INSERT') and new.listed then
        perform observation_cell_add(new, 1);
        insert into observation_export_state (category, changed_at) values (new.category, now())
          on conflict (category) do update set changed_at = now();
      end if;
      return null;
    end $$`.execute(db);

  await db.schema
    .createTable('observation_export_state')
    .addColumn('category', 'text', (c) => c.primaryKey())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('generated_at', 'timestamptz')
    .addColumn('dataset_id', 'uuid', (c) => c.references('dataset.id'))
    .execute();

  await sql`create trigger observation_cell_sync after insert or update or delete on observation
    for each row execute function observation_cell_sync()`.execute(db);

  // The whole table from the observations, in one statement (bulk loads, verification).
  await sql`create function rebuild_observation_cells() returns void language sql as $$
    truncate observation_cell;
    insert into observation_cell (zoom, cx, cy, month, category, commune_code, resolved, n, sum_lon, sum_lat)
    select z, obs_cell_x(o.lon, z), obs_cell_y(o.lat, z), obs_month(o.observed_at), o.category, o.commune_code,
           o.resolved_at is not null, count(*), sum(o.lon), sum(o.lat)
    from observation o cross join generate_series(8, 15) z
    where o.listed
    group by 1, 2, 3, 4, 5, 6, 7
  $$`.execute(db);
  await sql`select rebuild_observation_cells()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger observation_cell_sync on observation`.execute(db);
  await sql`drop trigger observation_listed_sync on contribution`.execute(db);
  await sql`drop function rebuild_observation_cells()`.execute(db);
  await sql`drop function observation_cell_sync()`.execute(db);
  await sql`drop function observation_cell_add(observation, int)`.execute(db);
  await sql`drop function observation_listed_sync()`.execute(db);
  await db.schema.dropTable('observation_export_state').execute();
  await db.schema.dropTable('observation_cell').execute();
  await sql`drop index observation_point_idx`.execute(db);
  await sql`drop index observation_listed_observed_idx`.execute(db);
  await db.schema.alterTable('observation').dropColumn('listed').execute();
  await sql`drop function obs_month(timestamptz)`.execute(db);
  await sql`drop function obs_cell_y(float8, int)`.execute(db);
  await sql`drop function obs_cell_x(float8, int)`.execute(db);
}
