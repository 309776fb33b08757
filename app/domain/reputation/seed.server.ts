// Demo ledger: a few entries for the demo accounts and organisations, so the ledger pages,
// leaderboards and privileges have something to show. Idempotent: a subject that already
// has a chain is left alone.
import type { DB } from '#db/client';
import { appendLedgerEntry } from './ledger.server';
import type { LedgerSubject } from './ledger.server';
import type { EarningReason } from './rules';

async function seedChain(db: DB, subject: LedgerSubject, events: [EarningReason, string][]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const head = await trx
      .selectFrom('reputation_balance')
      .select('last_seq')
      .where('subject_type', '=', subject.type)
      .where('subject_id', '=', subject.id)
      .executeTakeFirst();
    if (head && head.last_seq > 0) return;
    for (const [reason, ref] of events) {
      await appendLedgerEntry(trx, { subject, reason, ref: { type: ref.startsWith('obs') ? 'observation' : 'contribution', id: ref } });
    }
  });
}

export async function seedDemoLedger(db: DB): Promise<void> {
  const users = await db.selectFrom('users').select('id').where('is_demo', '=', true).where('deleted_at', 'is', null).orderBy('email').execute();
  for (const [i, u] of users.entries()) {
    const events: [EarningReason, string][] = [
      ['observation_published', `obs-demo-${i}-1`],
      ['observation_published', `obs-demo-${i}-2`],
    ];
    // Every other demo account is a trusted observer (56 points).
    if (i % 2 === 0) events.push(['dataset_contribution_approved', `demo-${i}-1`], ['dataset_contribution_approved', `demo-${i}-2`], ['observation_published', `obs-demo-${i}-3`]);
    await seedChain(db, { type: 'user', id: u.id }, events);
  }
  const orgs = await db.selectFrom('organization').select('id').orderBy('name').limit(5).execute();
  for (const [i, o] of orgs.entries()) {
    await seedChain(db, { type: 'organization', id: o.id }, [
      ['dataset_contribution_approved', `demo-org-${i}-1`],
      ['dataset_update_approved', `demo-org-${i}-2`],
      ...(i % 2 === 0 ? ([['obligation_on_time', `demo-org-${i}-3`]] as [EarningReason, string][]) : []),
    ]);
  }
}
