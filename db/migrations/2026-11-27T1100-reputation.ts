import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// The reputation ledger: one hash chain per subject (a user or an organisation, by an
// opaque uuid: no foreign key, so that erasing an account leaves its chain intact), the
// balances kept beside it in the same transaction, published checkpoints of every chain
// head, the record of verifications, and anti-gaming flags for admins.
// The entry and checkpoint tables refuse UPDATE, DELETE and TRUNCATE: corrections are
// compensating entries.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table reputation_entry (
      id bigint generated always as identity primary key,
      subject_type text not null check (subject_type in ('user', 'organization')),
      subject_id uuid not null,
      seq integer not null check (seq >= 1),
      requested_delta integer not null,
      effective_delta integer not null,
      balance_after integer not null check (balance_after >= 0),
      reason text not null check (reason ~ '^[a-z][a-z0-9_]{0,63}$'),
      ref_type text check (ref_type ~ '^[a-z][a-z0-9_]{0,31}$'),
      ref_id text check (ref_id ~ '^[A-Za-z0-9._:-]{1,100}$'),
      actor_id uuid,
      reverses_entry_id bigint unique references reputation_entry (id),
      created_at timestamptz not null,
      prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
      hash text not null check (hash ~ '^[0-9a-f]{64}$'),
      constraint reputation_entry_subject_seq_key unique (subject_type, subject_id, seq),
      constraint reputation_entry_ref_pair check ((ref_type is null) = (ref_id is null))
    )
  `.execute(db);
  await sql`create index reputation_entry_ref_idx on reputation_entry (ref_type, ref_id)`.execute(db);
  await sql`create index reputation_entry_created_idx on reputation_entry (created_at)`.execute(db);
  await sql`
    create index reputation_entry_confirmation_idx on reputation_entry (subject_id, actor_id, created_at)
    where reason = 'confirmation_received'
  `.execute(db);

  await sql`
    create function reputation_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'table % is append-only: % refused (append a compensating entry instead)', tg_table_name, tg_op
        using errcode = 'integrity_constraint_violation';
    end
    $$
  `.execute(db);
  await sql`
    create table ledger_checkpoint (
      id bigint generated always as identity primary key,
      created_at timestamptz not null default now(),
      subject_count integer not null,
      entry_count bigint not null,
      digest text not null check (digest ~ '^[0-9a-f]{64}$'),
      file_name text
    )
  `.execute(db);
  for (const table of ['reputation_entry', 'ledger_checkpoint']) {
    await sql`
      create trigger ${sql.id(`${table}_append_only`)} before update or delete on ${sql.table(table)}
      for each row execute function reputation_refuse_change()
    `.execute(db);
    await sql`
      create trigger ${sql.id(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
      for each statement execute function reputation_refuse_change()
    `.execute(db);
  }

  await sql`
    create table reputation_balance (
      subject_type text not null check (subject_type in ('user', 'organization')),
      subject_id uuid not null,
      balance integer not null default 0 check (balance >= 0),
      last_seq integer not null default 0,
      head_hash text not null default '0000000000000000000000000000000000000000000000000000000000000000',
      small_day date,
      small_used integer not null default 0,
      updated_at timestamptz not null default now(),
      primary key (subject_type, subject_id)
    )
  `.execute(db);
  await sql`create index reputation_balance_rank_idx on reputation_balance (subject_type, balance desc)`.execute(db);

  await sql`
    create table ledger_verification (
      id bigint generated always as identity primary key,
      started_at timestamptz not null,
      finished_at timestamptz not null default now(),
      ok boolean not null,
      source text not null,
      subject_count integer not null,
      entry_count bigint not null,
      checkpoint_digest text,
      problems jsonb not null default '[]'
    )
  `.execute(db);

  await sql`
    create table reputation_flag (
      id bigint generated always as identity primary key,
      kind text not null,
      user_a uuid not null,
      user_b uuid not null,
      confirmations integer not null,
      window_start timestamptz not null,
      window_end timestamptz not null,
      created_at timestamptz not null default now(),
      resolved_at timestamptz,
      resolved_by uuid,
      resolution text check (resolution in ('reversed', 'dismissed')),
      check (user_a < user_b)
    )
  `.execute(db);
  await sql`
    create unique index reputation_flag_open_key on reputation_flag (kind, user_a, user_b) where resolved_at is null
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table reputation_flag`.execute(db);
  await sql`drop table ledger_verification`.execute(db);
  await sql`drop table reputation_balance`.execute(db);
  await sql`drop table ledger_checkpoint`.execute(db);
  await sql`drop table reputation_entry`.execute(db);
  await sql`drop function reputation_refuse_change()`.execute(db);
}
