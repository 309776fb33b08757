// Demo data: seeded when the embedded default starts on an empty database, or when
// SEED_DEMO=1. Every seed step is idempotent (upserts), so a second start neither
// duplicates nor fails. Each feature adds its own step to the list below.
import { seedReferenceLists } from '../app/domain/contributions/reference.server';
import { seedIdentityDemo, seedTerritories } from '../app/domain/identity/demo-seed.server';
import { seedDemoLedger } from '../app/domain/reputation/seed.server';
import { seedObservationCategories } from '../app/domain/observations/observations.server';
import { seedDemoCatalogue } from '../app/domain/catalogue/demo-seed.server';
import type { ObjectStorage } from '../app/domain/storage/storage.server';
import { seedDemoContract } from '../app/domain/contracts/demo-seed.server';
import { seedDemoObservations } from '../app/domain/observations/demo-seed.server';
import type { DB } from './client';

/** What some demo steps need besides the database (the store for files they publish). */
export interface SeedContext {
  storage?: ObjectStorage;
}

export type SeedStep = { name: string; run: (db: DB, ctx: SeedContext) => Promise<void> };

// Identity first: the demo accounts and organisations later steps refer to.
const steps: SeedStep[] = [
  { name: 'identity: demo organisations and accounts', run: seedIdentityDemo },
];

/**
 * Reference data every installation needs (not demo data): seeded at every start, never
 * overwriting what admins changed.
 */
const referenceSteps: SeedStep[] = [
  { name: 'themes and licences', run: seedReferenceLists },
  { name: 'territories (Métropole de Lyon and its communes)', run: seedTerritories },
];

export async function seedReferenceData(db: DB): Promise<void> {
  for (const step of referenceSteps) await step.run(db, {});
}

export async function databaseIsEmpty(db: DB): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return row.n === 0;
}

export async function seedDemoData(db: DB, ctx: SeedContext = {}): Promise<void> {
  for (const step of steps) await step.run(db, ctx);
}

// Reputation: a few ledger entries for the demo accounts (after the steps that create them).
steps.push({ name: 'reputation ledger', run: seedDemoLedger });
// Observations: the admin-managed categories (reference data, never overwriting admins' changes).
referenceSteps.push({ name: 'observation categories', run: seedObservationCategories });
// Catalogue: a few published datasets about the communes (files in the configured store).
steps.push({
  name: 'catalogue: demo datasets',
  run: async (db, ctx) => {
    if (ctx.storage) await seedDemoCatalogue(db, { storage: ctx.storage });
  },
});
// Contracts: a public contract of the Métropole with the demo partner, with an open-data clause.
steps.push({
  name: 'contracts: demo contract with an open-data clause',
  run: (db) => seedDemoContract(db),
});
// Observations: about 200 citizen observations over the communes and the last 18 months
// (published, confirmed, resolved, a few waiting for moderation), through the domain flow.
steps.push({
  name: 'observations: demo observations',
  run: async (db, ctx) => {
    if (ctx.storage) await seedDemoObservations(db, { storage: ctx.storage });
  },
});
