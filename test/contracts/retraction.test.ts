// A retracted delivery no longer fulfils its due date: the retraction reopens the
// occurrence in its own transaction (due or overdue again), the public transparency page
// and API show it, an obligation whose new dataset is gone owes a new one, and another
// published delivery linked to the same due date takes over.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { recordContract } from '../../app/domain/contracts/contracts.server';
import { sendObligationReminders } from '../../app/domain/contracts/reminders.server';
import { addDays, parisDate } from '../../app/domain/contracts/schedule';
import { transparencyReport } from '../../app/domain/contracts/transparency.server';
import {
  approveContribution,
  claimNextContribution,
} from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { retractContribution } from '../../app/domain/moderation/reports.server';
import { verifyLedger } from '../../app/domain/reputation/verify.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { keyT, prepareReferences } from '../contributions/helpers';
import { makeModerator } from '../moderation/helpers';
import { addMember, approveAndPublish, contractInput, deliver, makeOrg } from './helpers';
import type { TestOrg } from './helpers';

let t: TestDatabase;
let server: TestServer;
let refs: ReferenceLists;
let body: TestOrg;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-contracts-retract-'));
const today = parisDate(new Date());

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool });
  body = await makeOrg(t.db, 'public_body', 'Métropole retraits');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

/** A contractor with a member, and a contract owing one new dataset on the given due dates. */
async function setup(dueDates: string[]) {
  const contractor = await makeOrg(t.db, 'business');
  const member = await addMember(t.db, contractor, 'member');
  const r = await recordContract(
    t.db,
    { id: body.admin.user.id, isAdmin: false },
    contractInput(body.id, contractor.id, {
      startsOn: addDays(today, -30),
      endsOn: addDays(today, 90),
      obligations: [
        { datasetTitle: 'Comptages vélo', dueDates, expectedFormat: 'CSV', licence: 'lo-2.0' },
      ],
    }),
    keyT,
  );
  const ob = await t.db
    .selectFrom('contract_obligation')
    .select('id')
    .where('contract_id', '=', r.id)
    .executeTakeFirstOrThrow();
  return { contractor, member, contractId: r.id, obligationId: ob.id };
}

const occurrence = (obligationId: string, dueOn: string) =>
  t.db
    .selectFrom('obligation_occurrence')
    .selectAll()
    .where('obligation_id', '=', obligationId)
    .where('due_on', '=', sql<Date>`${dueOn}::date`)
    .executeTakeFirstOrThrow();

const statusOf = async (contractId: string, dueOn: string) => {
  const report = await transparencyReport(t.db, { contractId });
  const k = report.contracts[0]!;
  return {
    status: k.obligations[0]!.occurrences.find((o) => o.dueOn === dueOn)!.status,
    compliance: k.compliance,
    dataset: k.obligations[0]!.dataset,
  };
};

const retract = (id: string, reason = 'Données erronées') =>
  t.db.transaction().execute((trx) => retractContribution(trx, body.admin.user.id, id, reason));

describe('retracting a delivery', () => {
  it('reopens an on-time due date still to come: due again, not counted, the adopted dataset forgotten', async () => {
    const due = addDays(today, 5);
    const s = await setup([due]);
    const id = await deliver(t.db, refs, uploadsDir, {
      memberId: s.member.user.id,
      organizationId: s.contractor.id,
      obligationId: s.obligationId,
      dueOn: due,
    });
    await approveAndPublish(t.db, await makeModerator(t.db), id, uploadsDir);
    const before = await statusOf(s.contractId, due);
    expect(before.status).toBe('on_time');
    expect(before.compliance.onTime).toBe(1);
    expect(before.dataset).not.toBeNull();

    await retract(id);

    const occ = await occurrence(s.obligationId, due);
    expect([occ.fulfilled_at, occ.fulfilled_by, occ.on_time, occ.delivered_at]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    const after = await statusOf(s.contractId, due);
    expect(after.status).toBe('soon_due');
    expect(after.compliance).toMatchObject({ onTime: 0, late: 0, missing: 0, rate: null });
    // The dataset it created is withdrawn altogether: the obligation owes a new dataset again.
    expect(after.dataset).toBeNull();
    const ob = await t.db
      .selectFrom('contract_obligation')
      .select('dataset_id')
      .where('id', '=', s.obligationId)
      .executeTakeFirstOrThrow();
    expect(ob.dataset_id).toBeNull();
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });

  it('a late delivery retracted leaves its due date overdue again, on the public page and in the API', async () => {
    const due = addDays(today, -2);
    const s = await setup([due]);
    const id = await deliver(t.db, refs, uploadsDir, {
      memberId: s.member.user.id,
      organizationId: s.contractor.id,
      obligationId: s.obligationId,
      dueOn: due,
    });
    await approveAndPublish(t.db, await makeModerator(t.db), id, uploadsDir);
    const page = () =>
      fetch(`${server.url}/transparence?titulaire=${s.contractor.slug}`, {
        headers: { 'accept-language': 'fr' },
      }).then((r) => r.text());
    const api = () =>
      fetch(`${server.url}/api/v1/contracts?titulaire=${s.contractor.slug}`).then(
        (r) => r.json() as Promise<{ contracts: { compliance: Record<string, number> }[] }>,
      );
    expect(await page()).toContain('status-late');
    expect((await api()).contracts[0]!.compliance).toMatchObject({ late: 1, missing: 0 });

    await retract(id);

    const html = await page();
    expect(html).not.toContain('status-late');
    expect(html).toContain('status-overdue');
    expect((await api()).contracts[0]!.compliance).toMatchObject({ late: 0, missing: 1, rate: 0 });
    // Overdue again, it is reminded again…
    expect(await sendObligationReminders(t.db)).toBeGreaterThanOrEqual(1);
    const reminded = await t.db
      .selectFrom('notification')
      .select('kind')
      .where('user_id', '=', s.contractor.admin.user.id)
      .execute();
    expect(reminded.map((n) => n.kind)).toEqual(['obligation_overdue']);
    // …and, open again, it can be delivered anew.
    const again = await deliver(t.db, refs, uploadsDir, {
      memberId: s.member.user.id,
      organizationId: s.contractor.id,
      obligationId: s.obligationId,
      dueOn: due,
    });
    await approveAndPublish(t.db, await makeModerator(t.db), again, uploadsDir);
    expect((await occurrence(s.obligationId, due)).fulfilled_by).toBe(again);
  });

  it('another published delivery for the same due date fulfils it in the retraction’s place', async () => {
    const due = addDays(today, 10);
    const s = await setup([due]);
    const first = await deliver(t.db, refs, uploadsDir, {
      memberId: s.member.user.id,
      organizationId: s.contractor.id,
      obligationId: s.obligationId,
      dueOn: due,
      draft: { title: 'Comptages vélo, première livraison' },
    });
    const second = await deliver(t.db, refs, uploadsDir, {
      memberId: s.member.user.id,
      organizationId: s.contractor.id,
      obligationId: s.obligationId,
      dueOn: due,
      draft: { title: 'Comptages vélo, seconde livraison' },
    });
    const m = await makeModerator(t.db);
    // Publish both, in the queue's order (the first submitted comes first).
    for (let i = 0; i < 2; i++) {
      const claim = await claimNextContribution(t.db, m);
      await approveContribution(t.db, m, claim!.id, { expectedVersion: claim!.version });
      await publishApprovedContribution(t.db, claim!.id, { uploadsDir });
    }
    expect((await occurrence(s.obligationId, due)).fulfilled_by).toBe(first);

    await retract(first);

    const occ = await occurrence(s.obligationId, due);
    expect(occ.fulfilled_by).toBe(second);
    expect(occ.on_time).toBe(true);
    expect((await statusOf(s.contractId, due)).status).toBe('on_time');
    // The second delivery's dataset is the obligation's now, and it earned the on-time credit.
    const credit = await t.db
      .selectFrom('reputation_entry')
      .select('reason')
      .where('ref_id', '=', second)
      .where('subject_id', '=', s.contractor.id)
      .execute();
    expect(credit.map((c) => c.reason)).toContain('obligation_on_time');
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });

  it('a retraction that fails leaves the due date fulfilled (same transaction)', async () => {
    const due = addDays(today, 6);
    const s = await setup([due]);
    const id = await deliver(t.db, refs, uploadsDir, {
      memberId: s.member.user.id,
      organizationId: s.contractor.id,
      obligationId: s.obligationId,
      dueOn: due,
    });
    await approveAndPublish(t.db, await makeModerator(t.db), id, uploadsDir);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await retractContribution(trx, body.admin.user.id, id, 'Données erronées');
        // Inside the transaction the occurrence is already open…
        const open = await trx
          .selectFrom('obligation_occurrence')
          .select('fulfilled_by')
          .where('obligation_id', '=', s.obligationId)
          .executeTakeFirstOrThrow();
        expect(open.fulfilled_by).toBeNull();
        throw new Error('crash after the retraction');
      }),
    ).rejects.toThrow('crash after the retraction');
    // …and nothing of it survives the rollback.
    expect((await occurrence(s.obligationId, due)).fulfilled_by).toBe(id);
    expect((await statusOf(s.contractId, due)).status).toBe('on_time');
  });
});
