import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// The life of a contribution after submission: claims, approvals (four-eyes), publication
// into the catalogue (versions and distributions under immutable keys), reports and
// review tasks.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('contribution')
    .addColumn('claimed_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('claim_expires_at', 'timestamptz')
    .addColumn('claimed_from', 'text')
    .addColumn('first_approver_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('approved_at', 'timestamptz')
    .addColumn('published_version_id', 'uuid')
    // What the queue filters on (moderator scopes), copied from the submitted revision.
    .addColumn('communes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('themes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
  await sql`create index contribution_queue_idx on contribution (submitted_at) where state in ('submitted', 'second_review')`.execute(db);
  await sql`create index contribution_claims_idx on contribution (claim_expires_at) where state = 'in_review'`.execute(db);

  await db.schema
    .alterTable('dataset')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('archive_reason', 'text')
    .addColumn('retracted_at', 'timestamptz')
    .addColumn('retraction_reason', 'text')
    .execute();

  await db.schema
    .createTable('dataset_version')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('dataset_id', 'uuid', (c) => c.notNull().references('dataset.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    // One version per contribution: publishing twice is a no-op.
    .addColumn('contribution_id', 'uuid', (c) => c.notNull().unique().references('contribution.id'))
    .addColumn('revision_id', 'uuid', (c) => c.notNull().references('contribution_revision.id'))
    .addColumn('metadata', 'jsonb', (c) => c.notNull())
    .addColumn('submitter_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('organization_id', 'uuid', (c) => c.references('organization.id'))
    .addColumn('approver_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('auto_approved', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('approved_at', 'timestamptz', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('published').check(sql`state in ('published', 'retracted')`))
    .addColumn('retracted_at', 'timestamptz')
    .addColumn('retraction_reason', 'text')
    .addColumn('change_summary', 'text')
    .addUniqueConstraint('dataset_version_number_key', ['dataset_id', 'number'])
    .execute();
  await sql`alter table dataset add constraint dataset_current_version_fk
    foreign key (current_version_id) references dataset_version(id) deferrable initially deferred`.execute(db);
  await sql`alter table contribution add constraint contribution_published_version_fk
    foreign key (published_version_id) references dataset_version(id) deferrable initially deferred`.execute(db);

  await db.schema
    .createTable('distribution')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('dataset_version_id', 'uuid', (c) => c.notNull().references('dataset_version.id'))
    .addColumn('upload_id', 'text', (c) => c.references('upload.id').onDelete('set null'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('format', 'text')
    .addColumn('media_type', 'text', (c) => c.notNull().defaultTo('application/octet-stream'))
    .addColumn('size', 'int8', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('row_count', 'int8')
    .addColumn('schema_summary', 'jsonb')
    .addColumn('report_summary', 'jsonb')
    // Immutable: content-addressed by sha256, never overwritten.
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('download_count', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('distribution_version_idx').on('distribution').column('dataset_version_id').execute();

  await db.schema
    .createTable('content_report')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('contribution_id', 'uuid', (c) => c.notNull().references('contribution.id'))
    .addColumn('reporter_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('review_task')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('audit', 'report')`))
    .addColumn('contribution_id', 'uuid', (c) => c.notNull().references('contribution.id'))
    .addColumn('report_id', 'uuid', (c) => c.references('content_report.id'))
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('open').check(sql`state in ('open', 'in_review', 'cleared', 'retracted')`),
    )
    .addColumn('claimed_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('claim_expires_at', 'timestamptz')
    .addColumn('decided_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('comment', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index review_task_queue_idx on review_task (created_at) where state = 'open'`.execute(db);
  await sql`create unique index review_task_one_audit on review_task (contribution_id) where kind = 'audit'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('review_task').execute();
  await db.schema.dropTable('content_report').execute();
  await db.schema.dropTable('distribution').execute();
  await sql`alter table contribution drop constraint contribution_published_version_fk`.execute(db);
  await sql`alter table dataset drop constraint dataset_current_version_fk`.execute(db);
  await db.schema.dropTable('dataset_version').execute();
}
