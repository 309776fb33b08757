// Moderation: claims ("review next"), decisions (approve, four-eyes second review, reject,
// request changes), claim expiry and admins breaking claims. Every decision is one
// transaction through the state machine, with its ledger entries, notifications and jobs.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { applyTransition, lockContribution, TransitionError } from '../contributions/transitions.server';
import type { LockedContribution } from '../contributions/transitions.server';
import { rejectionReasons } from '../contributions/state-machine';
import type { ContributionState, RejectionReason } from '../contributions/state-machine';
import { appendAuditLog } from '../admin/audit.server';
import { notify } from './notifications.server';
import { enqueueJob } from '../jobs/jobs.server';
import { appendLedgerEntry } from '../reputation/ledger.server';
import type { LedgerTransaction } from '../reputation/ledger.server';
import { publishObservation } from '../observations/observations.server';

export const DEFAULT_CLAIM_MINUTES = 30;
/** Share of auto-approved contributions sampled for after-the-fact review. */
export const DEFAULT_AUDIT_SHARE = 0.2;
export const METROPOLE_CODE = '200046977';
export const PUBLISH_TASK = 'publish_contribution';

export type ModerationErrorCode =
  | 'not_found'
  | 'not_moderator'
  | 'conflict_of_interest'
  | 'out_of_scope'
  | 'not_holder'
  | 'same_approver'
  | 'illegal'
  | 'stale'
  | 'reason_required'
  | 'comment_required';

export class ModerationError extends Error {
  constructor(
    readonly code: ModerationErrorCode,
    message: string,
    readonly current?: { state: ContributionState; version: number },
  ) {
    super(message);
  }
}

export interface Moderator {
  id: string;
  isAdmin: boolean;
  /** Territory codes (communes, or the Métropole) and theme codes; empty = unrestricted for that kind. */
  territories: string[];
  themes: string[];
}

/** A user's moderation powers, or null when they have none. */
export async function loadModerator(db: DB, userId: string): Promise<Moderator | null> {
  const user = await db.selectFrom('users').select(['id', 'is_admin']).where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!user) return null;
  const scopes = await db.selectFrom('moderator_scope').select(['kind', 'code']).where('user_id', '=', userId).execute();
  if (!user.is_admin && scopes.length === 0) return null;
  return {
    id: user.id,
    isAdmin: user.is_admin,
    territories: user.is_admin ? [] : scopes.filter((s) => s.kind === 'territory').map((s) => s.code),
    themes: user.is_admin ? [] : scopes.filter((s) => s.kind === 'theme').map((s) => s.code),
  };
}

const allTerritories = (m: Moderator) => m.territories.length === 0 || m.territories.includes(METROPOLE_CODE);

/** Conflict of interest: their own contribution, or one made for an organisation they belong to. */
export async function hasConflict(trx: DB, moderatorId: string, c: Pick<LockedContribution, 'submitter_id' | 'organization_id'>): Promise<boolean> {
  if (c.submitter_id === moderatorId) return true;
  if (!c.organization_id) return false;
  const m = await trx
    .selectFrom('membership')
    .select('user_id')
    .where('user_id', '=', moderatorId)
    .where('organization_id', '=', c.organization_id)
    .executeTakeFirst();
  return Boolean(m);
}

export async function inScope(trx: DB, m: Moderator, contributionId: string): Promise<boolean> {
  if (allTerritories(m) && m.themes.length === 0) return true;
  const row = await trx.selectFrom('contribution').select(['communes', 'themes']).where('id', '=', contributionId).executeTakeFirstOrThrow();
  const whereOk = allTerritories(m) || row.communes.some((c) => m.territories.includes(c));
  const whatOk = m.themes.length === 0 || row.themes.some((t) => m.themes.includes(t));
  return whereOk && whatOk;
}

/** Returns expired claims to where they were claimed from. Safe to run anywhere, any time. */
export async function expireClaims(db: DB): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const expired = await trx
      .selectFrom('contribution')
      .select('id')
      .where('state', '=', 'in_review')
      .where('claim_expires_at', '<', sql<Date>`now()`)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const { id } of expired) {
      const c = await lockContribution(trx, id);
      const from = await claimedFrom(trx, id);
      await applyTransition(trx, c, { action: 'expire_claim', to: from, actorId: null, set: clearClaim });
    }
    await trx
      .updateTable('review_task')
      .set({ state: 'open', claimed_by: null, claim_expires_at: null })
      .where('state', '=', 'in_review')
      .where('claim_expires_at', '<', sql<Date>`now()`)
      .execute();
    return expired.length;
  });
}

export const clearClaim = { claimed_by: null, claimed_at: null, claim_expires_at: null, claimed_from: null } as const;

async function claimedFrom(trx: DB, id: string): Promise<ContributionState> {
  const r = await trx.selectFrom('contribution').select('claimed_from').where('id', '=', id).executeTakeFirstOrThrow();
  return (r.claimed_from as ContributionState | null) ?? 'submitted';
}

export interface ClaimedItem {
  id: string;
  version: number;
  state: ContributionState;
  claimExpiresAt: Date;
}

/**
 * "Review next": the oldest waiting contribution in the moderator's scopes that they have
 * no conflict of interest with (and, in second review, did not approve first), claimed
 * with FOR UPDATE SKIP LOCKED so two moderators never get the same item.
 */
export async function claimNextContribution(
  db: DB,
  m: Moderator,
  opts: { claimMinutes?: number; kind?: 'dataset' | 'observation' } = {},
): Promise<ClaimedItem | null> {
  await expireClaims(db);
  return db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('contribution as c')
      .select(['c.id'])
      .where('c.state', 'in', ['submitted', 'second_review'])
      .where('c.submitter_id', '!=', m.id)
      .where((eb) =>
        eb.or([
          eb('c.organization_id', 'is', null),
          eb('c.organization_id', 'not in', eb.selectFrom('membership').select('organization_id').where('user_id', '=', m.id)),
        ]),
      )
      .where((eb) => eb.or([eb('c.state', '!=', 'second_review'), eb('c.first_approver_id', 'is', null), eb('c.first_approver_id', '!=', m.id)]));
    if (!allTerritories(m)) q = q.where(sql<boolean>`c.communes && ${sql.val(m.territories)}::text[]`);
    if (m.themes.length) q = q.where(sql<boolean>`c.themes && ${sql.val(m.themes)}::text[]`);
    if (opts.kind === 'observation') q = q.where('c.kind', '=', 'observation');
    if (opts.kind === 'dataset') q = q.where('c.kind', '!=', 'observation');
    // Confirmed observations (queue_priority 1) first, then the oldest.
    const next = await q.orderBy('c.queue_priority', 'desc').orderBy('c.submitted_at').orderBy('c.id').limit(1).forUpdate().skipLocked().executeTakeFirst();
    if (!next) return null;
    const c = await lockContribution(trx, next.id);
    const expires = new Date(Date.now() + (opts.claimMinutes ?? DEFAULT_CLAIM_MINUTES) * 60_000);
    const after = await applyTransition(trx, c, {
      action: 'claim',
      to: 'in_review',
      actorId: m.id,
      set: { claimed_by: m.id, claimed_at: new Date(), claim_expires_at: expires, claimed_from: c.state },
    });
    return { id: c.id, version: after.version, state: after.state, claimExpiresAt: expires };
  });
}

async function lockAsHolder(trx: DB, m: Moderator, id: string, expectedVersion?: number) {
  const c = await lockContribution(trx, id).catch((e) => {
    if (e instanceof TransitionError) throw new ModerationError('not_found', 'contribution not found');
    throw e;
  });
  // Conflict of interest is checked on every decision, not only at claim time.
  if (await hasConflict(trx, m.id, c)) throw new ModerationError('conflict_of_interest', 'you cannot decide on a contribution of yours or of your organisation');
  const holder = await trx.selectFrom('contribution').select(['claimed_by', 'first_approver_id', 'personal_data', 'title', 'kind']).where('id', '=', id).executeTakeFirstOrThrow();
  if (expectedVersion !== undefined && expectedVersion !== c.version) {
    throw new ModerationError('stale', 'the contribution changed since you opened it', { state: c.state, version: c.version });
  }
  if (c.state !== 'in_review') throw new ModerationError('illegal', `the contribution is ${c.state}, not in review`, { state: c.state, version: c.version });
  if (holder.claimed_by !== m.id) throw new ModerationError('not_holder', 'another moderator holds this contribution', { state: c.state, version: c.version });
  return { c, extra: holder };
}

async function notifyContributor(trx: DB, contributionId: string, event: string, comment?: string | null) {
  const row = await trx
    .selectFrom('contribution as c')
    .innerJoin('users as u', 'u.id', 'c.submitter_id')
    .select(['u.id', 'u.email', 'u.pseudonym', 'u.locale', 'u.deleted_at', 'c.title', 'c.kind'])
    .where('c.id', '=', contributionId)
    .executeTakeFirstOrThrow();
  if (row.deleted_at) return;
  // Observations have their own page; datasets are followed from "my contributions".
  const url = row.kind === 'observation' ? `/observations/${contributionId}` : `/compte/contributions/${contributionId}`;
  // In-app notification, and the email as the contributor's preference says.
  await notify(trx, {
    userId: row.id,
    kind: event,
    contributionId,
    title: row.title,
    comment,
    url,
    email: {
      to: row.email,
      template: 'contribution_event',
      locale: row.locale,
      params: { pseudonym: row.pseudonym, title: row.title, event, comment: comment ?? '', url },
    },
  });
}

/** Ledger credits of an approval (or auto-approval): the person, and the organisation acted for. */
async function creditApproval(trx: DB, c: LockedContribution, actorId: string | null) {
  const reason = c.kind === 'dataset_update' ? 'dataset_update_approved' : c.kind === 'observation' ? 'observation_published' : 'dataset_contribution_approved';
  const ref = { type: 'contribution' as const, id: c.id };
  await appendLedgerEntry(trx as LedgerTransaction, { subject: { type: 'user', id: c.submitter_id }, reason, ref, actor: actorId });
  if (c.organization_id) {
    await appendLedgerEntry(trx as LedgerTransaction, { subject: { type: 'organization', id: c.organization_id }, reason, ref, actor: actorId });
  }
}

export type ApproveOutcome = 'approved' | 'second_review';

/**
 * Approves the claimed contribution. One holding personal data needs two different
 * moderators: the first approval moves it to second review.
 */
export async function approveContribution(
  db: DB,
  m: Moderator,
  id: string,
  input: { expectedVersion?: number; comment?: string | null } = {},
): Promise<ApproveOutcome> {
  return db.transaction().execute(async (trx) => {
    const { c, extra } = await lockAsHolder(trx, m, id, input.expectedVersion);
    const needsSecond = extra.personal_data && !extra.first_approver_id;
    if (extra.personal_data && extra.first_approver_id === m.id) {
      throw new ModerationError('same_approver', 'the second approval must come from another moderator');
    }
    if (needsSecond) {
      await applyTransition(trx, c, {
        action: 'approve',
        to: 'second_review',
        actorId: m.id,
        comment: input.comment,
        set: { ...clearClaim, first_approver_id: m.id },
      });
      await notifyContributor(trx, id, 'second_review');
      return 'second_review';
    }
    await applyTransition(trx, c, {
      action: 'approve',
      to: 'approved',
      actorId: m.id,
      comment: input.comment,
      set: { ...clearClaim, approved_at: new Date() },
    });
    await creditApproval(trx, c, m.id);
    // An observation has no files: it is published in the approval's transaction.
    if (c.kind === 'observation') await publishObservation(trx, id, m.id);
    if (c.kind !== 'observation') await enqueueJob(trx, PUBLISH_TASK, { contributionId: id }, { jobKey: `publish:${id}` });
    await notifyContributor(trx, id, 'approved', input.comment);
    return 'approved';
  });
}

export async function rejectContribution(
  db: DB,
  m: Moderator,
  id: string,
  input: { reasonCode: string; comment: string; expectedVersion?: number },
): Promise<void> {
  if (!(rejectionReasons as readonly string[]).includes(input.reasonCode)) throw new ModerationError('reason_required', 'a rejection needs a reason code');
  if (!input.comment?.trim()) throw new ModerationError('comment_required', 'a rejection needs a comment');
  await db.transaction().execute(async (trx) => {
    const { c } = await lockAsHolder(trx, m, id, input.expectedVersion);
    await applyTransition(trx, c, {
      action: 'reject',
      to: 'rejected',
      actorId: m.id,
      reasonCode: input.reasonCode,
      comment: input.comment.trim(),
      set: clearClaim,
    });
    const reason = (input.reasonCode as RejectionReason) === 'spam' ? 'rejected_spam' : 'rejected_other';
    const ref = { type: 'contribution' as const, id };
    await appendLedgerEntry(trx as LedgerTransaction, { subject: { type: 'user', id: c.submitter_id }, reason, ref, actor: m.id });
    if (c.organization_id) await appendLedgerEntry(trx as LedgerTransaction, { subject: { type: 'organization', id: c.organization_id }, reason, ref, actor: m.id });
    await notifyContributor(trx, id, 'rejected', input.comment.trim());
  });
}

export async function requestChanges(db: DB, m: Moderator, id: string, input: { comment: string; expectedVersion?: number }): Promise<void> {
  if (!input.comment?.trim()) throw new ModerationError('comment_required', 'say what needs to change');
  await db.transaction().execute(async (trx) => {
    const { c } = await lockAsHolder(trx, m, id, input.expectedVersion);
    await applyTransition(trx, c, {
      action: 'request_changes',
      to: 'changes_requested',
      actorId: m.id,
      comment: input.comment.trim(),
      set: clearClaim,
    });
    await notifyContributor(trx, id, 'changes_requested', input.comment.trim());
  });
}

/** The holder gives the item back; an admin may break someone else's claim (audited, holder notified). */
export async function releaseClaim(db: DB, m: Moderator, id: string, opts: { baseUrl?: string } = {}): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const c = await lockContribution(trx, id).catch(() => {
      throw new ModerationError('not_found', 'contribution not found');
    });
    if (c.state !== 'in_review') throw new ModerationError('illegal', `the contribution is ${c.state}`, { state: c.state, version: c.version });
    const row = await trx
      .selectFrom('contribution as c')
      .leftJoin('users as h', 'h.id', 'c.claimed_by')
      .select(['c.claimed_by', 'c.claimed_from', 'c.title', 'h.email', 'h.locale', 'h.pseudonym'])
      .where('c.id', '=', id)
      .executeTakeFirstOrThrow();
    const breaking = row.claimed_by !== m.id;
    if (breaking && !m.isAdmin) throw new ModerationError('not_holder', 'only the holder or an admin can release a claim');
    await applyTransition(trx, c, {
      action: 'release',
      to: (row.claimed_from as ContributionState | null) ?? 'submitted',
      actorId: m.id,
      comment: breaking ? 'claim broken by an admin' : null,
      set: clearClaim,
    });
    if (breaking && row.claimed_by) {
      await appendAuditLog(trx, {
        actorId: m.id,
        action: 'moderation.break_claim',
        targetType: 'contribution',
        targetId: id,
        details: { holder: row.claimed_by },
      });
      if (row.email) {
        await notify(trx, {
          userId: row.claimed_by,
          kind: 'claim_broken',
          contributionId: id,
          title: row.title,
          url: `/moderation/${id}`,
          email: {
            to: row.email,
            template: 'moderation_event',
            locale: row.locale ?? 'fr',
            params: { pseudonym: row.pseudonym ?? '', title: row.title, event: 'claim_broken', comment: '', url: `${(opts.baseUrl ?? '').replace(/\/+$/, '')}/moderation/${id}` },
          },
        });
      }
    }
  });
}

/** Fired by the state machine's auto-approval: privileges, never for personal data. */
export async function autoApprove(trx: DB, c: LockedContribution, auditShare: number): Promise<boolean> {
  const row = await trx.selectFrom('contribution').select(['personal_data']).where('id', '=', c.id).executeTakeFirstOrThrow();
  if (row.personal_data) return false;
  await applyTransition(trx, c, { action: 'auto_approve', to: 'approved', actorId: null, set: { approved_at: new Date(), audit_pending: true } });
  await creditApproval(trx, c, null);
  if (c.kind === 'observation') await publishObservation(trx, c.id, null);
  if (c.kind !== 'observation') await enqueueJob(trx, PUBLISH_TASK, { contributionId: c.id }, { jobKey: `publish:${c.id}` });
  // A configurable share is sampled for after-the-fact review.
  if (Math.random() < auditShare) {
    await trx.insertInto('review_task').values({ kind: 'audit', contribution_id: c.id }).onConflict((oc) => oc.doNothing()).execute();
  }
  return true;
}

