import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Open-data clauses in public contracts. A public body records a contract with a
// contractor organisation; each obligation is a dataset the contractor owes, on a schedule
// (a frequency or explicit due dates). The schedule is expanded into occurrences when the
// contract is recorded; a contribution linked to an occurrence (a delivery) fulfils it when
// it is published. Reminders sent are recorded so that the reminder job is idempotent.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contract')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('public_body_id', 'uuid', (c) => c.notNull().references('organization.id'))
    .addColumn('contractor_id', 'uuid', (c) => c.notNull().references('organization.id'))
    .addColumn('reference', 'text', (c) => c.notNull().check(sql`char_length(reference) between 1 and 100`))
    .addColumn('title', 'text', (c) => c.notNull().check(sql`char_length(title) between 1 and 300`))
    .addColumn('starts_on', 'date', (c) => c.notNull())
    .addColumn('ends_on', 'date', (c) => c.notNull())
    .addColumn('notice_url', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('contract_period_check', sql`ends_on >= starts_on`)
    .addCheckConstraint('contract_parties_check', sql`public_body_id <> contractor_id`)
    .addUniqueConstraint('contract_reference_key', ['public_body_id', 'reference'])
    .execute();
  await db.schema.createIndex('contract_contractor_idx').on('contract').column('contractor_id').execute();

  await db.schema
    .createTable('contract_obligation')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('contract_id', 'uuid', (c) => c.notNull().references('contract.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    // An existing catalogue dataset, or (null) a new one: set when its first delivery is published.
    .addColumn('dataset_id', 'uuid', (c) => c.references('dataset.id'))
    .addColumn('dataset_title', 'text', (c) => c.notNull().check(sql`char_length(dataset_title) between 1 and 300`))
    .addColumn('frequency', 'text', (c) => c.check(sql`frequency in ('once', 'monthly', 'quarterly', 'yearly')`))
    .addColumn('first_due_on', 'date')
    .addColumn('due_dates', sql`date[]`, (c) => c.notNull().defaultTo(sql`'{}'::date[]`))
    .addColumn('expected_format', 'text', (c) => c.notNull().check(sql`char_length(expected_format) between 1 and 2000`))
    .addColumn('licence_id', 'text', (c) => c.notNull().references('licence.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('contract_obligation_schedule_check', sql`frequency is not null or cardinality(due_dates) > 0`)
    .execute();
  await db.schema.createIndex('contract_obligation_contract_idx').on('contract_obligation').column('contract_id').execute();

  await db.schema
    .createTable('obligation_occurrence')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('obligation_id', 'uuid', (c) => c.notNull().references('contract_obligation.id').onDelete('cascade'))
    // The due date is a calendar day in Europe/Paris; the deadline is the instant that day ends.
    .addColumn('due_on', 'date', (c) => c.notNull())
    .addColumn('deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('fulfilled_at', 'timestamptz')
    .addColumn('fulfilled_by', 'uuid', (c) => c.references('contribution.id'))
    // When the fulfilling contribution was first submitted: on time is decided on it.
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('on_time', 'boolean')
    .addUniqueConstraint('obligation_occurrence_due_key', ['obligation_id', 'due_on'])
    .addCheckConstraint(
      'obligation_occurrence_fulfilment_check',
      sql`(fulfilled_at is null) = (fulfilled_by is null) and (fulfilled_at is null) = (on_time is null)`,
    )
    .execute();
  await sql`create index obligation_occurrence_open_idx on obligation_occurrence (deadline) where fulfilled_at is null`.execute(db);

  await db.schema
    .createTable('obligation_delivery')
    .addColumn('contribution_id', 'uuid', (c) => c.primaryKey().references('contribution.id').onDelete('cascade'))
    .addColumn('occurrence_id', 'uuid', (c) => c.notNull().references('obligation_occurrence.id').onDelete('cascade'))
    .addColumn('linked_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('obligation_delivery_occurrence_idx').on('obligation_delivery').column('occurrence_id').execute();

  await db.schema
    .createTable('obligation_reminder')
    .addColumn('occurrence_id', 'uuid', (c) => c.notNull().references('obligation_occurrence.id').onDelete('cascade'))
    // upcoming (7 days before), due_today, overdue_<week>
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('obligation_reminder_pkey', ['occurrence_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('obligation_reminder').execute();
  await db.schema.dropTable('obligation_delivery').execute();
  await db.schema.dropTable('obligation_occurrence').execute();
  await db.schema.dropTable('contract_obligation').execute();
  await db.schema.dropTable('contract').execute();
}
