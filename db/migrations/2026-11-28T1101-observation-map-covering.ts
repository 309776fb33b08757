import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Measured (bench:map, 1 000 000 observations; plans in docs/benchmarks.md): date ranges
// still read table pages where an index could answer alone.
// - observation_cell_month_all was read through its primary key, then the table for the
//   counts: a covering index answers from the index (index-only once vacuumed).
// - With a category, observation_cell_month was read through its primary key (category is
//   its 5th column): an index led by the category, covering, reads that category's rows only.
// - With a category, the days of partial months scanned every observation of those days:
//   a covering index on (category, observed_at) reads that category's only.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index observation_cell_month_all_covering_idx on observation_cell_month_all (zoom, cx, cy, month)
    include (resolved, n, sum_lon, sum_lat)`.execute(db);
  await sql`create index observation_cell_month_category_idx on observation_cell_month (zoom, category, cx, cy, month)
    include (commune_code, resolved, n, sum_lon, sum_lat)`.execute(db);
  await sql`create index observation_listed_category_observed_idx on observation (category, observed_at)
    include (lon, lat, commune_code, resolved_at) where listed`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index observation_listed_category_observed_idx`.execute(db);
  await sql`drop index observation_cell_month_category_idx`.execute(db);
  await sql`drop index observation_cell_month_all_covering_idx`.execute(db);
}
