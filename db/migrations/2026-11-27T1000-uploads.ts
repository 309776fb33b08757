import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Resumable uploads (tus): one row per upload, keyed by the tus id. The bytes live in the
// upload store (UPLOADS_DIR); the row keeps who owns them, what they are for, how far they
// got, when they expire (counted from the last accepted PATCH) and what the checks found.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('upload')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('dataset', 'photo')`))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('declared_type', 'text')
    .addColumn('declared_size', 'int8', (c) => c.notNull().check(sql`declared_size >= 0`))
    .addColumn('offset', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('uploading')
        .check(sql`status in ('uploading', 'complete', 'verified', 'invalid')`),
    )
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('size', 'int8')
    .addColumn('detected_format', 'text')
    .addColumn('report', 'jsonb')
    .addColumn('last_patch_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('processed_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('upload_owner_idx')
    .on('upload')
    .columns(['owner_id', 'created_at'])
    .execute();
  await sql`create index upload_unfinished_idx on upload (expires_at) where status = 'uploading'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('upload').execute();
}
