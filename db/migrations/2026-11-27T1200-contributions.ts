import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Contributions and their frozen revisions, the reference lists they use (themes,
// licences), the catalogue entries a contribution may target, and the append-only trail
// of moderation events.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('theme')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('label_fr', 'text', (c) => c.notNull())
    .addColumn('label_en', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  await db.schema
    .createTable('licence')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('traceable', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('dataset')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('organization_id', 'uuid', (c) => c.references('organization.id'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('published').check(sql`state in ('published', 'retracted')`))
    .addColumn('current_version_id', 'uuid')
    .addColumn('metadata', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('contribution')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('new_dataset', 'dataset_update', 'observation')`))
    .addColumn('submitter_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('organization_id', 'uuid', (c) => c.references('organization.id'))
    .addColumn('target_dataset_id', 'uuid', (c) => c.references('dataset.id'))
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(
          sql`state in ('draft', 'submitted', 'in_review', 'second_review', 'approved', 'rejected', 'changes_requested', 'withdrawn', 'published', 'retracted')`,
        ),
    )
    .addColumn('current_revision_id', 'uuid')
    // Optimistic concurrency: every transition bumps it; a decision on a stale view is refused.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('personal_data', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('audit_pending', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('submitted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('contribution_submitter_idx').on('contribution').columns(['submitter_id', 'updated_at']).execute();
  await db.schema.createIndex('contribution_org_idx').on('contribution').column('organization_id').execute();
  await db.schema.createIndex('contribution_state_idx').on('contribution').columns(['state', 'submitted_at']).execute();

  await db.schema
    .createTable('contribution_revision')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('contribution_id', 'uuid', (c) => c.notNull().references('contribution.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // The contributor's statement (holds the rights, grants the licence) as accepted for this round.
    .addColumn('rights_statement', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('frozen_at', 'timestamptz')
    .addUniqueConstraint('contribution_revision_number_key', ['contribution_id', 'number'])
    .execute();
  await sql`alter table contribution add constraint contribution_current_revision_fk
    foreign key (current_revision_id) references contribution_revision(id) deferrable initially deferred`.execute(db);

  await db.schema
    .createTable('revision_upload')
    .addColumn('revision_id', 'uuid', (c) => c.notNull().references('contribution_revision.id').onDelete('cascade'))
    .addColumn('upload_id', 'text', (c) => c.notNull().references('upload.id'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('revision_upload_pkey', ['revision_id', 'upload_id'])
    .execute();

  // A frozen revision is history: the database refuses to change it or its files.
  await sql`
    create function refuse_frozen_revision_change() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'contribution_revision' then
        if old.frozen_at is not null then
          raise exception 'revision % is frozen', old.id using errcode = 'check_violation';
        end if;
        return case when tg_op = 'DELETE' then old else new end;
      end if;
      if exists (select 1 from contribution_revision r
                 where r.id = coalesce(old.revision_id, new.revision_id) and r.frozen_at is not null) then
        raise exception 'revision % is frozen', coalesce(old.revision_id, new.revision_id) using errcode = 'check_violation';
      end if;
      return case when tg_op = 'DELETE' then old else new end;
    end $$`.execute(db);
  await sql`create trigger contribution_revision_frozen before update or delete on contribution_revision
    for each row execute function refuse_frozen_revision_change()`.execute(db);
  await sql`create trigger revision_upload_frozen before insert or update or delete on revision_upload
    for each row execute function refuse_frozen_revision_change()`.execute(db);

  await db.schema
    .createTable('moderation_event')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('contribution_id', 'uuid', (c) => c.notNull().references('contribution.id'))
    .addColumn('revision_id', 'uuid', (c) => c.references('contribution_revision.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('reason_code', 'text')
    .addColumn('comment', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('moderation_event_contribution_idx').on('moderation_event').columns(['contribution_id', 'id']).execute();
  await sql`
    create function refuse_moderation_event_change() returns trigger language plpgsql as $$
    begin
      raise exception 'moderation_event is append-only' using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger moderation_event_append_only before update or delete on moderation_event
    for each row execute function refuse_moderation_event_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('moderation_event').execute();
  await db.schema.dropTable('revision_upload').execute();
  await sql`alter table contribution drop constraint contribution_current_revision_fk`.execute(db);
  await db.schema.dropTable('contribution_revision').execute();
  await db.schema.dropTable('contribution').execute();
  await db.schema.dropTable('dataset').execute();
  await db.schema.dropTable('licence').execute();
  await db.schema.dropTable('theme').execute();
  await sql`drop function refuse_frozen_revision_change`.execute(db);
  await sql`drop function refuse_moderation_event_change`.execute(db);
}
