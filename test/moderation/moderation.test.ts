// Claims, decisions, conflicts of interest, four-eyes, publication, reports and retraction,
// on real PostgreSQL, through the domain functions the screens call.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDatasetBySlug, listPublishedDatasets } from '../../app/domain/catalogue/catalogue.server';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import {
  approveContribution,
  claimNextContribution,
  expireClaims,
  loadModerator,
  ModerationError,
  rejectContribution,
  releaseClaim,
  requestChanges,
} from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { claimNextReviewTask, clearReviewTask, reportPublishedItem, retractFromTask } from '../../app/domain/moderation/reports.server';
import { verifyLedger } from '../../app/domain/reputation/verify.server';
import { getStanding } from '../../app/domain/reputation/reputation.server';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { prepareReferences } from '../contributions/helpers';
import { makeModerator, submitted } from './helpers';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

let t: TestDatabase;
let refs: ReferenceLists;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-moderation-'));
beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
});
afterAll(async () => {
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<ModerationError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModerationError);
  return e as ModerationError;
}

const state = async (id: string) =>
  (await t.db.selectFrom('contribution').select(['state', 'version', 'claimed_by']).where('id', '=', id).executeTakeFirstOrThrow());

/** Empties the queue of items left by earlier tests, so each test reasons about its own. */
async function clearQueue() {
  await sql`update contribution set state = 'withdrawn' where state in ('submitted', 'second_review', 'in_review')`.execute(t.db);
}

describe('moderation', () => {
  it('claims the oldest item in scope, and approval publishes it with provenance, once', async () => {
    await clearQueue();
    const first = await submitted(t.db, refs, uploadsDir);
    await submitted(t.db, refs, uploadsDir);
    const m = await makeModerator(t.db);
    const claim = await claimNextContribution(t.db, m);
    expect(claim?.id).toBe(first.id);
    expect((await state(first.id)).claimed_by).toBe(m.id);
    expect(await approveContribution(t.db, m, first.id, { expectedVersion: claim!.version })).toBe('approved');

    const job = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'publish_contribution' and key = ${`publish:${first.id}`}`.execute(t.db);
    expect(job.rows[0]!.n).toBe(1); // enqueued with the approval

    const once = await publishApprovedContribution(t.db, first.id, { storage: new DirectoryStorage(uploadsDir) });
    const twice = await publishApprovedContribution(t.db, first.id, { storage: new DirectoryStorage(uploadsDir) });
    expect(once.status).toBe('published');
    expect(twice).toEqual({ ...once, status: 'already-published' });
    const versions = await t.db.selectFrom('dataset_version').selectAll().where('contribution_id', '=', first.id).execute();
    expect(versions).toHaveLength(1);
    expect(versions[0]!.approver_ids).toEqual([m.id]);
    expect(versions[0]!.submitter_id).toBe(first.submitterId);
    const dist = await t.db.selectFrom('distribution').selectAll().where('dataset_version_id', '=', versions[0]!.id).execute();
    expect(dist).toHaveLength(1);
    expect(dist[0]!.storage_key).toBe(`distributions/${dist[0]!.sha256.slice(0, 2)}/${dist[0]!.sha256}`);
    expect(await readFile(path.join(uploadsDir, dist[0]!.storage_key), 'utf8')).toBe('nom;valeur\nA;1\n');
    expect((await state(first.id)).state).toBe('published');
    expect((await getStanding(t.db, { type: 'user', id: first.submitterId })).balance).toBe(25);
    expect((await listPublishedDatasets(t.db)).map((d) => d.slug)).toContain(once.slug);
  });

  it('keeps a moderator of the submitting organisation (or its author) away from it, even through the domain functions', async () => {
    await clearQueue();
    const org = await t.db.insertInto('organization').values({ slug: `coi-${Date.now()}`, name: 'COI', kind: 'association' }).returning('id').executeTakeFirstOrThrow();
    const { user: author } = await createUserWithSession(t.db);
    await t.db.insertInto('membership').values({ organization_id: org.id, user_id: author.id, role: 'member' }).execute();
    const item = await submitted(t.db, refs, uploadsDir, { submitterId: author.id, draft: { organizationId: org.id } });

    const colleague = await makeModerator(t.db);
    await t.db.insertInto('membership').values({ organization_id: org.id, user_id: colleague.id, role: 'member' }).execute();
    expect(await claimNextContribution(t.db, colleague)).toBeNull(); // the queue hides it from them

    const other = await makeModerator(t.db);
    const claim = await claimNextContribution(t.db, other);
    expect(claim?.id).toBe(item.id);
    // Even holding nothing, calling the decisions directly is refused for conflict of interest.
    expect((await refusal(approveContribution(t.db, colleague, item.id))).code).toBe('conflict_of_interest');
    expect((await refusal(rejectContribution(t.db, colleague, item.id, { reasonCode: 'spam', comment: 'x' }))).code).toBe('conflict_of_interest');
    // The author, were they a moderator, neither.
    await t.db.insertInto('moderator_scope').values({ user_id: author.id, kind: 'territory', code: '200046977' }).execute();
    const authorAsModerator = (await loadModerator(t.db, author.id))!;
    expect((await refusal(approveContribution(t.db, authorAsModerator, item.id))).code).toBe('conflict_of_interest');
    // A plain citizen has no moderator powers at all.
    expect(await loadModerator(t.db, (await createUserWithSession(t.db)).user.id)).toBeNull();
    expect((await state(item.id)).state).toBe('in_review');
    expect((await state(item.id)).claimed_by).toBe(other.id);
  });

  it('only the holder decides; decisions need their reasons; stale views are refused', async () => {
    await clearQueue();
    const item = await submitted(t.db, refs, uploadsDir);
    const holder = await makeModerator(t.db);
    const other = await makeModerator(t.db);
    const claim = (await claimNextContribution(t.db, holder))!;
    expect((await refusal(approveContribution(t.db, other, item.id))).code).toBe('not_holder');
    expect((await refusal(rejectContribution(t.db, holder, item.id, { reasonCode: 'because', comment: 'x' }))).code).toBe('reason_required');
    expect((await refusal(rejectContribution(t.db, holder, item.id, { reasonCode: 'duplicate', comment: '  ' }))).code).toBe('comment_required');
    expect((await refusal(requestChanges(t.db, holder, item.id, { comment: '' }))).code).toBe('comment_required');
    expect((await refusal(approveContribution(t.db, holder, item.id, { expectedVersion: claim.version - 1 }))).code).toBe('stale');
    await requestChanges(t.db, holder, item.id, { comment: 'Précisez la licence des photos.', expectedVersion: claim.version });
    expect((await state(item.id)).state).toBe('changes_requested');
    const mail = await t.db.selectFrom('email_outbox').select(['body_text']).where('template', '=', 'contribution_event').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(mail.body_text).toContain('Précisez la licence des photos.');
  });

  it('rejects as spam with a ledger penalty, floored at zero', async () => {
    await clearQueue();
    const item = await submitted(t.db, refs, uploadsDir);
    const m = await makeModerator(t.db);
    await claimNextContribution(t.db, m);
    await rejectContribution(t.db, m, item.id, { reasonCode: 'spam', comment: 'Publicité.' });
    expect((await state(item.id)).state).toBe('rejected');
    const entry = await t.db.selectFrom('reputation_entry').selectAll().where('subject_id', '=', item.submitterId).executeTakeFirstOrThrow();
    expect([entry.reason, entry.requested_delta, entry.effective_delta]).toEqual(['rejected_spam', -20, 0]);
  });

  it('needs two different moderators for personal data (four-eyes)', async () => {
    await clearQueue();
    const item = await submitted(t.db, refs, uploadsDir, { draft: { personalData: 'yes' } });
    const a = await makeModerator(t.db);
    const b = await makeModerator(t.db);
    await claimNextContribution(t.db, a);
    expect(await approveContribution(t.db, a, item.id)).toBe('second_review');
    expect(await claimNextContribution(t.db, a)).toBeNull(); // not for the first approver
    // Even forced into the first approver's hands, the second approval is refused.
    await sql`update contribution set state = 'in_review', claimed_by = ${a.id}, claimed_from = 'second_review' where id = ${item.id}`.execute(t.db);
    expect((await refusal(approveContribution(t.db, a, item.id))).code).toBe('same_approver');
    await releaseClaim(t.db, a, item.id);
    expect((await state(item.id)).state).toBe('second_review');
    expect((await claimNextContribution(t.db, b))?.id).toBe(item.id);
    expect(await approveContribution(t.db, b, item.id)).toBe('approved');
    const approvals = await t.db.selectFrom('moderation_event').select(['actor_id', 'to_state']).where('contribution_id', '=', item.id).where('action', '=', 'approve').execute();
    expect(approvals).toEqual([
      { actor_id: a.id, to_state: 'second_review' },
      { actor_id: b.id, to_state: 'approved' },
    ]);
  });

  it('returns an expired claim to the queue, and lets an admin break a claim (audited, holder told)', async () => {
    await clearQueue();
    const item = await submitted(t.db, refs, uploadsDir);
    const m = await makeModerator(t.db);
    await claimNextContribution(t.db, m, { claimMinutes: -1 }); // already expired
    expect(await expireClaims(t.db)).toBe(1);
    expect((await state(item.id)).state).toBe('submitted');

    await claimNextContribution(t.db, m);
    const admin = (await loadModerator(t.db, (await createUserWithSession(t.db, { isAdmin: true })).user.id))!;
    const notAdmin = await makeModerator(t.db);
    expect((await refusal(releaseClaim(t.db, notAdmin, item.id))).code).toBe('not_holder');
    await releaseClaim(t.db, admin, item.id);
    expect((await state(item.id)).state).toBe('submitted');
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'moderation.break_claim').where('target_id', '=', item.id).execute();
    expect(audit).toHaveLength(1);
    const told = await t.db.selectFrom('email_outbox').select('body_text').where('user_id', '=', m.id).execute();
    expect(told.some((r) => r.body_text.includes('administrateur'))).toBe(true);
  });

  it('only offers items in the moderator’s communes and themes', async () => {
    await clearQueue();
    const lyon = await submitted(t.db, refs, uploadsDir, { draft: { communes: ['69123'], themes: ['culture'] } });
    await submitted(t.db, refs, uploadsDir, { draft: { communes: ['69266'], themes: ['mobilite'] } });
    const lyonOnly = await makeModerator(t.db, [{ kind: 'territory', code: '69123' }]);
    const mobility = await makeModerator(t.db, [{ kind: 'theme', code: 'mobilite' }]);
    const lyonMobility = await makeModerator(t.db, [
      { kind: 'territory', code: '69123' },
      { kind: 'theme', code: 'mobilite' },
    ]);
    expect(await claimNextContribution(t.db, lyonMobility)).toBeNull();
    expect((await claimNextContribution(t.db, lyonOnly))?.id).toBe(lyon.id);
    expect((await claimNextContribution(t.db, mobility))?.id).not.toBe(lyon.id);
  });

  it('retracts a reported item: out of listings, a tombstone, credits reversed, ledger still verifies', async () => {
    await clearQueue();
    const item = await submitted(t.db, refs, uploadsDir);
    const m = await makeModerator(t.db);
    await claimNextContribution(t.db, m);
    await approveContribution(t.db, m, item.id);
    const { slug } = await publishApprovedContribution(t.db, item.id, { storage: new DirectoryStorage(uploadsDir) });
    expect((await getStanding(t.db, { type: 'user', id: item.submitterId })).balance).toBe(25);

    const { user: reporter } = await createUserWithSession(t.db);
    await reportPublishedItem(t.db, reporter.id, item.id, { reason: 'personal_data', comment: 'Des noms de particuliers.' });
    const reviewer = await makeModerator(t.db);
    const task = (await claimNextReviewTask(t.db, reviewer))!;
    expect(task.contributionId).toBe(item.id);
    expect(await claimNextReviewTask(t.db, await makeModerator(t.db))).toBeNull(); // SKIP LOCKED: not twice
    await retractFromTask(t.db, reviewer, task.id, 'Données personnelles.');

    expect((await state(item.id)).state).toBe('retracted');
    expect((await listPublishedDatasets(t.db)).map((d) => d.slug)).not.toContain(slug);
    const page = await getDatasetBySlug(t.db, slug);
    expect(page).toMatchObject({ state: 'retracted', reason: 'Données personnelles.' });
    expect((await getStanding(t.db, { type: 'user', id: item.submitterId })).balance).toBe(0);
    const report = await verifyLedger(t.db);
    expect(report.ok).toBe(true);
  });

  it('clears an audit task without touching the item', async () => {
    await clearQueue();
    const item = await submitted(t.db, refs, uploadsDir);
    await sql`update contribution set state = 'published', audit_pending = true where id = ${item.id}`.execute(t.db);
    await t.db.insertInto('review_task').values({ kind: 'audit', contribution_id: item.id }).execute();
    const m = await makeModerator(t.db);
    const task = (await claimNextReviewTask(t.db, m))!;
    await clearReviewTask(t.db, m, task.id, 'RAS');
    const c = await t.db.selectFrom('contribution').select(['state', 'audit_pending']).where('id', '=', item.id).executeTakeFirstOrThrow();
    expect(c).toEqual({ state: 'published', audit_pending: false });
  });
});
