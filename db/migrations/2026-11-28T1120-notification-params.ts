// Notifications are written as a kind and parameters and put into words when they are
// shown, in the reader's language (the title stays the subject's own name): a contract
// reminder carries its due date and contract reference here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notification').addColumn('params', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notification').dropColumn('params').execute();
}
