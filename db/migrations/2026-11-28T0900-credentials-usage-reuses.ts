import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Credentials for programs (personal reuser keys and organisation tokens, stored hashed),
// the log of downloads of data under a traceable licence, daily download counts per dataset
// (usage for publishers), and declared reuses.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('credential')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('personal', 'organization')`))
    // The owner of a personal key; the admin who created an organisation token (it acts as
    // them, on behalf of the organisation). Null once that account is erased (token revoked).
    .addColumn('user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('organization_id', 'uuid', (c) => c.references('organization.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text')
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    // What the owner sees of the secret after creation (e.g. "td_pk_Ab3x…").
    .addColumn('display_prefix', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'uuid', (c) => c.references('users.id'))
    .addCheckConstraint(
      'credential_org_token_has_org',
      sql`kind = 'personal' or organization_id is not null`,
    )
    .addCheckConstraint(
      'credential_scopes_known',
      sql`scopes <@ array['read', 'contribute', 'read-usage']::text[] and cardinality(scopes) > 0`,
    )
    .execute();
  await db.schema
    .createIndex('credential_user_idx')
    .on('credential')
    .columns(['user_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('credential_org_idx')
    .on('credential')
    .columns(['organization_id', 'created_at'])
    .execute();

  // Every download of a file under a traceable licence: who (account and/or credential, the
  // reuser's organisation and declared purpose at that time), which dataset and version, when.
  await db.schema
    .createTable('traceable_download')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('distribution_id', 'uuid', (c) => c.notNull().references('distribution.id'))
    .addColumn('dataset_id', 'uuid', (c) => c.notNull().references('dataset.id'))
    .addColumn('dataset_version_id', 'uuid', (c) => c.notNull().references('dataset_version.id'))
    .addColumn('user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('credential_id', 'uuid', (c) => c.references('credential.id'))
    .addColumn('reuser_organization_id', 'uuid', (c) => c.references('organization.id'))
    .addColumn('purpose', 'text')
    .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('session', 'credential')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('traceable_download_dataset_idx')
    .on('traceable_download')
    .columns(['dataset_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('traceable_download_user_idx')
    .on('traceable_download')
    .column('user_id')
    .execute();
  await db.schema
    .createIndex('traceable_download_credential_idx')
    .on('traceable_download')
    .column('credential_id')
    .execute();

  // Downloads per dataset and day (counted like download_count: once per client and day).
  await db.schema
    .createTable('dataset_download_day')
    .addColumn('dataset_id', 'uuid', (c) => c.notNull().references('dataset.id'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('downloads', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('dataset_download_day_pkey', ['dataset_id', 'day'])
    .execute();

  await db.schema
    .createTable('reuse')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('author_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('application', 'visualisation', 'article', 'api', 'other')`),
    )
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull().check(sql`url ~ '^https?://'`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // Re-encoded JPEG under UPLOADS_DIR (reuses/…), served by the reuse's image route.
    .addColumn('image_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('hidden_at', 'timestamptz')
    .addColumn('hidden_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('hidden_reason', 'text')
    .execute();
  await sql`create index reuse_visible_idx on reuse (created_at desc) where hidden_at is null`.execute(
    db,
  );
  await db.schema
    .createTable('reuse_dataset')
    .addColumn('reuse_id', 'uuid', (c) => c.notNull().references('reuse.id').onDelete('cascade'))
    .addColumn('dataset_id', 'uuid', (c) => c.notNull().references('dataset.id'))
    .addPrimaryKeyConstraint('reuse_dataset_pkey', ['reuse_id', 'dataset_id'])
    .execute();
  await db.schema
    .createIndex('reuse_dataset_dataset_idx')
    .on('reuse_dataset')
    .column('dataset_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reuse_dataset').execute();
  await db.schema.dropTable('reuse').execute();
  await db.schema.dropTable('dataset_download_day').execute();
  await db.schema.dropTable('traceable_download').execute();
  await db.schema.dropTable('credential').execute();
}
