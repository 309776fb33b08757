import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// The catalogue's search: a French text search configuration that ignores accents
// ("eclairage" finds "Éclairage"), and on each dataset a weighted document (title A,
// keywords B, description C, themes and publisher D) and one array of facet keys
// ('theme:mobilite', 'commune:69123', 'licence:lo-2.0', 'org:<uuid>', 'kind:public',
// 'format:csv'), both kept by a trigger from what publication and retraction write. One GIN
// index per column serves every filter; facet counts are one pass over the matching rows.
// Downloads are counted once per client and day (a small table of hashed clients).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists unaccent`.execute(db);
  await sql`create text search configuration french_unaccent (copy = french)`.execute(db);
  await sql`alter text search configuration french_unaccent
    alter mapping for hword, hword_part, word with unaccent, french_stem`.execute(db);

  await db.schema
    .alterTable('dataset')
    .addColumn('search_document', sql`tsvector`)
    .addColumn('facets', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('listed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('download_count', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('archived_by', 'uuid', (c) => c.references('users.id'))
    .execute();

  // Recomputed when what it depends on changes (not on a download count or archive update).
  await sql`
    create function dataset_search_refresh() returns trigger language plpgsql as $$
    declare
      org record;
      fmts text[];
      theme_labels text;
    begin
      if tg_op = 'UPDATE' and new.search_document is not null
         and new.metadata = old.metadata
         and new.current_version_id is not distinct from old.current_version_id
         and new.organization_id is not distinct from old.organization_id
         and new.state = old.state then
        return new;
      end if;
      select o.name, o.kind into org from organization o where o.id = new.organization_id;
      select coalesce(array_agg(distinct f), '{}') into fmts from (
        select lower(substring(d.filename from '\\.([A-Za-z0-9]{1,10})$')) as f
        from distribution d where d.dataset_version_id = new.current_version_id
      ) x where f is not null;
      select string_agg(t.label_fr, ' ') into theme_labels
      from theme t where t.code in (select jsonb_array_elements_text(coalesce(new.metadata->'themes', '[]')));
      new.search_document :=
        setweight(to_tsvector('french_unaccent', coalesce(new.metadata->>'title', '')), 'A')
        || setweight(jsonb_to_tsvector('french_unaccent', coalesce(new.metadata->'keywords', '[]'), '["string"]'), 'B')
        || setweight(to_tsvector('french_unaccent', left(coalesce(new.metadata->>'description', ''), 4000)), 'C')
        || setweight(to_tsvector('french_unaccent', coalesce(theme_labels, '') || ' ' || coalesce(org.name, '')), 'D');
      new.facets := array(select distinct k from (
          select 'theme:' || x as k from jsonb_array_elements_text(coalesce(new.metadata->'themes', '[]')) x
          union all select 'commune:' || x from jsonb_array_elements_text(coalesce(new.metadata->'communes', '[]')) x
          union all select 'licence:' || (new.metadata->>'licence') where new.metadata->>'licence' is not null
          union all select 'org:' || new.organization_id::text where new.organization_id is not null
          union all select 'kind:' || case org.kind when 'public_body' then 'public' when 'business' then 'private' else 'citizen' end
          union all select 'format:' || f from unnest(fmts) f
        ) keys order by k);
      new.listed := new.state = 'published' and new.current_version_id is not null;
      return new;
    end $$`.execute(db);
  await sql`create trigger dataset_search_refresh before insert or update on dataset
    for each row execute function dataset_search_refresh()`.execute(db);
  await sql`update dataset set search_document = null`.execute(db);

  await sql`create index dataset_search_document_idx on dataset using gin (search_document) where listed`.execute(db);
  await sql`create index dataset_facets_idx on dataset using gin (facets) where listed`.execute(db);
  await sql`create index dataset_listed_updated_idx on dataset (updated_at desc) where listed`.execute(db);
  await sql`create index dataset_listed_downloads_idx on dataset (download_count desc, updated_at desc) where listed`.execute(db);
  await sql`create index dataset_organization_idx on dataset (organization_id, updated_at desc) where listed`.execute(db);

  // One row per distribution, day and client (a keyed hash of address and user agent, never
  // the address itself); rows older than two days are removed as downloads go.
  await db.schema
    .createTable('download_day')
    .addColumn('distribution_id', 'uuid', (c) => c.notNull().references('distribution.id'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('client_hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('download_day_pkey', ['day', 'distribution_id', 'client_hash'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('download_day').execute();
  await sql`drop trigger dataset_search_refresh on dataset`.execute(db);
  await sql`drop function dataset_search_refresh`.execute(db);
  await db.schema
    .alterTable('dataset')
    .dropColumn('search_document')
    .dropColumn('facets')
    .dropColumn('listed')
    .dropColumn('download_count')
    .dropColumn('archived_by')
    .execute();
  await sql`drop text search configuration french_unaccent`.execute(db);
}
