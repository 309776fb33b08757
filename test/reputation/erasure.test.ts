// Deleting an account (identity's RGPD erasure) leaves its chain intact and verifiable; the
// user's data export includes their ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount, exportPersonalData } from '../../app/domain/identity/personal-data.features.server';
import { getStanding, subjectLabel } from '../../app/domain/reputation/reputation.server';
import { seedDemoLedger } from '../../app/domain/reputation/seed.server';
import { verifyLedger } from '../../app/domain/reputation/verify.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { append, createUser } from './helpers';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('the ledger and personal data', () => {
  it('exports a user’s chain with their data, and keeps it whole when the account is deleted', async () => {
    const id = await createUser(t.db, { pseudonym: 'Éva' });
    const subject = { type: 'user' as const, id };
    await append(t.db, { subject, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-1' } });
    await append(t.db, { subject, reason: 'reuse_declared' });
    const exported = (await exportPersonalData(t.db, id)).data.reputation as { balance: number; entries: { hash: string }[] };
    expect(exported.balance).toBe(30);
    expect(exported.entries).toHaveLength(2);

    await deleteAccount(t.db, id);
    const rows = await t.db.selectFrom('reputation_entry').select('hash').where('subject_id', '=', id).orderBy('seq').execute();
    expect(rows.map((r) => r.hash)).toEqual(exported.entries.map((e) => e.hash));
    expect((await verifyLedger(t.db)).ok).toBe(true);
    expect(await subjectLabel(t.db, subject)).toMatchObject({ name: null, deleted: true, exists: true });
  });

  it('the demo seed step gives demo accounts a ledger, once', async () => {
    const id = await createUser(t.db, { pseudonym: 'Démo' });
    await t.db.updateTable('users').set({ is_demo: true }).where('id', '=', id).execute();
    await seedDemoLedger(t.db);
    const first = await getStanding(t.db, { type: 'user', id });
    expect(first.balance).toBe(56);
    expect(first.privileges.held).toEqual(['trusted_observer']);
    await seedDemoLedger(t.db);
    expect((await getStanding(t.db, { type: 'user', id })).entries).toBe(first.entries);
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });
});
