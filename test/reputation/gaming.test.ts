// Anti-gaming and privileges: what a citizen trying to farm points would notice (no credit),
// what an admin sees (flags) and does (bulk reversal, audited in the ledger itself).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  creditConfirmationReceived,
  creditConfirmersOnPublication,
  flagMutualConfirmations,
  hasOpenFlag,
  listFlags,
  resolveMutualConfirmationFlag,
} from '../../app/domain/reputation/confirmations.server';
import { detectMutualConfirmations } from '../../app/domain/reputation/gaming';
import type { ConfirmationEntry } from '../../app/domain/reputation/gaming';
import { getStanding, hasPrivilege } from '../../app/domain/reputation/reputation.server';
import { privilegesOf } from '../../app/domain/reputation/rules';
import { verifyLedger } from '../../app/domain/reputation/verify.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { append, createUser } from './helpers';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

const confirm = (observationId: string, authorId: string, confirmerId: string, organizationId?: string) =>
  t.db.transaction().execute((trx) => creditConfirmationReceived(trx, { id: observationId, authorId, organizationId }, confirmerId));
const balance = async (id: string) => (await getStanding(t.db, { type: 'user', id })).balance;

describe('confirmations that earn nothing', () => {
  it('confirming one’s own observation', async () => {
    const author = await createUser(t.db);
    const r = await confirm('obs-own', author, author);
    expect([r.entry, r.noCredit]).toEqual([null, 'own_observation']);
    expect(await balance(author)).toBe(0);
  });

  it('confirming an observation of one’s own organisation', async () => {
    const author = await createUser(t.db);
    const colleague = await createUser(t.db);
    const outsider = await createUser(t.db);
    const org = await t.db
      .insertInto('organization')
      .values({ name: 'Asso du quartier', slug: `asso-${randomUUID().slice(0, 8)}`, kind: 'association' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.insertInto('membership').values({ organization_id: org.id, user_id: colleague, role: 'member' }).execute();
    expect((await confirm('obs-org', author, colleague, org.id)).noCredit).toBe('own_organization');
    expect((await confirm('obs-org', author, outsider, org.id)).entry?.effectiveDelta).toBe(1);
    expect(await balance(author)).toBe(1);
  });

  it('confirmations from accounts younger than 7 days, for the author and for the confirmer', async () => {
    const author = await createUser(t.db);
    const newcomer = await createUser(t.db, { ageDays: 3 });
    const regular = await createUser(t.db, { ageDays: 8 });
    expect((await confirm('obs-young', author, newcomer)).noCredit).toBe('young_account');
    expect((await confirm('obs-young', author, regular)).entry?.effectiveDelta).toBe(1);
    expect((await confirm('obs-young', author, randomUUID())).noCredit).toBe('unknown_account');
    const published = await t.db
      .transaction()
      .execute((trx) => creditConfirmersOnPublication(trx, { id: 'obs-young', authorId: author }, [newcomer, regular]));
    expect(published.map((e) => [e.subject.id, e.reason, e.effectiveDelta])).toEqual([[regular, 'confirmation_published', 1]]);
    expect([await balance(author), await balance(newcomer), await balance(regular)]).toEqual([1, 0, 1]);
  });
});

describe('two accounts confirming each other', () => {
  it('are flagged past 5 mutual confirmations in a week; an admin reverses their credits in bulk, audited in the ledger', async () => {
    const a = await createUser(t.db);
    const b = await createUser(t.db);
    const admin = await createUser(t.db);
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(await confirm(`obs-a-${i}`, a, b));
      results.push(await confirm(`obs-b-${i}`, b, a));
    }
    expect(results.slice(0, 5).every((r) => r.flagId === null)).toBe(true);
    const flagId = results[5]!.flagId;
    expect(flagId).not.toBeNull();
    expect([await balance(a), await balance(b)]).toEqual([3, 3]);
    expect([await hasOpenFlag(t.db, a), await hasOpenFlag(t.db, b), await hasOpenFlag(t.db, admin)]).toEqual([true, true, false]);

    const flags = await listFlags(t.db);
    const flag = flags.find((f) => f.id === flagId)!;
    expect(flag.confirmations).toBe(6);
    expect([flag.userA, flag.userB].sort()).toEqual([a, b].sort());
    // The periodic scan finds the same pair and does not open a second flag.
    expect(await flagMutualConfirmations(t.db)).toEqual([flagId]);

    const { reversed } = await t.db.transaction().execute((trx) => resolveMutualConfirmationFlag(trx, flagId!, admin, 'reverse'));
    expect(reversed).toHaveLength(6);
    expect(reversed.every((e) => e.reason === 'reversal_mutual_confirmation' && e.actorId === admin && e.effectiveDelta === -1)).toBe(true);
    expect(reversed[0]!.ref).toEqual({ type: 'reputation_flag', id: String(flagId) });
    expect([await balance(a), await balance(b)]).toEqual([0, 0]);
    expect((await listFlags(t.db)).some((f) => f.id === flagId)).toBe(false);
    expect(await hasOpenFlag(t.db, a)).toBe(false);
    const journal = await t.db.selectFrom('audit_log').selectAll().where('target_type', '=', 'reputation_flag').execute();
    expect(journal.map((j) => [j.action, j.actor_id, j.target_id])).toEqual([['reputation.flag_reversed', admin, String(flagId)]]);
    await expect(t.db.transaction().execute((trx) => resolveMutualConfirmationFlag(trx, flagId!, admin, 'reverse'))).rejects.toThrow(/already resolved/);
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });

  it('detection: one-way confirmations, or confirmations spread over more than a week, are not flagged', () => {
    const day = 86_400_000;
    const t0 = Date.UTC(2026, 10, 1);
    const e = (i: number, subjectId: string, actorId: string, at: number): ConfirmationEntry => ({
      entryId: i,
      subjectId,
      actorId,
      createdAt: new Date(at),
      ref: { type: 'observation', id: `o${i}` },
    });
    const oneWay = Array.from({ length: 10 }, (_, i) => e(i, 'u1', 'u2', t0 + i * 1000));
    expect(detectMutualConfirmations(oneWay)).toEqual([]);
    const spread = Array.from({ length: 8 }, (_, i) => e(i, i % 2 ? 'u1' : 'u2', i % 2 ? 'u2' : 'u1', t0 + i * 2 * day));
    expect(detectMutualConfirmations(spread)).toEqual([]);
    const dense = spread.map((x, i) => ({ ...x, createdAt: new Date(t0 + i * day * 0.5) }));
    const found = detectMutualConfirmations(dense);
    expect(found).toHaveLength(1);
    expect(found[0]!.confirmations).toBe(8);
  });
});

describe('privileges', () => {
  it('thresholds come from the rules table, with the next one and the points missing', () => {
    expect(privilegesOf(0, 'user')).toEqual({ balance: 0, held: [], next: { key: 'trusted_observer', threshold: 50, missing: 50 } });
    expect(privilegesOf(200, 'user')).toMatchObject({ held: ['trusted_observer', 'double_confirmation'], next: null });
    expect(privilegesOf(499, 'organization')).toMatchObject({
      held: ['trusted_observer'],
      next: { key: 'organization_fast_track', threshold: 500, missing: 1 },
    });
  });

  it('falling below a threshold removes the privilege at once', async () => {
    const u = await createUser(t.db);
    const subject = { type: 'user' as const, id: u };
    for (let i = 0; i < 2; i++) await append(t.db, { subject, reason: 'dataset_contribution_approved' });
    expect(await hasPrivilege(t.db, subject, 'trusted_observer')).toBe(true);
    await append(t.db, { subject, reason: 'rejected_other' });
    expect(await hasPrivilege(t.db, subject, 'trusted_observer')).toBe(false);
    const standing = await getStanding(t.db, subject);
    expect(standing.privileges.next).toEqual({ key: 'trusted_observer', threshold: 50, missing: 2 });
  });
});
