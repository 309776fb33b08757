import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// A narrow copy of what text search reads, one row per listed dataset: the weighted
// document, the facet keys as small integers (a dictionary maps 'theme:mobilite',
// 'commune:69123'… to ids), and the sort keys. A broad word matches thousands of
// datasets; ranking and counting them on this table reads about a quarter of the pages the
// dataset rows take (no metadata, no text keys) and groups integers instead of strings.
// Kept by a trigger on dataset in the same transaction as what publication, retraction,
// archiving and download counting write. See docs/decisions/014.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('catalogue_facet_key')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .execute();

  await sql`create table dataset_search (
    dataset_id uuid primary key references dataset(id) on delete cascade,
    document tsvector not null,
    keys integer[] not null,
    updated_at timestamptz not null,
    download_count bigint not null,
    archived boolean not null
  ) with (fillfactor = 90)`.execute(db);

  // The facet keys of one dataset as sorted ids, adding unknown keys to the dictionary
  // (in key order, so two publications never deadlock on it).
  await sql`
    create function catalogue_facet_ids(keys text[]) returns integer[] language plpgsql as $$
    declare
      ids integer[];
    begin
      insert into catalogue_facet_key (key) select k from unnest(keys) k order by k on conflict (key) do nothing;
      select coalesce(array_agg(f.id order by f.id), '{}') into ids from catalogue_facet_key f where f.key = any(keys);
      return ids;
    end $$`.execute(db);

  await sql`
    create function dataset_search_sync() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        delete from dataset_search where dataset_id = old.id;
        return null;
      end if;
      if not new.listed then
        if tg_op = 'UPDATE' and old.listed then
          delete from dataset_search where dataset_id = new.id;
        end if;
        return null;
      end if;
      if tg_op = 'UPDATE' and old.listed and new.search_document is not distinct from old.search_document
         and new.facets = old.facets then
        -- Only sort keys changed (a download counted, an archive): an update the table's
        -- free space keeps on the same page, without touching its indexes.
        update dataset_search set updated_at = new.updated_at, download_count = new.download_count,
          archived = new.archived_at is not null
        where dataset_id = new.id;
        return null;
      end if;
      insert into dataset_search (dataset_id, document, keys, updated_at, download_count, archived)
      values (new.id, coalesce(new.search_document, ''::tsvector), catalogue_facet_ids(new.facets), new.updated_at,
              new.download_count, new.archived_at is not null)
      on conflict (dataset_id) do update set document = excluded.document, keys = excluded.keys,
        updated_at = excluded.updated_at, download_count = excluded.download_count, archived = excluded.archived;
      return null;
    end $$`.execute(db);
  await sql`create trigger dataset_search_sync_insert after insert on dataset
    for each row when (new.listed) execute function dataset_search_sync()`.execute(db);
  await sql`create trigger dataset_search_sync_update after update on dataset
    for each row when (old.listed is distinct from new.listed
      or old.search_document is distinct from new.search_document or old.facets is distinct from new.facets
      or old.updated_at is distinct from new.updated_at or old.download_count is distinct from new.download_count
      or (old.archived_at is null) is distinct from (new.archived_at is null))
    execute function dataset_search_sync()`.execute(db);
  await sql`create trigger dataset_search_sync_delete after delete on dataset
    for each row when (old.listed) execute function dataset_search_sync()`.execute(db);

  // Rebuilds the table from the datasets (this migration, and bulk loads that bypass triggers).
  await sql`
    create function dataset_search_rebuild() returns void language sql as $$
      insert into catalogue_facet_key (key)
        select distinct k from dataset, unnest(facets) k where listed order by k on conflict (key) do nothing;
      delete from dataset_search;
      insert into dataset_search (dataset_id, document, keys, updated_at, download_count, archived)
        select d.id, coalesce(d.search_document, ''::tsvector),
          coalesce((select array_agg(f.id order by f.id) from catalogue_facet_key f where f.key = any(d.facets)), '{}'),
          d.updated_at, d.download_count, d.archived_at is not null
        from dataset d where d.listed;
    $$`.execute(db);
  await sql`select dataset_search_rebuild()`.execute(db);

  // fastupdate off: a publication pays its index insert at once, and a search never has to
  // read a pending list (which grows between vacuums and slows every matching query).
  await sql`create index dataset_search_document_gin on dataset_search using gin (document) with (fastupdate = off)`.execute(db);
  await sql`create index dataset_search_keys_gin on dataset_search using gin (keys) with (fastupdate = off)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger dataset_search_sync_insert on dataset`.execute(db);
  await sql`drop trigger dataset_search_sync_update on dataset`.execute(db);
  await sql`drop trigger dataset_search_sync_delete on dataset`.execute(db);
  await sql`drop function dataset_search_sync`.execute(db);
  await sql`drop function dataset_search_rebuild`.execute(db);
  await sql`drop function catalogue_facet_ids`.execute(db);
  await db.schema.dropTable('dataset_search').execute();
  await db.schema.dropTable('catalogue_facet_key').execute();
}
