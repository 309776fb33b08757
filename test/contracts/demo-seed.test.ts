// The demo contract: seeded for the demo partner, idempotent, with a due date already past.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_CONTRACT_REFERENCE,
  seedDemoContract,
} from '../../app/domain/contracts/demo-seed.server';
import { contractorDashboard } from '../../app/domain/contracts/fulfilment.server';
import { seedIdentityDemo } from '../../app/domain/identity/demo-seed.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { prepareReferences } from '../contributions/helpers';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await prepareReferences(t.db);
  await seedIdentityDemo(t.db);
});
afterAll(async () => t?.close());

describe('demo contract', () => {
  it('is recorded once for Vélos Lumière, whose dashboard shows an overdue monthly delivery', async () => {
    await seedDemoContract(t.db);
    await seedDemoContract(t.db);
    const rows = await t.db
      .selectFrom('contract')
      .select(['id', 'contractor_id'])
      .where('reference', '=', DEMO_CONTRACT_REFERENCE)
      .execute();
    expect(rows).toHaveLength(1);
    const partner = await t.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'partenaire@demo.terridata.fr')
      .executeTakeFirstOrThrow();
    const d = await contractorDashboard(t.db, rows[0]!.contractor_id, partner.id);
    expect(d.obligations.map((o) => o.datasetTitle)).toEqual([
      'Parc de vélos en location et disponibilité par agence',
      'Rapport annuel d’activité du service',
    ]);
    expect(d.counts.overdue).toBeGreaterThanOrEqual(1);
    expect(d.counts.upcoming + d.counts.soon_due).toBeGreaterThan(30);
  });
});
