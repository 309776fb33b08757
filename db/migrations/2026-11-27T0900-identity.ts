import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Identity: account life (verification, reset, terms, second factor), email outbox,
// territories, organisations and memberships, moderator scopes, the admins' audit log and
// the editable legal pages.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('terms_version', 'integer')
    .addColumn('terms_accepted_at', 'timestamptz')
    .addColumn('pending_email', 'text')
    .addColumn('totp_secret', 'text')
    .addColumn('totp_enabled_at', 'timestamptz')
    .addColumn('is_demo', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index users_search_idx on users using gin ((lower(email) || ' ' || lower(pseudonym)) gin_trgm_ops)`.execute(
    db,
  );

  // A session opened with a password but still waiting for the second factor is not a
  // session yet: it only opens the second-factor page.
  await db.schema
    .alterTable('sessions')
    .addColumn('mfa_pending', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  // Single-use emailed tokens (email verification, password reset); only their sha256 kept.
  await db.schema
    .createTable('email_token')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) =>
      c.notNull().check(sql`purpose in ('verify_email', 'reset_password')`),
    )
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('email_token_user_idx')
    .on('email_token')
    .columns(['user_id', 'purpose'])
    .execute();

  await db.schema
    .createTable('recovery_code')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('recovery_code_user_idx')
    .on('recovery_code')
    .column('user_id')
    .execute();

  // Every email is a row first; a job sends it when SMTP is configured.
  await db.schema
    .createTable('email_outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'sent', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('email_outbox_created_idx')
    .on('email_outbox')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('email_outbox_user_idx')
    .on('email_outbox')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('territory')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('metropole', 'commune')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_code', 'text', (c) => c.references('territory.code'))
    .addColumn('siren', 'text')
    .addColumn('population', 'integer')
    .addColumn('postal_codes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('boundary', 'jsonb')
    .addColumn('bbox', sql`double precision[]`)
    .execute();

  await db.schema
    .createTable('organization')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('public_body', 'business', 'association')`),
    )
    .addColumn('siren', 'text', (c) => c.check(sql`siren ~ '^[0-9]{9}$'`))
    .addColumn('territory_code', 'text', (c) => c.references('territory.code'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('website', 'text')
    .addColumn('verified_at', 'timestamptz')
    .addColumn('verified_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('organization_business_siren', sql`kind <> 'business' or siren is not null`)
    .execute();

  await db.schema
    .createTable('membership')
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organization.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('member', 'admin')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('membership_pkey', ['organization_id', 'user_id'])
    .execute();
  await db.schema.createIndex('membership_user_idx').on('membership').column('user_id').execute();

  await db.schema
    .createTable('membership_request')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organization.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'approved', 'rejected')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'uuid', (c) => c.references('users.id'))
    .execute();
  await sql`create unique index membership_request_pending_key on membership_request (organization_id, user_id) where status = 'pending'`.execute(
    db,
  );

  // A moderator is a user with at least one scope: a territory (the Métropole = all of it,
  // or a commune) or a theme code.
  await db.schema
    .createTable('moderator_scope')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('territory', 'theme')`))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('moderator_scope_key', ['user_id', 'kind', 'code'])
    .execute();

  // Append-only: updates are refused; deletes only by the retention job, which says so.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
  await db.schema
    .createIndex('audit_log_action_idx')
    .on('audit_log')
    .columns(['action', 'at'])
    .execute();
  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('terridata.retention', true) = 'on' then
        return old;
      end if;
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_append_only()`.execute(db);

  await db.schema
    .createTable('legal_page')
    .addColumn('slug', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`slug in ('mentions-legales', 'donnees-personnelles', 'conditions', 'accessibilite')`,
        ),
    )
    .addColumn('locale', 'text', (c) => c.notNull().check(sql`locale in ('fr', 'en')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id'))
    .addPrimaryKeyConstraint('legal_page_pkey', ['slug', 'locale'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'legal_page',
    'audit_log',
    'moderator_scope',
    'membership_request',
    'membership',
    'organization',
    'territory',
    'email_outbox',
    'recovery_code',
    'email_token',
  ])
    await db.schema.dropTable(t).execute();
  await sql`drop function audit_log_append_only()`.execute(db);
  await db.schema.alterTable('sessions').dropColumn('mfa_pending').execute();
  await sql`drop index users_search_idx`.execute(db);
  await db.schema
    .alterTable('users')
    .dropColumn('terms_version')
    .dropColumn('terms_accepted_at')
    .dropColumn('pending_email')
    .dropColumn('totp_secret')
    .dropColumn('totp_enabled_at')
    .dropColumn('is_demo')
    .dropColumn('updated_at')
    .execute();
}
