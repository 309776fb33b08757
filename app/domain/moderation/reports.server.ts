// After publication: reports by users and audit samples become review tasks, claimed like
// contributions (same rules, SKIP LOCKED); a task ends cleared, or with the retraction of
// its item. Retraction takes the item out of listings and APIs, leaves a tombstone, and
// reverses the ledger credits it earned.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { applyTransition, lockContribution } from '../contributions/transitions.server';
import { notify } from './notifications.server';
import { reopenOnRetraction } from '../contracts/fulfilment.server';
import { reverseCreditsOf } from '../reputation/ledger.server';
import type { LedgerTransaction } from '../reputation/ledger.server';
import { DEFAULT_CLAIM_MINUTES, METROPOLE_CODE, ModerationError } from './moderation.server';
import type { Moderator } from './moderation.server';

export const reportReasons = ['inaccurate', 'personal_data', 'licence', 'offensive', 'duplicate', 'other'] as const;
export type ReportReason = (typeof reportReasons)[number];

export async function reportPublishedItem(
  db: DB,
  reporterId: string,
  contributionId: string,
  input: { reason: string; comment: string },
): Promise<{ reportId: string; taskId: string }> {
  if (!(reportReasons as readonly string[]).includes(input.reason)) throw new ModerationError('reason_required', 'a report needs a reason');
  if (!input.comment.trim()) throw new ModerationError('comment_required', 'a report needs a comment');
  return db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('contribution').select(['id', 'state']).where('id', '=', contributionId).executeTakeFirst();
    if (!c || c.state !== 'published') throw new ModerationError('not_found', 'only published items can be reported');
    const report = await trx
      .insertInto('content_report')
      .values({ contribution_id: contributionId, reporter_id: reporterId, reason: input.reason, comment: input.comment.trim().slice(0, 4000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const task = await trx
      .insertInto('review_task')
      .values({ kind: 'report', contribution_id: contributionId, report_id: report.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { reportId: report.id, taskId: task.id };
  });
}

export interface ClaimedTask {
  id: string;
  kind: 'audit' | 'report';
  contributionId: string;
  claimExpiresAt: Date;
}

/** The oldest open review task the moderator may take (scope, no conflict of interest). */
export async function claimNextReviewTask(db: DB, m: Moderator, opts: { claimMinutes?: number } = {}): Promise<ClaimedTask | null> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('review_task')
      .set({ state: 'open', claimed_by: null, claim_expires_at: null })
      .where('state', '=', 'in_review')
      .where('claim_expires_at', '<', sql<Date>`now()`)
      .execute();
    let q = trx
      .selectFrom('review_task as t')
      .innerJoin('contribution as c', 'c.id', 't.contribution_id')
      .select(['t.id', 't.kind', 't.contribution_id'])
      .where('t.state', '=', 'open')
      .where('c.submitter_id', '!=', m.id)
      .where((eb) =>
        eb.or([
          eb('c.organization_id', 'is', null),
          eb('c.organization_id', 'not in', eb.selectFrom('membership').select('organization_id').where('user_id', '=', m.id)),
        ]),
      );
    if (m.territories.length && !m.territories.includes(METROPOLE_CODE)) q = q.where(sql<boolean>`c.communes && ${sql.val(m.territories)}::text[]`);
    if (m.themes.length) q = q.where(sql<boolean>`c.themes && ${sql.val(m.themes)}::text[]`);
    const next = await q.orderBy('t.created_at').orderBy('t.id').limit(1).forUpdate('t').skipLocked().executeTakeFirst();
    if (!next) return null;
    const expires = new Date(Date.now() + (opts.claimMinutes ?? DEFAULT_CLAIM_MINUTES) * 60_000);
    await trx.updateTable('review_task').set({ state: 'in_review', claimed_by: m.id, claim_expires_at: expires }).where('id', '=', next.id).execute();
    return { id: next.id, kind: next.kind as ClaimedTask['kind'], contributionId: next.contribution_id, claimExpiresAt: expires };
  });
}

/** Tells whoever reported the item what came of their report (in-app, and email per preference). */
async function notifyReporter(trx: DB, reportId: string, kind: 'report_cleared' | 'report_retracted', comment: string | null) {
  const r = await trx
    .selectFrom('content_report as r')
    .innerJoin('contribution as c', 'c.id', 'r.contribution_id')
    .innerJoin('users as u', 'u.id', 'r.reporter_id')
    .select(['u.id', 'u.email', 'u.pseudonym', 'u.locale', 'u.deleted_at', 'c.title'])
    .where('r.id', '=', reportId)
    .executeTakeFirst();
  if (!r || r.deleted_at) return;
  const body =
    kind === 'report_cleared'
      ? { fr: `Votre signalement sur « ${r.title} » a été examiné : le contenu reste publié.`, en: `Your report about “${r.title}” was reviewed: the item stays published.` }
      : { fr: `Votre signalement sur « ${r.title} » a été examiné : le contenu a été dépublié.`, en: `Your report about “${r.title}” was reviewed: the item was retracted.` };
  await notify(trx, {
    userId: r.id,
    kind,
    title: r.title,
    comment,
    url: '/notifications',
    email: {
      to: r.email,
      template: 'notification',
      locale: r.locale,
      params: { pseudonym: r.pseudonym, subject_fr: 'Votre signalement', subject_en: 'Your report', body_fr: body.fr, body_en: body.en, comment: comment ?? '', url: '/notifications' },
    },
  });
}

async function lockTask(trx: DB, m: Moderator, taskId: string) {
  const task = await trx.selectFrom('review_task').selectAll().where('id', '=', taskId).forUpdate().executeTakeFirst();
  if (!task) throw new ModerationError('not_found', 'review task not found');
  if (task.state !== 'in_review') throw new ModerationError('illegal', `the task is ${task.state}`);
  if (task.claimed_by !== m.id) throw new ModerationError('not_holder', 'another moderator holds this task');
  return task;
}

export async function clearReviewTask(db: DB, m: Moderator, taskId: string, comment?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const task = await lockTask(trx, m, taskId);
    await trx
      .updateTable('review_task')
      .set({ state: 'cleared', decided_by: m.id, decided_at: new Date(), comment: comment?.trim() || null, claimed_by: null, claim_expires_at: null })
      .where('id', '=', taskId)
      .execute();
    if (task.kind === 'audit') await trx.updateTable('contribution').set({ audit_pending: false }).where('id', '=', task.contribution_id).execute();
    if (task.report_id) await notifyReporter(trx, task.report_id, 'report_cleared', comment?.trim() || null);
  });
}

/**
 * Retracts a published contribution: its dataset version (or observation) leaves listings
 * and APIs, the dataset falls back to its previous published version (or becomes a
 * tombstone), its ledger credits are reversed, the contributor is told.
 */
export async function retractContribution(
  trx: DB,
  actorId: string,
  contributionId: string,
  reason: string,
): Promise<void> {
  if (!reason.trim()) throw new ModerationError('comment_required', 'say why the item is retracted');
  const c = await lockContribution(trx, contributionId).catch(() => {
    throw new ModerationError('not_found', 'contribution not found');
  });
  if (c.state !== 'published') throw new ModerationError('illegal', `the contribution is ${c.state}`, { state: c.state, version: c.version });
  const row = await trx.selectFrom('contribution').select(['published_version_id', 'title']).where('id', '=', contributionId).executeTakeFirstOrThrow();
  await applyTransition(trx, c, { action: 'retract', to: 'retracted', actorId, comment: reason.trim() });
  if (row.published_version_id) {
    const v = await trx
      .updateTable('dataset_version')
      .set({ state: 'retracted', retracted_at: new Date(), retraction_reason: reason.trim() })
      .where('id', '=', row.published_version_id)
      .returning(['dataset_id'])
      .executeTakeFirstOrThrow();
    const previous = await trx
      .selectFrom('dataset_version')
      .select(['id', 'metadata'])
      .where('dataset_id', '=', v.dataset_id)
      .where('state', '=', 'published')
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (previous) {
      await trx
        .updateTable('dataset')
        .set({ current_version_id: previous.id, metadata: JSON.stringify(previous.metadata), updated_at: sql`now()` })
        .where('id', '=', v.dataset_id)
        .execute();
    } else {
      await trx
        .updateTable('dataset')
        .set({ state: 'retracted', retracted_at: new Date(), retraction_reason: reason.trim(), updated_at: sql`now()` })
        .where('id', '=', v.dataset_id)
        .execute();
    }
  }
  await reverseCreditsOf(trx as LedgerTransaction, { type: 'contribution', id: contributionId }, actorId, 'reversal_retraction');
  // A delivery owed under a public contract no longer fulfils its due date (decision 013).
  if (c.kind !== 'observation') await reopenOnRetraction(trx, contributionId);
  // An observation's confirmation credits point at the observation (same id).
  if (c.kind === 'observation') await reverseCreditsOf(trx as LedgerTransaction, { type: 'observation', id: contributionId }, actorId, 'reversal_retraction');
  const who = await trx.selectFrom('users').select(['id', 'email', 'pseudonym', 'locale', 'deleted_at']).where('id', '=', c.submitter_id).executeTakeFirstOrThrow();
  if (!who.deleted_at) {
    await notify(trx, {
      userId: who.id,
      kind: 'retracted',
      contributionId,
      title: row.title,
      comment: reason.trim(),
      url: `/compte/contributions/${contributionId}`,
      email: {
        to: who.email,
        template: 'contribution_event',
        locale: who.locale,
        params: { pseudonym: who.pseudonym, title: row.title, event: 'retracted', comment: reason.trim(), url: `/compte/contributions/${contributionId}` },
      },
    });
  }
}

/** The holder of a review task retracts its item. */
export async function retractFromTask(db: DB, m: Moderator, taskId: string, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const task = await lockTask(trx, m, taskId);
    const c = await trx.selectFrom('contribution').select(['submitter_id', 'organization_id']).where('id', '=', task.contribution_id).executeTakeFirstOrThrow();
    if (c.submitter_id === m.id) throw new ModerationError('conflict_of_interest', 'your own contribution');
    await retractContribution(trx, m.id, task.contribution_id, reason);
    await trx
      .updateTable('review_task')
      .set({ state: 'retracted', decided_by: m.id, decided_at: new Date(), comment: reason.trim(), claimed_by: null, claim_expires_at: null })
      .where('id', '=', taskId)
      .execute();
    if (task.report_id) await notifyReporter(trx, task.report_id, 'report_retracted', reason.trim());
    // Other open tasks about the same item have nothing left to review.
    await trx
      .updateTable('review_task')
      .set({ state: 'cleared', decided_by: m.id, decided_at: new Date(), comment: 'item retracted' })
      .where('contribution_id', '=', task.contribution_id)
      .where('state', 'in', ['open'])
      .execute();
  });
}
