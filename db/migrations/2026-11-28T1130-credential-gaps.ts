import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// 1. Which credential created a contribution (organisation tokens: the token reads back what
//    it created, decision 018). Null for contributions made from the site.
// 2. The download log of traceable data counts one download per reuser, file and day
//    (decision 018): a resumed or seeking client's many Range requests add to `requests` and
//    move `last_at` instead of writing rows. `client_key` names the reuser (account and
//    credential, or account and session); it is null on rows written before (kept as they
//    are) and on anonymised ones, so those never collide.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('contribution')
    .addColumn('credential_id', 'uuid', (c) => c.references('credential.id').onDelete('set null'))
    .execute();
  await sql`create index contribution_credential_idx on contribution (credential_id) where credential_id is not null`.execute(
    db,
  );

  await db.schema
    .alterTable('traceable_download')
    .addColumn('day', 'date', (c) => c.notNull().defaultTo(sql`(now() at time zone 'UTC')::date`))
    .addColumn('client_key', 'text')
    .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_at', 'timestamptz')
    .execute();
  await sql`update traceable_download set day = (created_at at time zone 'UTC')::date, last_at = created_at`.execute(
    db,
  );
  await sql`alter table traceable_download alter column last_at set default now(), alter column last_at set not null`.execute(
    db,
  );
  await sql`create unique index traceable_download_once_a_day on traceable_download (distribution_id, day, client_key)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists traceable_download_once_a_day`.execute(db);
  await db.schema
    .alterTable('traceable_download')
    .dropColumn('day')
    .dropColumn('client_key')
    .dropColumn('requests')
    .dropColumn('last_at')
    .execute();
  await sql`drop index if exists contribution_credential_idx`.execute(db);
  await db.schema.alterTable('contribution').dropColumn('credential_id').execute();
}
