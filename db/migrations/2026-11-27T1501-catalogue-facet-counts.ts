import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Facet counts of the whole catalogue (the search page with no words and no filter, and
// the home page) kept by triggers instead of counted over every listed dataset at each
// request: one row per facet key (and '*' for the total), for the active datasets and for
// all of them (archived included). Keys are updated in sorted order ('*' first), so two
// publications never deadlock on them. Also an index for the "updated since" counts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('catalogue_facet_count')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    create function catalogue_facet_count_apply() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.listed then
        insert into catalogue_facet_count as c (key, active, total)
          select k, case when old.archived_at is null then -1 else 0 end, -1 from unnest('{*}'::text[] || old.facets) k order by k
          on conflict (key) do update set active = c.active + excluded.active, total = c.total + excluded.total;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.listed then
        insert into catalogue_facet_count as c (key, active, total)
          select k, case when new.archived_at is null then 1 else 0 end, 1 from unnest('{*}'::text[] || new.facets) k order by k
          on conflict (key) do update set active = c.active + excluded.active, total = c.total + excluded.total;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger catalogue_facet_count_insert after insert on dataset
    for each row when (new.listed) execute function catalogue_facet_count_apply()`.execute(db);
  await sql`create trigger catalogue_facet_count_update after update on dataset
    for each row when (old.facets is distinct from new.facets or old.listed is distinct from new.listed
                       or (old.archived_at is null) is distinct from (new.archived_at is null))
    execute function catalogue_facet_count_apply()`.execute(db);
  await sql`create trigger catalogue_facet_count_delete after delete on dataset
    for each row when (old.listed) execute function catalogue_facet_count_apply()`.execute(db);
  await sql`insert into catalogue_facet_count (key, active, total)
    select k, count(*) filter (where archived_at is null), count(*)
    from dataset, unnest('{*}'::text[] || facets) k where listed group by k`.execute(db);
  await sql`create index dataset_active_updated_idx on dataset (updated_at) where listed and archived_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index dataset_active_updated_idx`.execute(db);
  await sql`drop trigger catalogue_facet_count_insert on dataset`.execute(db);
  await sql`drop trigger catalogue_facet_count_update on dataset`.execute(db);
  await sql`drop trigger catalogue_facet_count_delete on dataset`.execute(db);
  await sql`drop function catalogue_facet_count_apply`.execute(db);
  await db.schema.dropTable('catalogue_facet_count').execute();
}
