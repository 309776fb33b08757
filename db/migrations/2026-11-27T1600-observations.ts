import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Citizen observations: a point in a commune, a category from an admin-managed list, a
// description, when it was seen, an optional photo (re-encoded without metadata before
// anyone else sees it). An observation IS a contribution of kind 'observation' (same id,
// same state machine); this table holds what only observations have. Confirmations by
// other citizens give it a crowd quality grade, which orders the moderation queue.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('observation_category')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('label_fr', 'text', (c) => c.notNull())
    .addColumn('label_en', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  await db.schema
    .createTable('observation')
    .addColumn('id', 'uuid', (c) => c.primaryKey().references('contribution.id'))
    .addColumn('lon', 'float8', (c) => c.notNull().check(sql`lon between -180 and 180`))
    .addColumn('lat', 'float8', (c) => c.notNull().check(sql`lat between -90 and 90`))
    .addColumn('commune_code', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull().references('observation_category.code'))
    .addColumn('description', 'text', (c) => c.notNull().check(sql`char_length(description) between 1 and 2000`))
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    // The upload the photo came in; the original bytes are deleted once re-encoded.
    .addColumn('photo_upload_id', 'text', (c) => c.unique().references('upload.id').onDelete('set null'))
    // Key (under UPLOADS_DIR) of the re-encoded photo: the only bytes ever shown.
    .addColumn('photo_key', 'text')
    .addColumn('photo_state', 'text', (c) =>
      c.notNull().defaultTo('none').check(sql`photo_state in ('none', 'pending', 'ready', 'failed')`),
    )
    .addColumn('grade', 'text', (c) => c.notNull().defaultTo('needs_review').check(sql`grade in ('needs_review', 'confirmed')`))
    .addColumn('confirmation_weight', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('published_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('observation_commune_idx').on('observation').column('commune_code').execute();
  await sql`create index observation_published_idx on observation (published_at desc) where published_at is not null`.execute(db);

  await db.schema
    .createTable('confirmation')
    .addColumn('observation_id', 'uuid', (c) => c.notNull().references('observation.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    // 0 when the confirmer was not in good standing at the time, 2 with the privilege.
    .addColumn('weight', 'integer', (c) => c.notNull().check(sql`weight between 0 and 2`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('confirmation_pkey', ['observation_id', 'user_id'])
    .execute();
  await db.schema.createIndex('confirmation_user_idx').on('confirmation').columns(['user_id', 'created_at']).execute();

  // The queue serves higher priorities first (confirmed observations: 1).
  await db.schema
    .alterTable('contribution')
    .addColumn('queue_priority', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contribution').dropColumn('queue_priority').execute();
  await db.schema.dropTable('confirmation').execute();
  await db.schema.dropTable('observation').execute();
  await db.schema.dropTable('observation_category').execute();
}
