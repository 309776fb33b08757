import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// The upload-info cache of the tus S3 store (@tus/s3-store's KvStore), shared by every
// instance through PostgreSQL instead of each process's memory: any instance can continue an
// upload that another one started. One row per unfinished (or recently finished) upload.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tus_upload_cache')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tus_upload_cache').execute();
}
