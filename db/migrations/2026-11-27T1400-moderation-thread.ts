import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// The conversation between a contributor and the moderators on a contribution (plain text,
// bounded), the in-app notification centre, and each user's choice for the email side of
// notifications (immediate, daily digest, off).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('comment')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('contribution_id', 'uuid', (c) => c.notNull().references('contribution.id').onDelete('cascade'))
    // Null once the author's account is erased (the message stays, anonymised).
    .addColumn('author_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('author_role', 'text', (c) => c.notNull().check(sql`author_role in ('contributor', 'moderator')`))
    .addColumn('body', 'text', (c) => c.notNull().check(sql`char_length(body) between 1 and 4000`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('comment_contribution_idx').on('comment').columns(['contribution_id', 'id']).execute();
  await db.schema.createIndex('comment_author_idx').on('comment').column('author_id').execute();

  await db.schema
    .createTable('notification')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contribution_id', 'uuid', (c) => c.references('contribution.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('comment', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('read_at', 'timestamptz')
    // For users on the daily digest: set when the digest that included it was queued.
    .addColumn('digested_at', 'timestamptz')
    .execute();
  await sql`create index notification_user_idx on notification (user_id, id desc)`.execute(db);
  await sql`create index notification_unread_idx on notification (user_id) where read_at is null`.execute(db);
  await sql`create index notification_digest_idx on notification (user_id) where digested_at is null`.execute(db);

  await db.schema
    .createTable('notification_preference')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('email_mode', 'text', (c) => c.notNull().defaultTo('immediate').check(sql`email_mode in ('immediate', 'digest', 'off')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_preference').execute();
  await db.schema.dropTable('notification').execute();
  await db.schema.dropTable('comment').execute();
}
