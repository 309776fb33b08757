// Observations through the domain, on a real database: submission and its refusals,
// confirmations (who may, how much they weigh) and the grade, the queue serving confirmed
// observations first, publication on approval with its ledger entries, auto-approval of a
// trusted observer, rejection, and the "resolved" marks (in bulk).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveContribution, claimNextContribution, rejectContribution } from '../../app/domain/moderation/moderation.server';
import {
  confirmObservation,
  getObservationForReview,
  getObservationPage,
  isInGoodStanding,
  listMyObservations,
  listObservations,
  ObservationError,
  resolveObservations,
} from '../../app/domain/observations/observations.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { citizen, credit, keyT, makeModerator, observe, seedReference, validFields } from './helpers';
import { submitObservation } from '../../app/domain/observations/observations.server';
import { retractContribution } from '../../app/domain/moderation/reports.server';
import { exportPersonalData } from '../../app/domain/identity/personal-data.features.server';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

let t: TestDatabase;
let uploadsDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-obs-'));
  await seedReference(t.db);
});
afterAll(async () => {
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const counts = async () => ({
  contributions: Number((await t.db.selectFrom('contribution').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
  observations: Number((await t.db.selectFrom('observation').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
});

async function refusal(p: Promise<unknown>): Promise<ObservationError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ObservationError);
  return e as ObservationError;
}

const ledger = (userId: string) =>
  t.db.selectFrom('reputation_entry').select(['reason', 'effective_delta', 'ref_id', 'actor_id']).where('subject_id', '=', userId).orderBy('id').execute();

describe('submission', () => {
  it('stores a contribution of kind observation, submitted, in its commune, with a moderation event', async () => {
    const a = await citizen(t.db);
    const r = await observe(t.db, a.user.id, uploadsDir);
    expect(r.state).toBe('submitted');
    const c = await t.db.selectFrom('contribution').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ kind: 'observation', state: 'submitted', communes: ['69123'], themes: ['voirie'], personal_data: false, queue_priority: 0 });
    const o = await t.db.selectFrom('observation').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
    expect(o).toMatchObject({ commune_code: '69123', category: 'voirie', grade: 'needs_review', photo_state: 'none' });
    const ev = await t.db.selectFrom('moderation_event').select(['action', 'from_state', 'to_state']).where('contribution_id', '=', r.id).execute();
    expect(ev).toEqual([{ action: 'submit', from_state: 'draft', to_state: 'submitted' }]);
  });

  it.each([
    ['a point outside the Métropole (Paris)', { lon: '2.35', lat: '48.85' }, 'point', 'observations:errors.outside'],
    ['the point (0, 0)', { lon: '0', lat: '0' }, 'point', 'observations:errors.outside'],
    ['latitude 91', { lat: '91' }, 'lat', 'observations:errors.latRange'],
    ['a missing category', { category: '' }, 'category', 'observations:errors.categoryRequired'],
    ['an unknown category', { category: 'ovnis' }, 'category', 'observations:errors.categoryUnknown'],
    ['a 10 000-character description', { description: 'x'.repeat(10_000) }, 'description', 'observations:errors.descriptionTooLong'],
    ['an empty description', { description: '   ' }, 'description', 'observations:errors.descriptionRequired'],
    ['a date in the future', { observedAt: new Date(Date.now() + 2 * 86_400_000).toISOString() }, 'observedAt', 'observations:errors.observedAtFuture'],
    ['a date that is no date', { observedAt: '2026-02-31T10:00' }, 'observedAt', 'observations:errors.observedAtInvalid'],
    ['missing coordinates', { lon: '', lat: '' }, 'lon', 'observations:errors.pointRequired'],
  ])('refuses %s, with the field’s message, and stores nothing', async (_name, overrides, field, message) => {
    const a = await citizen(t.db);
    const before = await counts();
    const e = await refusal(submitObservation(t.db, { id: a.user.id }, validFields(overrides), { t: keyT, storage: new DirectoryStorage(uploadsDir) }));
    expect(e.fieldErrors[field]?.join(' ')).toContain(message);
    expect(await counts()).toEqual(before);
  });

  it('reads a datetime-local value as Paris time', async () => {
    const a = await citizen(t.db);
    const r = await observe(t.db, a.user.id, uploadsDir, { observedAt: '2026-01-15T08:30' });
    const o = await t.db.selectFrom('observation').select('observed_at').where('id', '=', r.id).executeTakeFirstOrThrow();
    expect(o.observed_at.toISOString()).toBe('2026-01-15T07:30:00.000Z');
  });
});

describe('confirmations and the grade', () => {
  it('refuses confirming one’s own observation, twice, or an unknown one; nothing is stored', async () => {
    const author = await citizen(t.db);
    const other = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    expect((await refusal(confirmObservation(t.db, author.user.id, id))).code).toBe('own_observation');
    await confirmObservation(t.db, other.user.id, id);
    expect((await refusal(confirmObservation(t.db, other.user.id, id))).code).toBe('already_confirmed');
    expect((await refusal(confirmObservation(t.db, other.user.id, '00000000-0000-0000-0000-000000000000'))).code).toBe('not_found');
    const rows = await t.db.selectFrom('confirmation').select('user_id').where('observation_id', '=', id).execute();
    expect(rows.map((r) => r.user_id)).toEqual([other.user.id]);
  });

  it('refuses confirming an observation made for one’s organisation', async () => {
    const author = await citizen(t.db);
    const colleague = await citizen(t.db, { ageDays: 30, balance: 5 });
    const org = await t.db.insertInto('organization').values({ name: 'Asso du quartier', slug: `asso-${Date.now()}`, kind: 'association' }).returning('id').executeTakeFirstOrThrow();
    await t.db.insertInto('membership').values({ user_id: colleague.user.id, organization_id: org.id, role: 'member' }).execute();
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    await t.db.updateTable('contribution').set({ organization_id: org.id }).where('id', '=', id).execute();
    expect((await refusal(confirmObservation(t.db, colleague.user.id, id))).code).toBe('own_organization');
  });

  it('good standing: 7 days old, balance ≥ 1, not flagged', async () => {
    const young = await citizen(t.db, { ageDays: 2, balance: 10 });
    const poor = await citizen(t.db, { ageDays: 30 });
    const good = await citizen(t.db, { ageDays: 30, balance: 2 });
    const flagged = await citizen(t.db, { ageDays: 30, balance: 2 });
    await t.db
      .insertInto('reputation_flag')
      .values({ kind: 'mutual_confirmation', user_a: flagged.user.id < good.user.id ? flagged.user.id : good.user.id, user_b: flagged.user.id < good.user.id ? good.user.id : flagged.user.id, confirmations: 6, window_start: new Date(), window_end: new Date() })
      .execute();
    expect(await isInGoodStanding(t.db, young.user.id)).toBe(false);
    expect(await isInGoodStanding(t.db, poor.user.id)).toBe(false);
    expect(await isInGoodStanding(t.db, flagged.user.id)).toBe(false);
    await t.db.updateTable('reputation_flag').set({ resolved_at: new Date() }).execute();
    expect(await isInGoodStanding(t.db, good.user.id)).toBe(true);
  });

  it('is confirmed when the weight from accounts in good standing reaches 2; young accounts weigh nothing', async () => {
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const young1 = await citizen(t.db, { balance: 4 });
    const young2 = await citizen(t.db, { balance: 4 });
    expect((await confirmObservation(t.db, young1.user.id, id)).weight).toBe(0);
    expect((await confirmObservation(t.db, young2.user.id, id)).grade).toBe('needs_review');
    const g1 = await citizen(t.db, { ageDays: 10, balance: 2 });
    expect(await confirmObservation(t.db, g1.user.id, id)).toMatchObject({ weight: 1, totalWeight: 1, grade: 'needs_review' });
    const g2 = await citizen(t.db, { ageDays: 10, balance: 2 });
    expect(await confirmObservation(t.db, g2.user.id, id)).toMatchObject({ weight: 1, totalWeight: 2, grade: 'confirmed' });
    const o = await t.db.selectFrom('observation as o').innerJoin('contribution as c', 'c.id', 'o.id').select(['o.grade', 'c.queue_priority']).where('o.id', '=', id).executeTakeFirstOrThrow();
    expect(o).toEqual({ grade: 'confirmed', queue_priority: 1 });
  });

  it('one confirmation with the double-confirmation privilege (balance ≥ 200) is enough', async () => {
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const expert = await citizen(t.db, { ageDays: 60, balance: 200 });
    expect(await confirmObservation(t.db, expert.user.id, id)).toMatchObject({ weight: 2, grade: 'confirmed' });
  });

  it('credits the author confirmation_received (young confirmers earn them nothing), at most 5 per observation', async () => {
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const young = await citizen(t.db);
    await confirmObservation(t.db, young.user.id, id);
    for (let i = 0; i < 6; i++) {
      const c = await citizen(t.db, { ageDays: 10 });
      await confirmObservation(t.db, c.user.id, id);
    }
    const entries = (await ledger(author.user.id)).filter((e) => e.reason === 'confirmation_received');
    expect(entries).toHaveLength(6);
    expect(entries.map((e) => e.effective_delta)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(entries.every((e) => e.ref_id === id)).toBe(true);
  });
});

describe('moderation', () => {
  it('serves confirmed observations first, then the oldest', async () => {
    const m = await makeModerator(t.db);
    // Clear the queue of earlier tests' items.
    await t.db.updateTable('contribution').set({ state: 'withdrawn' }).where('state', '=', 'submitted').execute();
    const a = await citizen(t.db);
    const older = await observe(t.db, a.user.id, uploadsDir);
    const newer = await observe(t.db, a.user.id, uploadsDir);
    for (let i = 0; i < 2; i++) await confirmObservation(t.db, (await citizen(t.db, { ageDays: 10, balance: 2 })).user.id, newer.id);
    expect((await claimNextContribution(t.db, m, { kind: 'observation' }))?.id).toBe(newer.id);
    expect((await claimNextContribution(t.db, m, { kind: 'observation' }))?.id).toBe(older.id);
  });

  it('approval publishes at once, credits the author and the confirmers', async () => {
    const m = await makeModerator(t.db);
    await t.db.updateTable('contribution').set({ state: 'withdrawn' }).where('state', '=', 'submitted').execute();
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const confirmer = await citizen(t.db, { ageDays: 10, balance: 2 });
    await confirmObservation(t.db, confirmer.user.id, id);
    const claimed = await claimNextContribution(t.db, m, { kind: 'observation' });
    expect(claimed?.id).toBe(id);
    expect(await approveContribution(t.db, m, id)).toBe('approved');
    const c = await t.db.selectFrom('contribution').select('state').where('id', '=', id).executeTakeFirstOrThrow();
    expect(c.state).toBe('published');
    const ev = await t.db.selectFrom('moderation_event').select('action').where('contribution_id', '=', id).orderBy('id').execute();
    expect(ev.map((e) => e.action)).toEqual(['submit', 'claim', 'approve', 'publish']);
    expect((await ledger(author.user.id)).map((e) => [e.reason, e.effective_delta])).toEqual([
      ['confirmation_received', 1],
      ['observation_published', 2],
    ]);
    expect((await ledger(confirmer.user.id)).filter((e) => e.ref_id === id).map((e) => e.reason)).toEqual(['confirmation_published']);
    // The public sees it now; before, only signed-in users did.
    expect((await getObservationPage(t.db, id, null))?.observation.state).toBe('published');
    const mine = await listMyObservations(t.db, author.user.id);
    expect(mine.find((o) => o.id === id)?.decisions.map((d) => d.action)).toEqual(['approve', 'publish']);
  });

  it('a waiting observation is hidden from visitors, shown to signed-in citizens, its author and moderators', async () => {
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const other = await citizen(t.db);
    expect(await getObservationPage(t.db, id, null)).toBeNull();
    expect((await getObservationPage(t.db, id, other.user.id))?.canConfirm).toBe(true);
    expect((await getObservationPage(t.db, id, author.user.id))?.canConfirm).toBe(false);
    const review = await getObservationForReview(t.db, id);
    expect(review).toMatchObject({ id, communeName: 'Lyon', category: 'voirie', photoUrl: null, submitterId: author.user.id });
  });

  it('rejection (with a reason) writes the ledger penalty and shows the reason to the author only', async () => {
    const m = await makeModerator(t.db);
    await t.db.updateTable('contribution').set({ state: 'withdrawn' }).where('state', '=', 'submitted').execute();
    const author = await citizen(t.db);
    await credit(t.db, author.user.id, 10);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    await claimNextContribution(t.db, m, { kind: 'observation' });
    await rejectContribution(t.db, m, id, { reasonCode: 'duplicate', comment: 'Déjà signalé hier.' });
    expect((await ledger(author.user.id)).pop()).toMatchObject({ reason: 'rejected_other', effective_delta: -2 });
    const mine = await getObservationPage(t.db, id, author.user.id);
    expect(mine?.decisions).toEqual([expect.objectContaining({ action: 'reject', comment: 'Déjà signalé hier.' })]);
    expect(await getObservationPage(t.db, id, (await citizen(t.db)).user.id)).toBeNull();
    expect((await refusal(confirmObservation(t.db, (await citizen(t.db)).user.id, id))).code).toBe('not_confirmable');
  });

  it('a trusted observer’s observation is auto-approved with audit_pending and published', async () => {
    const trusted = await citizen(t.db, { ageDays: 100, balance: 50 });
    const r = await submitObservation(t.db, { id: trusted.user.id }, validFields(), { t: keyT, storage: new DirectoryStorage(uploadsDir), auditShare: 1 });
    expect(r.state).toBe('published');
    const c = await t.db.selectFrom('contribution').select(['state', 'audit_pending']).where('id', '=', r.id).executeTakeFirstOrThrow();
    expect(c).toEqual({ state: 'published', audit_pending: true });
    const task = await t.db.selectFrom('review_task').select('kind').where('contribution_id', '=', r.id).executeTakeFirst();
    expect(task?.kind).toBe('audit');
  });

  it('resolves published observations in bulk, skipping what cannot be resolved, and reopens them', async () => {
    const m = await makeModerator(t.db);
    const trusted = await citizen(t.db, { ageDays: 100, balance: 50 });
    const a = await submitObservation(t.db, { id: trusted.user.id }, validFields(), { t: keyT, storage: new DirectoryStorage(uploadsDir), auditShare: 0 });
    const b = await submitObservation(t.db, { id: trusted.user.id }, validFields(), { t: keyT, storage: new DirectoryStorage(uploadsDir), auditShare: 0 });
    const waiting = await observe(t.db, (await citizen(t.db)).user.id, uploadsDir);
    const own = await submitObservation(t.db, { id: m.id }, validFields(), { t: keyT, storage: new DirectoryStorage(uploadsDir) });
    const results = await resolveObservations(t.db, m, [a.id, b.id, waiting.id, own.id, 'nope']);
    expect(results.map((r) => [r.outcome, r.detail])).toEqual([
      ['done', undefined],
      ['done', undefined],
      ['skipped', 'not_published'],
      ['skipped', 'not_published'],
      ['skipped', 'not_found'],
    ]);
    const o = await t.db.selectFrom('observation').select(['resolved_at', 'resolved_by']).where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(o.resolved_by).toBe(m.id);
    expect((await getObservationPage(t.db, a.id, null))?.observation.resolvedAt).not.toBeNull();
    expect((await resolveObservations(t.db, m, [a.id]))[0]?.detail).toBe('already');
    expect((await resolveObservations(t.db, m, [a.id], false))[0]?.outcome).toBe('done');
    const audit = await t.db.selectFrom('audit_log').select('action').where('target_id', '=', a.id).orderBy('id').execute();
    expect(audit.map((x) => x.action)).toEqual(['observation.resolved', 'observation.reopened']);
  });

  it('retraction leaves a tombstone, takes it off the list and reverses its credits, confirmations included', async () => {
    const m = await makeModerator(t.db);
    await t.db.updateTable('contribution').set({ state: 'withdrawn' }).where('state', '=', 'submitted').execute();
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const confirmer = await citizen(t.db, { ageDays: 10, balance: 2 });
    await confirmObservation(t.db, confirmer.user.id, id);
    await claimNextContribution(t.db, m, { kind: 'observation' });
    await approveContribution(t.db, m, id);
    await t.db.transaction().execute((trx) => retractContribution(trx, m.id, id, 'Photo d’une personne reconnaissable.'));
    const page = await getObservationPage(t.db, id, null);
    expect(page?.tombstone?.reason).toBe('Photo d’une personne reconnaissable.');
    expect(page?.observation.description).toBe('');
    expect((await listObservations(t.db, { viewerId: null })).map((o) => o.id)).not.toContain(id);
    const sum = async (userId: string) => (await ledger(userId)).filter((e) => e.ref_id === id).reduce((a, e) => a + e.effective_delta, 0);
    expect(await sum(author.user.id)).toBe(0);
    expect(await sum(confirmer.user.id)).toBe(0);
  });

  it('the account export lists the observations reported and confirmed', async () => {
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const other = await citizen(t.db);
    await confirmObservation(t.db, other.user.id, id);
    const mine = (await exportPersonalData(t.db, author.user.id)).data.observations as { reported: { id: string; description: string }[] };
    expect(mine.reported.map((o) => o.id)).toEqual([id]);
    const theirs = (await exportPersonalData(t.db, other.user.id)).data.observations as { confirmed: { observation_id: string }[] };
    expect(theirs.confirmed.map((c) => c.observation_id)).toEqual([id]);
  });
});
