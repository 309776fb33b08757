import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { GENESIS_HASH, entryHash } from '../../app/domain/reputation/chain';
import { LedgerError, appendLedgerEntry, reverseCreditsOf, reverseLedgerEntry } from '../../app/domain/reputation/ledger.server';
import type { LedgerTransaction } from '../../app/domain/reputation/ledger.server';
import { DAILY_SMALL_CAP } from '../../app/domain/reputation/rules';
import { verifyLedger } from '../../app/domain/reputation/verify.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { append, newSubject } from './helpers';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

const chainOf = (s: { type: string; id: string }) =>
  t.db.selectFrom('reputation_entry').selectAll().where('subject_type', '=', s.type).where('subject_id', '=', s.id).orderBy('seq').execute();
const balanceOf = (s: { type: string; id: string }) =>
  t.db.selectFrom('reputation_balance').selectAll().where('subject_type', '=', s.type).where('subject_id', '=', s.id).executeTakeFirstOrThrow();

describe('appending to the ledger', () => {
  it('chains each subject’s entries by sha256 and keeps the balance beside them', async () => {
    const s = newSubject();
    const moderator = newSubject().id;
    const a = await append(t.db, { subject: s, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-1' }, actor: moderator });
    const b = await append(t.db, { subject: s, reason: 'observation_published', ref: { type: 'observation', id: 'o-1' } });
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.prevHash).toBe(a.hash);
    expect([a.effectiveDelta, b.effectiveDelta, b.balanceAfter]).toEqual([25, 2, 27]);

    const rows = await chainOf(s);
    const recomputed = entryHash({
      id: rows[1]!.id,
      subjectType: 'user',
      subjectId: s.id,
      seq: 2,
      requestedDelta: 2,
      effectiveDelta: 2,
      balanceAfter: 27,
      reason: 'observation_published',
      refType: 'observation',
      refId: 'o-1',
      actorId: null,
      reversesEntryId: null,
      createdAt: rows[1]!.created_at.toISOString(),
      prevHash: a.hash,
    });
    expect(rows[1]!.hash).toBe(recomputed);
    expect(rows[0]!.actor_id).toBe(moderator);
    const bal = await balanceOf(s);
    expect([bal.balance, bal.last_seq, bal.head_hash]).toEqual([27, 2, b.hash]);
  });

  it('never lets a balance go below 0, and records what was asked and what was applied', async () => {
    const s = newSubject();
    const spam = await append(t.db, { subject: s, reason: 'rejected_spam' });
    expect([spam.requestedDelta, spam.effectiveDelta, spam.balanceAfter]).toEqual([-20, 0, 0]);
    await append(t.db, { subject: s, reason: 'dataset_update_approved' });
    const other = await append(t.db, { subject: s, reason: 'rejected_spam' });
    expect([other.requestedDelta, other.effectiveDelta, other.balanceAfter]).toEqual([-20, -10, 0]);
    expect((await balanceOf(s)).balance).toBe(0);
  });

  it('caps the small events at 200 points a day, approvals not', async () => {
    const s = newSubject('organization');
    const big = await append(t.db, { subject: s, reason: 'downloads_100', delta: 150 });
    const over = await append(t.db, { subject: s, reason: 'downloads_100', delta: 100 });
    const none = await append(t.db, { subject: s, reason: 'confirmation_received', ref: { type: 'observation', id: 'o-9' } });
    const approval = await append(t.db, { subject: s, reason: 'dataset_contribution_approved' });
    expect([big.effectiveDelta, over.effectiveDelta, none.effectiveDelta, approval.effectiveDelta]).toEqual([150, 50, 0, 25]);
    expect(over.requestedDelta).toBe(100);
    expect((await balanceOf(s)).balance).toBe(DAILY_SMALL_CAP + 25);
  });

  it('credits at most 5 confirmations per observation', async () => {
    const s = newSubject();
    const got: number[] = [];
    for (let i = 0; i < 7; i++) {
      got.push((await append(t.db, { subject: s, reason: 'confirmation_received', ref: { type: 'observation', id: 'obs-1' } })).effectiveDelta);
    }
    got.push((await append(t.db, { subject: s, reason: 'confirmation_received', ref: { type: 'observation', id: 'obs-2' } })).effectiveDelta);
    expect(got).toEqual([1, 1, 1, 1, 1, 0, 0, 1]);
  });

  it('refuses amounts that are not the rule’s, unknown reasons, bad subjects, and writes outside a transaction', async () => {
    const s = newSubject();
    const fails = async (p: Promise<unknown>, code: string) => {
      await expect(p).rejects.toBeInstanceOf(LedgerError);
      await expect(p).rejects.toMatchObject({ code });
    };
    await fails(append(t.db, { subject: s, reason: 'dataset_update_approved', delta: 1000 }), 'delta_mismatch');
    await fails(append(t.db, { subject: s, reason: 'downloads_100', delta: 150 + 0.5 }), 'delta_mismatch');
    // @ts-expect-error an unknown reason code
    await fails(append(t.db, { subject: s, reason: 'gift' }), 'unknown_reason');
    await fails(append(t.db, { subject: { type: 'user', id: 'alice@example.test' }, reason: 'reuse_declared' }), 'invalid_subject');
    await fails(append(t.db, { subject: newSubject('user'), reason: 'obligation_on_time' }), 'subject_not_allowed');
    await fails(append(t.db, { subject: s, reason: 'reuse_declared', ref: { type: 'reuse', id: 'a|b' } }), 'invalid_ref');
    await fails(appendLedgerEntry(t.db as unknown as LedgerTransaction, { subject: s, reason: 'reuse_declared' }), 'not_in_transaction');
    expect(await chainOf(s)).toHaveLength(0);
  });

  it('rolls back with the caller’s transaction', async () => {
    const s = newSubject();
    await expect(
      t.db.transaction().execute(async (trx) => {
        await appendLedgerEntry(trx, { subject: s, reason: 'reuse_declared' });
        throw new Error('the caller’s change failed');
      }),
    ).rejects.toThrow('caller');
    expect(await chainOf(s)).toHaveLength(0);
    expect(await t.db.selectFrom('reputation_balance').selectAll().where('subject_id', '=', s.id).execute()).toHaveLength(0);
  });
});

describe('the database refuses to rewrite history', () => {
  it('refuses UPDATE, DELETE and TRUNCATE on the ledger and the checkpoints', async () => {
    const s = newSubject();
    const e = await append(t.db, { subject: s, reason: 'reuse_declared' });
    await expect(sql`update reputation_entry set effective_delta = 500 where id = ${e.id}`.execute(t.db)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`delete from reputation_entry where id = ${e.id}`.execute(t.db)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`truncate reputation_entry cascade`.execute(t.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    await sql`insert into ledger_checkpoint (subject_count, entry_count, digest) values (1, 1, ${'a'.repeat(64)})`.execute(t.db);
    await expect(sql`update ledger_checkpoint set digest = ${'b'.repeat(64)}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from ledger_checkpoint`.execute(t.db)).rejects.toThrow(/append-only/);
    const [row] = await chainOf(s);
    expect(row!.effective_delta).toBe(5);
  });

  it('refuses a fork: two entries with the same seq for one subject', async () => {
    const s = newSubject();
    const e = await append(t.db, { subject: s, reason: 'reuse_declared' });
    await expect(
      sql`insert into reputation_entry (subject_type, subject_id, seq, requested_delta, effective_delta, balance_after, reason, created_at, prev_hash, hash)
          values ('user', ${s.id}, 1, 5, 5, 5, 'reuse_declared', now(), ${GENESIS_HASH}, ${e.hash})`.execute(t.db),
    ).rejects.toThrow(/reputation_entry_subject_seq_key/);
  });
});

describe('reversals', () => {
  it('reverses an entry once; a second reversal is refused, by the module and by the database', async () => {
    const s = newSubject();
    const admin = newSubject().id;
    const e = await append(t.db, { subject: s, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-7' } });
    const r = await t.db.transaction().execute((trx) => reverseLedgerEntry(trx, e.id, admin, 'reversal_correction'));
    expect([r.requestedDelta, r.effectiveDelta, r.balanceAfter, r.reversesEntryId]).toEqual([-25, -25, 0, e.id]);
    expect(r.ref).toEqual({ type: 'contribution', id: 'c-7' });
    const again = t.db.transaction().execute((trx) => reverseLedgerEntry(trx, e.id, admin, 'reversal_correction'));
    await expect(again).rejects.toMatchObject({ code: 'already_reversed' });
    await expect(t.db.transaction().execute((trx) => reverseLedgerEntry(trx, r.id, admin, 'reversal_correction'))).rejects.toMatchObject({
      code: 'reversal_of_reversal',
    });
    // Bypassing the module: the UNIQUE constraint on reverses_entry_id still refuses.
    await expect(
      sql`insert into reputation_entry (subject_type, subject_id, seq, requested_delta, effective_delta, balance_after, reason, reverses_entry_id, created_at, prev_hash, hash)
          values ('user', ${s.id}, 3, -25, 0, 0, 'reversal_correction', ${e.id}, now(), ${r.hash}, ${'c'.repeat(64)})`.execute(t.db),
    ).rejects.toThrow(/reverses_entry_id/);
    expect((await chainOf(s)).length).toBe(2);
  });

  it('two admins reversing the same entry at once: exactly one succeeds', async () => {
    const s = newSubject();
    const e = await append(t.db, { subject: s, reason: 'reuse_declared' });
    const other = createDb(t.url, 2);
    try {
      const results = await Promise.allSettled([
        t.db.transaction().execute((trx) => reverseLedgerEntry(trx, e.id, null, 'reversal_correction')),
        other.db.transaction().execute((trx) => reverseLedgerEntry(trx, e.id, null, 'reversal_correction')),
      ]);
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    } finally {
      await other.db.destroy();
    }
  });

  it('clamps a reversal at 0 as the rules say, and the chain still verifies', async () => {
    const s = newSubject();
    const credit = await append(t.db, { subject: s, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-8' } });
    const spam = await append(t.db, { subject: s, reason: 'rejected_spam' });
    expect(spam.balanceAfter).toBe(5);
    const r = await t.db.transaction().execute((trx) => reverseCreditsOf(trx, { type: 'contribution', id: 'c-8' }, null));
    expect(r).toHaveLength(1);
    expect([r[0]!.requestedDelta, r[0]!.effectiveDelta, r[0]!.balanceAfter, r[0]!.reversesEntryId]).toEqual([-25, -5, 0, credit.id]);
    // Overturning the spam penalty gives back what it actually took (20).
    const back = await t.db.transaction().execute((trx) => reverseLedgerEntry(trx, spam.id, null, 'reversal_correction'));
    expect([back.effectiveDelta, back.balanceAfter]).toEqual([20, 20]);
    const report = await verifyLedger(t.db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
});

describe('concurrency (separate connections)', () => {
  it('50 concurrent appends for one subject: one chain 1…50, no fork, balance = sum of effective deltas', async () => {
    const s = newSubject();
    const pool = createDb(t.url, 20);
    try {
      const entries = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          pool.db.transaction().execute((trx) =>
            appendLedgerEntry(trx, { subject: s, reason: i % 10 === 9 ? 'rejected_other' : 'observation_published', ref: { type: 'observation', id: `o${i}` } }),
          ),
        ),
      );
      const rows = await chainOf(s);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
      expect(new Set(entries.map((e) => e.hash)).size).toBe(50);
      const sum = rows.reduce((acc, r) => acc + r.effective_delta, 0);
      expect(sum).toBe(45 * 2 - 5 * 2);
      expect((await balanceOf(s)).balance).toBe(sum);
      expect((await verifyLedger(t.db)).ok).toBe(true);
    } finally {
      await pool.db.destroy();
    }
  });

  it('50 concurrent appends for 50 new subjects: 50 chains of one entry, every balance right', async () => {
    const subjects = Array.from({ length: 50 }, () => newSubject('organization'));
    const pool = createDb(t.url, 20);
    try {
      await Promise.all(
        subjects.map((s) => pool.db.transaction().execute((trx) => appendLedgerEntry(trx, { subject: s, reason: 'obligation_on_time' }))),
      );
      const balances = await t.db
        .selectFrom('reputation_balance')
        .select(['balance', 'last_seq'])
        .where('subject_id', 'in', subjects.map((s) => s.id))
        .execute();
      expect(balances).toHaveLength(50);
      expect(balances.every((b) => b.balance === 15 && b.last_seq === 1)).toBe(true);
      expect((await verifyLedger(t.db)).ok).toBe(true);
    } finally {
      await pool.db.destroy();
    }
  });

  it('an open append for one subject blocks that subject only', async () => {
    const a = newSubject();
    const b = newSubject();
    await append(t.db, { subject: a, reason: 'reuse_declared' });
    const other = createDb(t.url, 3);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    try {
      let appended!: () => void;
      const hasAppended = new Promise<void>((r) => (appended = r));
      const first = t.db.transaction().execute(async (trx) => {
        await appendLedgerEntry(trx, { subject: a, reason: 'reuse_declared' });
        appended();
        await held; // keeps subject a's head locked
      });
      await hasAppended;
      const started = Date.now();
      await append(other.db, { subject: b, reason: 'reuse_declared' });
      expect(Date.now() - started).toBeLessThan(2000);
      let sameDone = false;
      const same = append(other.db, { subject: a, reason: 'reuse_declared' }).then((e) => {
        sameDone = true;
        return e;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(sameDone).toBe(false);
      release();
      await first;
      expect((await same).seq).toBe(3);
    } finally {
      release();
      await other.db.destroy();
    }
  });
});
