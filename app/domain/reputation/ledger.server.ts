// The only code that writes the reputation ledger. Every write runs inside the caller's
// transaction, so a ledger entry commits or rolls back with the change that caused it.
//
// Serialisation: one chain per subject. An append locks that subject's balance row
// (SELECT … FOR UPDATE, after creating it with INSERT … ON CONFLICT DO NOTHING when it is
// the subject's first entry): appends for one subject queue behind each other and each one
// sees its predecessor's head; appends for different subjects lock different rows and
// never wait on each other. The UNIQUE (subject_type, subject_id, seq) constraint makes a
// fork impossible even for a writer that bypassed this module.
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { Database } from '#db/database';
import { entryHash } from './chain';
import {
  BALANCE_FLOOR,
  CAP_TIME_ZONE,
  DAILY_SMALL_CAP,
  EARNING_RULES,
  isEarningReason,
  isReversalReason,
  refTypes,
  subjectTypes,
} from './rules';
import type { EarningReason, EarningRule, LedgerReason, RefType, ReversalReason, SubjectType } from './rules';

export type LedgerTransaction = Transaction<Database>;

export interface LedgerSubject {
  type: SubjectType;
  id: string;
}

export interface LedgerRef {
  type: RefType;
  id: string;
}

export interface LedgerEntry {
  id: number;
  subject: LedgerSubject;
  seq: number;
  requestedDelta: number;
  effectiveDelta: number;
  balanceAfter: number;
  reason: LedgerReason;
  ref: LedgerRef | null;
  actorId: string | null;
  reversesEntryId: number | null;
  createdAt: Date;
  prevHash: string;
  hash: string;
}

export type LedgerErrorCode =
  | 'not_in_transaction'
  | 'invalid_subject'
  | 'invalid_ref'
  | 'unknown_reason'
  | 'subject_not_allowed'
  | 'delta_mismatch'
  | 'entry_not_found'
  | 'already_reversed'
  | 'reversal_of_reversal';

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REF_ID = /^[A-Za-z0-9._:-]{1,100}$/;

function checkTransaction(trx: LedgerTransaction) {
  if (!trx.isTransaction) throw new LedgerError('not_in_transaction', 'ledger writes run inside the caller’s transaction');
}

function checkSubject(subject: LedgerSubject): LedgerSubject {
  if (!(subjectTypes as readonly string[]).includes(subject.type) || !UUID.test(subject.id)) {
    throw new LedgerError('invalid_subject', `invalid ledger subject ${subject.type}:${subject.id}`);
  }
  return { type: subject.type, id: subject.id.toLowerCase() };
}

function checkRef(ref: LedgerRef | null | undefined): LedgerRef | null {
  if (!ref) return null;
  if (!(refTypes as readonly string[]).includes(ref.type) || !REF_ID.test(ref.id)) {
    throw new LedgerError('invalid_ref', `invalid ledger reference ${ref.type}:${ref.id}`);
  }
  return ref;
}

function checkActor(actor: string | null | undefined): string | null {
  if (!actor) return null;
  if (!UUID.test(actor)) throw new LedgerError('invalid_subject', `invalid actor id ${actor}`);
  return actor.toLowerCase();
}

interface Head {
  balance: number;
  last_seq: number;
  head_hash: string;
  small_day: string | null;
  small_used: number;
  next_id: number;
  now: Date;
  today: string;
}

/** Locks the subject's chain head for the rest of the transaction (creating it if new). */
async function lockHead(trx: LedgerTransaction, subject: LedgerSubject): Promise<Head> {
  const select = () =>
    sql<Head>`
      with head as (
        select balance, last_seq, head_hash, small_day::text as small_day, small_used
        from reputation_balance
        where subject_type = ${subject.type} and subject_id = ${subject.id}
        for update
      )
      select head.*,
             nextval(pg_get_serial_sequence('reputation_entry', 'id')) as next_id,
             date_trunc('milliseconds', clock_timestamp()) as now,
             (date_trunc('milliseconds', clock_timestamp()) at time zone ${CAP_TIME_ZONE})::date::text as today
      from head
    `.execute(trx);
  let { rows } = await select();
  if (!rows[0]) {
    await sql`
      insert into reputation_balance (subject_type, subject_id) values (${subject.type}, ${subject.id})
      on conflict do nothing
    `.execute(trx);
    ({ rows } = await select());
  }
  const head = rows[0];
  if (!head) throw new Error('ledger head vanished while locked');
  return head;
}

interface Draft {
  reason: LedgerReason;
  requestedDelta: number;
  effectiveDelta: number;
  ref: LedgerRef | null;
  actorId: string | null;
  reversesEntryId: number | null;
  small: boolean;
}

/** Hashes and writes the entry and moves the head, in one statement. */
async function writeEntry(trx: LedgerTransaction, subject: LedgerSubject, head: Head, d: Draft): Promise<LedgerEntry> {
  const balanceAfter = head.balance + d.effectiveDelta;
  const seq = head.last_seq + 1;
  const createdAt = head.now;
  const fields = {
    id: head.next_id,
    subjectType: subject.type,
    subjectId: subject.id,
    seq,
    requestedDelta: d.requestedDelta,
    effectiveDelta: d.effectiveDelta,
    balanceAfter,
    reason: d.reason,
    refType: d.ref?.type ?? null,
    refId: d.ref?.id ?? null,
    actorId: d.actorId,
    reversesEntryId: d.reversesEntryId,
    createdAt: createdAt.toISOString(),
    prevHash: head.head_hash,
  };
  const hash = entryHash(fields);
  const smallDay = head.small_day === head.today ? head.small_day : head.today;
  const smallUsed = (head.small_day === head.today ? head.small_used : 0) + (d.small ? Math.max(0, d.effectiveDelta) : 0);
  await sql`
    with e as (
      insert into reputation_entry (
        id, subject_type, subject_id, seq, requested_delta, effective_delta, balance_after, reason,
        ref_type, ref_id, actor_id, reverses_entry_id, created_at, prev_hash, hash
      ) overriding system value values (
        ${fields.id}, ${subject.type}, ${subject.id}, ${seq}, ${d.requestedDelta}, ${d.effectiveDelta}, ${balanceAfter},
        ${d.reason}, ${fields.refType}, ${fields.refId}, ${d.actorId}, ${d.reversesEntryId}, ${createdAt}, ${head.head_hash}, ${hash}
      )
      returning 1
    )
    update reputation_balance
    set balance = ${balanceAfter}, last_seq = ${seq}, head_hash = ${hash},
        small_day = ${smallDay}::date, small_used = ${smallUsed}, updated_at = ${createdAt}
    where subject_type = ${subject.type} and subject_id = ${subject.id} and exists (select 1 from e)
  `.execute(trx);
  return {
    id: fields.id,
    subject,
    seq,
    requestedDelta: d.requestedDelta,
    effectiveDelta: d.effectiveDelta,
    balanceAfter,
    reason: d.reason,
    ref: d.ref,
    actorId: d.actorId,
    reversesEntryId: d.reversesEntryId,
    createdAt,
    prevHash: head.head_hash,
    hash,
  };
}

const floor = (balance: number, delta: number) => Math.max(delta, BALANCE_FLOOR - balance);

export interface AppendInput {
  subject: LedgerSubject;
  reason: EarningReason;
  /**
   * Optional: the rules table decides the amount. When given it must equal the rule's
   * delta (or, for per-unit rules such as downloads, a positive multiple of it).
   */
  delta?: number;
  ref?: LedgerRef | null;
  /** Who caused the entry (moderator, confirmer, admin…); null for the system. */
  actor?: string | null;
}

function requestedDelta(reason: EarningReason, rule: EarningRule, delta: number | undefined): number {
  if (delta === undefined) return rule.delta;
  const units = delta / rule.delta;
  const ok = Number.isInteger(delta) && (rule.perUnit ? Number.isInteger(units) && units >= 1 : units === 1);
  if (!ok) throw new LedgerError('delta_mismatch', `${reason} is worth ${rule.delta}${rule.perUnit ? ' per unit' : ''}, not ${delta}`);
  return delta;
}

/**
 * Appends an entry to the subject's chain, applying the rules: the daily cap on small
 * events, the per-reference maximum, and the floor at 0. The requested and effective
 * deltas are both recorded (an entry capped to 0 is still written, so the cap is auditable).
 */
export async function appendLedgerEntry(trx: LedgerTransaction, input: AppendInput): Promise<LedgerEntry> {
  checkTransaction(trx);
  const subject = checkSubject(input.subject);
  const ref = checkRef(input.ref);
  const actorId = checkActor(input.actor);
  if (!isEarningReason(input.reason)) throw new LedgerError('unknown_reason', `unknown ledger reason ${String(input.reason)}`);
  const rule: EarningRule = EARNING_RULES[input.reason];
  if (!rule.subjects.includes(subject.type)) {
    throw new LedgerError('subject_not_allowed', `${input.reason} does not credit a ${subject.type}`);
  }
  const requested = requestedDelta(input.reason, rule, input.delta);

  const head = await lockHead(trx, subject);
  let effective = requested;
  if (rule.maxPerRef && ref && effective > 0) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from reputation_entry e
      where e.ref_type = ${ref.type} and e.ref_id = ${ref.id}
        and e.subject_type = ${subject.type} and e.subject_id = ${subject.id}
        and e.reason = ${input.reason} and e.effective_delta > 0
        and not exists (select 1 from reputation_entry r where r.reverses_entry_id = e.id)
    `.execute(trx);
    if ((rows[0]?.n ?? 0) >= rule.maxPerRef) effective = 0;
  }
  if (rule.small && effective > 0) {
    const used = head.small_day === head.today ? head.small_used : 0;
    effective = Math.min(effective, Math.max(0, DAILY_SMALL_CAP - used));
  }
  effective = floor(head.balance, effective);
  return writeEntry(trx, subject, head, {
    reason: input.reason,
    requestedDelta: requested,
    effectiveDelta: effective,
    ref,
    actorId,
    reversesEntryId: null,
    small: rule.small,
  });
}

interface StoredEntryRow {
  id: number;
  subject_type: SubjectType;
  subject_id: string;
  effective_delta: number;
  reason: string;
  ref_type: RefType | null;
  ref_id: string | null;
  reverses_entry_id: number | null;
}

/**
 * Appends a compensating entry that takes back what `entryId` actually moved (its effective
 * delta), clamped at the floor. An entry is reversed at most once (a second attempt is
 * refused, here and by a UNIQUE constraint); a reversal is not itself reversible.
 */
export async function reverseLedgerEntry(
  trx: LedgerTransaction,
  entryId: number,
  actor: string | null,
  reason: ReversalReason,
  ref?: LedgerRef | null,
): Promise<LedgerEntry> {
  checkTransaction(trx);
  if (!isReversalReason(reason)) throw new LedgerError('unknown_reason', `unknown reversal reason ${String(reason)}`);
  const actorId = checkActor(actor);
  const explicitRef = checkRef(ref);
  const original = (
    await sql<StoredEntryRow>`
      select id, subject_type, subject_id, effective_delta, reason, ref_type, ref_id, reverses_entry_id
      from reputation_entry where id = ${entryId}
    `.execute(trx)
  ).rows[0];
  if (!original) throw new LedgerError('entry_not_found', `ledger entry ${entryId} does not exist`);
  if (original.reverses_entry_id !== null) {
    throw new LedgerError('reversal_of_reversal', `ledger entry ${entryId} is itself a reversal`);
  }
  const subject = { type: original.subject_type, id: original.subject_id };
  const head = await lockHead(trx, subject);
  // Checked after the lock: a concurrent reversal of the same entry has committed by now.
  const { rows: already } = await sql<{ id: number }>`
    select id from reputation_entry where reverses_entry_id = ${entryId}
  `.execute(trx);
  if (already[0]) throw new LedgerError('already_reversed', `ledger entry ${entryId} was already reversed by entry ${already[0].id}`);
  const requested = -original.effective_delta;
  return writeEntry(trx, subject, head, {
    reason,
    requestedDelta: requested,
    effectiveDelta: floor(head.balance, requested),
    ref: explicitRef ?? (original.ref_type && original.ref_id ? { type: original.ref_type, id: original.ref_id } : null),
    actorId,
    reversesEntryId: entryId,
    small: false,
  });
}

/** Reverses every not-yet-reversed credit of `ref` (e.g. a retracted contribution). */
export async function reverseCreditsOf(
  trx: LedgerTransaction,
  ref: LedgerRef,
  actor: string | null,
  reason: ReversalReason = 'reversal_retraction',
): Promise<LedgerEntry[]> {
  checkTransaction(trx);
  checkRef(ref);
  const { rows } = await sql<{ id: number }>`
    select e.id from reputation_entry e
    where e.ref_type = ${ref.type} and e.ref_id = ${ref.id} and e.reverses_entry_id is null
      and e.effective_delta > 0
      and not exists (select 1 from reputation_entry r where r.reverses_entry_id = e.id)
    order by e.id
  `.execute(trx);
  const out: LedgerEntry[] = [];
  for (const { id } of rows) out.push(await reverseLedgerEntry(trx, id, actor, reason));
  return out;
}
