// Credits for confirmations, with the anti-gaming rules: no credit for confirming one's own
// observation or one of one's organisation, none from accounts younger than 7 days, and
// pairs of accounts confirming each other too often flagged to admins, who can reverse
// their credits in bulk (compensating entries whose reason code audits the decision).
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import { detectMutualConfirmations } from './gaming';
import type { ConfirmationEntry, MutualConfirmation } from './gaming';
import { LedgerError, appendLedgerEntry, reverseLedgerEntry } from './ledger.server';
import type { LedgerEntry, LedgerTransaction } from './ledger.server';
import { MIN_CONFIRMER_ACCOUNT_AGE_DAYS, MUTUAL_CONFIRMATION_WINDOW_DAYS } from './rules';

export interface ObservationInfo {
  id: string;
  authorId: string;
  /** The organisation the observation was published for, if any. */
  organizationId?: string | null;
}

export type NoCreditReason = 'own_observation' | 'own_organization' | 'young_account' | 'unknown_account';

export interface ConfirmationCreditResult {
  entry: LedgerEntry | null;
  noCredit: NoCreditReason | null;
  /** Set when this confirmation made (or kept) the pair flagged. */
  flagId: number | null;
}

/** Why a confirmation by `confirmerId` of `observation` earns nothing, or null if it earns. */
export async function confirmationNoCreditReason(
  trx: DB | LedgerTransaction,
  observation: ObservationInfo,
  confirmerId: string,
): Promise<NoCreditReason | null> {
  if (confirmerId === observation.authorId) return 'own_observation';
  const confirmer = await trx
    .selectFrom('users')
    .select(sql<boolean>`created_at > now() - make_interval(days => ${MIN_CONFIRMER_ACCOUNT_AGE_DAYS})`.as('young'))
    .where('id', '=', confirmerId)
    .executeTakeFirst();
  if (!confirmer) return 'unknown_account';
  if (observation.organizationId) {
    const member = await trx
      .selectFrom('membership')
      .select('user_id')
      .where('user_id', '=', confirmerId)
      .where('organization_id', '=', observation.organizationId)
      .executeTakeFirst();
    if (member) return 'own_organization';
  }
  if (confirmer.young) return 'young_account';
  return null;
}

/**
 * A confirmation was recorded: credit the observation's author (+1, at most 5 per
 * observation, within the daily cap), unless a rule says it earns nothing; then look at the
 * pair's recent confirmations and flag it when they confirm each other too often.
 */
export async function creditConfirmationReceived(
  trx: LedgerTransaction,
  observation: ObservationInfo,
  confirmerId: string,
): Promise<ConfirmationCreditResult> {
  const noCredit = await confirmationNoCreditReason(trx, observation, confirmerId);
  if (noCredit) return { entry: null, noCredit, flagId: null };
  const entry = await appendLedgerEntry(trx, {
    subject: { type: 'user', id: observation.authorId },
    reason: 'confirmation_received',
    ref: { type: 'observation', id: observation.id },
    actor: confirmerId,
  });
  const flagId = await flagPairIfMutual(trx, observation.authorId, confirmerId);
  return { entry, noCredit: null, flagId };
}

/**
 * An observation was published: each confirmer who confirmed it earns +1
 * (confirmation_published), under the same anti-gaming rules.
 */
export async function creditConfirmersOnPublication(
  trx: LedgerTransaction,
  observation: ObservationInfo,
  confirmerIds: readonly string[],
  actor: string | null = null,
): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for (const confirmerId of confirmerIds) {
    if (await confirmationNoCreditReason(trx, observation, confirmerId)) continue;
    out.push(
      await appendLedgerEntry(trx, {
        subject: { type: 'user', id: confirmerId },
        reason: 'confirmation_published',
        ref: { type: 'observation', id: observation.id },
        actor,
      }),
    );
  }
  return out;
}

async function confirmationEntriesBetween(
  db: DB | LedgerTransaction,
  a: string,
  b: string,
  since: Date,
): Promise<ConfirmationEntry[]> {
  const rows = await db
    .selectFrom('reputation_entry')
    .select(['id', 'subject_id', 'actor_id', 'created_at', 'ref_type', 'ref_id'])
    .where('reason', '=', 'confirmation_received')
    .where('subject_type', '=', 'user')
    .where((eb) =>
      eb.or([
        eb.and([eb('subject_id', '=', a), eb('actor_id', '=', b)]),
        eb.and([eb('subject_id', '=', b), eb('actor_id', '=', a)]),
      ]),
    )
    .where('created_at', '>=', since)
    .orderBy('id')
    .execute();
  return rows.map(toConfirmationEntry);
}

function toConfirmationEntry(r: {
  id: number;
  subject_id: string;
  actor_id: string | null;
  created_at: Date;
  ref_type: string | null;
  ref_id: string | null;
}): ConfirmationEntry {
  return {
    entryId: r.id,
    subjectId: r.subject_id,
    actorId: r.actor_id ?? '',
    createdAt: r.created_at,
    ref: r.ref_type && r.ref_id ? { type: r.ref_type, id: r.ref_id } : null,
  };
}

async function upsertFlag(db: DB | LedgerTransaction, m: MutualConfirmation): Promise<number> {
  const row = await db
    .insertInto('reputation_flag')
    .values({
      kind: 'mutual_confirmation',
      user_a: m.userA,
      user_b: m.userB,
      confirmations: m.confirmations,
      window_start: m.windowStart,
      window_end: m.windowEnd,
    })
    .onConflict((oc) =>
      oc
        .columns(['kind', 'user_a', 'user_b'])
        .where('resolved_at', 'is', null)
        .doUpdateSet({
          confirmations: sql`greatest(reputation_flag.confirmations, excluded.confirmations)`,
          window_start: sql`least(reputation_flag.window_start, excluded.window_start)`,
          window_end: sql`greatest(reputation_flag.window_end, excluded.window_end)`,
        }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function flagPairIfMutual(trx: LedgerTransaction, a: string, b: string): Promise<number | null> {
  const since = new Date(Date.now() - 2 * MUTUAL_CONFIRMATION_WINDOW_DAYS * 86_400_000);
  const found = detectMutualConfirmations(await confirmationEntriesBetween(trx, a, b, since));
  return found[0] ? upsertFlag(trx, found[0]) : null;
}

/** Scans the recent ledger for mutual confirmations and flags them (periodic job). */
export async function flagMutualConfirmations(db: DB, now = new Date()): Promise<number[]> {
  const since = new Date(now.getTime() - 2 * MUTUAL_CONFIRMATION_WINDOW_DAYS * 86_400_000);
  const rows = await db
    .selectFrom('reputation_entry')
    .select(['id', 'subject_id', 'actor_id', 'created_at', 'ref_type', 'ref_id'])
    .where('reason', '=', 'confirmation_received')
    .where('subject_type', '=', 'user')
    .where('actor_id', 'is not', null)
    .where('created_at', '>=', since)
    .execute();
  const ids: number[] = [];
  for (const m of detectMutualConfirmations(rows.map(toConfirmationEntry))) ids.push(await upsertFlag(db, m));
  return ids;
}

export interface FlagView {
  id: number;
  userA: string;
  userB: string;
  pseudonymA: string | null;
  pseudonymB: string | null;
  confirmations: number;
  windowStart: Date;
  windowEnd: Date;
  createdAt: Date;
  resolvedAt: Date | null;
  resolution: string | null;
}

export async function listFlags(db: DB, { open = true } = {}): Promise<FlagView[]> {
  const rows = await db
    .selectFrom('reputation_flag as f')
    .leftJoin('users as a', 'a.id', 'f.user_a')
    .leftJoin('users as b', 'b.id', 'f.user_b')
    .select([
      'f.id',
      'f.user_a',
      'f.user_b',
      'a.pseudonym as pa',
      'b.pseudonym as pb',
      'f.confirmations',
      'f.window_start',
      'f.window_end',
      'f.created_at',
      'f.resolved_at',
      'f.resolution',
    ])
    .where('f.resolved_at', open ? 'is' : 'is not', null)
    .orderBy('f.id', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    userA: r.user_a,
    userB: r.user_b,
    pseudonymA: r.pa,
    pseudonymB: r.pb,
    confirmations: r.confirmations,
    windowStart: r.window_start,
    windowEnd: r.window_end,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
  }));
}

/**
 * An admin's decision on a flag: reverse every confirmation credit the two accounts gave
 * each other within the flagged window (compensating entries with reason
 * reversal_mutual_confirmation, actor = the admin, ref = the flag), or dismiss it.
 */
export async function resolveMutualConfirmationFlag(
  trx: LedgerTransaction,
  flagId: number,
  adminId: string,
  decision: 'reverse' | 'dismiss',
): Promise<{ reversed: LedgerEntry[] }> {
  const flag = await trx
    .selectFrom('reputation_flag')
    .selectAll()
    .where('id', '=', flagId)
    .forUpdate()
    .executeTakeFirst();
  if (!flag) throw new LedgerError('entry_not_found', `flag ${flagId} does not exist`);
  if (flag.resolved_at) throw new LedgerError('already_reversed', `flag ${flagId} was already resolved`);
  const reversed: LedgerEntry[] = [];
  if (decision === 'reverse') {
    const entries = await confirmationEntriesBetween(trx, flag.user_a, flag.user_b, flag.window_start);
    const inWindow = entries.filter((e) => e.createdAt.getTime() <= flag.window_end.getTime());
    const { rows: done } = await sql<{ reverses_entry_id: number }>`
      select reverses_entry_id from reputation_entry
      where reverses_entry_id = any(${inWindow.map((e) => e.entryId)}::bigint[])
    `.execute(trx);
    const skip = new Set(done.map((d) => d.reverses_entry_id));
    for (const e of inWindow) {
      if (skip.has(e.entryId)) continue;
      reversed.push(
        await reverseLedgerEntry(trx, e.entryId, adminId, 'reversal_mutual_confirmation', {
          type: 'reputation_flag',
          id: String(flagId),
        }),
      );
    }
  }
  await trx
    .updateTable('reputation_flag')
    .set({ resolved_at: sql`now()`, resolved_by: adminId, resolution: decision === 'reverse' ? 'reversed' : 'dismissed' })
    .where('id', '=', flagId)
    .execute();
  // The ledger audits the reversal itself (reason code, actor, ref); the admins' journal
  // records the decision too, dismissals included.
  await appendAuditLog(trx, {
    actorId: adminId,
    action: decision === 'reverse' ? 'reputation.flag_reversed' : 'reputation.flag_dismissed',
    targetType: 'reputation_flag',
    targetId: String(flagId),
    details: { users: [flag.user_a, flag.user_b], reversedEntries: reversed.map((e) => e.id) },
  });
  return { reversed };
}

/** An admin's decision, in its own transaction; `ok: false` when the flag was already handled. */
export async function resolveFlag(
  db: DB,
  flagId: number,
  adminId: string,
  decision: 'reverse' | 'dismiss',
): Promise<{ ok: true; reversed: number } | { ok: false }> {
  try {
    const r = await db.transaction().execute((trx) => resolveMutualConfirmationFlag(trx, flagId, adminId, decision));
    return { ok: true, reversed: r.reversed.length };
  } catch (e) {
    if (e instanceof LedgerError) return { ok: false };
    throw e;
  }
}

/** Whether an open mutual-confirmation flag names this user (good standing requires none). */
export async function hasOpenFlag(db: DB | LedgerTransaction, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('reputation_flag')
    .select('id')
    .where('resolved_at', 'is', null)
    .where((eb) => eb.or([eb('user_a', '=', userId), eb('user_b', '=', userId)]))
    .executeTakeFirst();
  return Boolean(row);
}
