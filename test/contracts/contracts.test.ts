// Contracts and obligations on real PostgreSQL, through the domain functions the pages and
// the API call: recording (and refusing) contracts, linking deliveries, fulfilment at
// publication (on time, late, rejected, two deliveries), the contractor's dashboard,
// reminders, the ledger credit and the transparency report.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { createDraft } from '../../app/domain/contributions/contributions.server';
import { ContractError, recordContract } from '../../app/domain/contracts/contracts.server';
import {
  contractorDashboard,
  DeliveryError,
  linkDelivery,
} from '../../app/domain/contracts/fulfilment.server';
import { sendObligationReminders } from '../../app/domain/contracts/reminders.server';
import { addDays, deadlineOf, parisDate } from '../../app/domain/contracts/schedule';
import {
  transparencyCsv,
  transparencyReport,
} from '../../app/domain/contracts/transparency.server';
import {
  claimNextContribution,
  rejectContribution,
} from '../../app/domain/moderation/moderation.server';
import { retractContribution } from '../../app/domain/moderation/reports.server';
import { getStanding } from '../../app/domain/reputation/reputation.server';
import { verifyLedger } from '../../app/domain/reputation/verify.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { keyT, prepareReferences } from '../contributions/helpers';
import { makeModerator, submitted } from '../moderation/helpers';
import { addMember, approveAndPublish, contractInput, deliver, makeOrg } from './helpers';
import type { TestOrg } from './helpers';

let t: TestDatabase;
let refs: ReferenceLists;
let body: TestOrg;
let contractor: TestOrg;
let other: TestOrg;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-contracts-'));
const admin = (o: TestOrg) => ({ id: o.admin.user.id, isAdmin: false });

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  body = await makeOrg(t.db, 'public_body', 'Métropole test');
  contractor = await makeOrg(t.db, 'business', 'Vélos test SAS');
  other = await makeOrg(t.db, 'business', 'Autre entreprise');
});
afterAll(async () => {
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

async function refusal<E>(p: Promise<unknown>, type: new (...a: never[]) => E): Promise<E> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(type);
  return e as E;
}

const countContracts = async () =>
  Number(
    (await sql<{ n: number }>`select count(*)::int as n from contract`.execute(t.db)).rows[0]!.n,
  );
const occurrence = (obligationId: string, dueOn: string) =>
  t.db
    .selectFrom('obligation_occurrence')
    .selectAll()
    .where('obligation_id', '=', obligationId)
    .where('due_on', '=', sql<Date>`${dueOn}::date`)
    .executeTakeFirstOrThrow();
const obligationsOf = (contractId: string) =>
  t.db
    .selectFrom('contract_obligation')
    .selectAll()
    .where('contract_id', '=', contractId)
    .orderBy('position')
    .execute();

describe('recording a contract', () => {
  it('records the contract, its obligations and every due occurrence (Paris deadlines)', async () => {
    const r = await recordContract(t.db, admin(body), contractInput(body.id, contractor.id), keyT);
    expect(r.occurrences).toBe(11); // monthly over 2027: one month after the start (1 Feb) … 1 Dec
    const [ob] = await obligationsOf(r.id);
    const rows = await t.db
      .selectFrom('obligation_occurrence')
      .select([sql<string>`due_on::text`.as('d'), 'deadline'])
      .where('obligation_id', '=', ob!.id)
      .orderBy('due_on')
      .execute();
    expect(rows[0]!.d).toBe('2027-02-01');
    expect(rows.at(-1)!.d).toBe('2027-12-01');
    expect(rows.find((x) => x.d === '2027-07-01')!.deadline.toISOString()).toBe(
      '2027-07-01T22:00:00.000Z',
    );
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', r.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['contract.record']);
  });

  it('a contract ending before it starts is refused on the end date, and nothing is written', async () => {
    const before = await countContracts();
    const e = await refusal(
      recordContract(
        t.db,
        admin(body),
        contractInput(body.id, contractor.id, { startsOn: '2027-06-01', endsOn: '2027-05-31' }),
        keyT,
      ),
      ContractError,
    );
    expect(e.fieldErrors.endsOn).toEqual(['contracts:errors.endBeforeStart']);
    expect(await countContracts()).toBe(before);
  });

  it('an obligation without frequency or due dates is refused on that obligation, and nothing is written', async () => {
    const before = await countContracts();
    const input = contractInput(body.id, contractor.id, {
      obligations: [
        {
          datasetTitle: 'Fréquentation',
          frequency: 'quarterly',
          expectedFormat: 'CSV',
          licence: 'lo-2.0',
        },
        { datasetTitle: 'Incidents', expectedFormat: 'CSV', licence: 'lo-2.0' },
      ],
    });
    const e = await refusal(recordContract(t.db, admin(body), input, keyT), ContractError);
    expect(e.fieldErrors['obligations[1].frequency']).toEqual([
      'contracts:errors.scheduleRequired',
    ]);
    expect(e.fieldErrors['obligations[1].dueDates']).toEqual(['contracts:errors.scheduleRequired']);
    expect(e.fieldErrors['obligations[0].frequency']).toBeUndefined();
    expect(await countContracts()).toBe(before);
  });

  it('a contractor that is not an organisation (a person’s id, an unknown id) is refused, and nothing is written', async () => {
    const before = await countContracts();
    const person = await refusal(
      recordContract(t.db, admin(body), contractInput(body.id, contractor.admin.user.id), keyT),
      ContractError,
    );
    expect(person.fieldErrors.contractorId).toEqual(['contracts:errors.notOrganisation']);
    const garbage = await refusal(
      recordContract(t.db, admin(body), contractInput(body.id, 'Vélos Lumière'), keyT),
      ContractError,
    );
    expect(garbage.fieldErrors.contractorId).toEqual(['contracts:errors.contractor']);
    expect(await countContracts()).toBe(before);
  });

  it('other refusals: due dates outside the period, unknown licence or dataset, a business as public body, a duplicate reference', async () => {
    const outside = await refusal(
      recordContract(
        t.db,
        admin(body),
        contractInput(body.id, contractor.id, {
          obligations: [
            {
              datasetTitle: 'Bilan',
              dueDates: '2027-03-01, 2028-01-15',
              expectedFormat: 'PDF',
              licence: 'nope',
            },
          ],
        }),
        keyT,
      ),
      ContractError,
    );
    expect(outside.fieldErrors['obligations[0].dueDates']).toEqual([
      'contracts:errors.dueOutsidePeriod',
    ]);
    const unknown = await refusal(
      recordContract(
        t.db,
        admin(body),
        contractInput(body.id, contractor.id, {
          obligations: [
            {
              datasetTitle: 'Bilan',
              dataset: 'pas-de-tel-jeu',
              frequency: 'yearly',
              expectedFormat: 'PDF',
              licence: 'nope',
            },
          ],
        }),
        keyT,
      ),
      ContractError,
    );
    expect(unknown.fieldErrors['obligations[0].dataset']).toEqual([
      'contracts:errors.unknownDataset',
    ]);
    expect(unknown.fieldErrors['obligations[0].licence']).toEqual(['contracts:errors.licence']);
    const business = await refusal(
      recordContract(
        t.db,
        { id: other.admin.user.id, isAdmin: false },
        contractInput(other.id, contractor.id),
        keyT,
      ),
      ContractError,
    );
    expect(business.fieldErrors.publicBodyId).toEqual(['contracts:errors.notPublicBody']);
    const input = contractInput(body.id, contractor.id);
    await recordContract(t.db, admin(body), input, keyT);
    const dup = await refusal(recordContract(t.db, admin(body), input, keyT), ContractError);
    expect(dup.fieldErrors.reference).toEqual(['contracts:errors.duplicateReference']);
  });

  it('only the public body’s admins (or a platform admin) record its contracts', async () => {
    const member = await addMember(t.db, body, 'member');
    const e = await refusal(
      recordContract(
        t.db,
        { id: member.user.id, isAdmin: false },
        contractInput(body.id, contractor.id),
        keyT,
      ),
      ContractError,
    );
    expect(e.code).toBe('forbidden');
    const platform = await recordContract(
      t.db,
      { id: member.user.id, isAdmin: true },
      contractInput(body.id, contractor.id),
      keyT,
    );
    expect(platform.occurrences).toBe(11);
  });
});

describe('fulfilment', () => {
  const now = new Date();
  const today = parisDate(now);
  let datasetId: string;
  let datasetSlug: string;
  let updateObligation: string;
  let newObligation: string;
  let member: Awaited<ReturnType<typeof addMember>>;

  beforeAll(async () => {
    member = await addMember(t.db, contractor, 'member');
    // An existing catalogue dataset of the contractor, that the contract requires it to keep up to date.
    const base = await submitted(t.db, refs, uploadsDir, {
      submitterId: member.user.id,
      draft: { organizationId: contractor.id, title: 'Stations vélo' },
    });
    const m = await makeModerator(t.db);
    const pub = await approveAndPublish(t.db, m, base.id, uploadsDir);
    datasetId = pub.datasetId;
    datasetSlug = pub.slug;
    const r = await recordContract(
      t.db,
      admin(body),
      contractInput(body.id, contractor.id, {
        reference: 'DSP-VELO-2026',
        startsOn: addDays(today, -60),
        endsOn: addDays(today, 300),
        obligations: [
          {
            datasetTitle: 'Stations vélo',
            dataset: datasetSlug,
            dueDates: [addDays(today, 3), addDays(today, 33)],
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
          {
            datasetTitle: 'Bilan annuel du service',
            dueDates: [addDays(today, -2)],
            expectedFormat: 'PDF ou CSV',
            licence: 'lo-2.0',
          },
        ],
      }),
      keyT,
    );
    [updateObligation, newObligation] = (await obligationsOf(r.id)).map((o) => o.id) as [
      string,
      string,
    ];
  });

  it('the dashboard lists what is soon due and what is overdue', async () => {
    const d = await contractorDashboard(t.db, contractor.id, member.user.id, now);
    const mine = d.open.filter((o) => [updateObligation, newObligation].includes(o.obligationId));
    expect(mine.map((o) => [o.dueOn, o.status])).toEqual([
      [addDays(today, -2), 'overdue'],
      [addDays(today, 3), 'soon_due'],
      [addDays(today, 33), 'upcoming'],
    ]);
    expect(d.counts.overdue).toBeGreaterThanOrEqual(1);
  });

  it('linking a contribution to another organisation’s obligation is refused', async () => {
    const stranger = await addMember(t.db, other, 'admin');
    const theirs = await submitted(t.db, refs, uploadsDir, {
      submitterId: stranger.user.id,
      draft: { organizationId: other.id },
    });
    const e = await refusal(
      linkDelivery(
        t.db,
        { id: stranger.user.id },
        newObligation,
        { contributionId: theirs.id },
        keyT,
      ),
      DeliveryError,
    );
    expect(e.code).toBe('foreign_obligation');
    // A contractor's member cannot pass off another organisation's contribution either.
    const e2 = await refusal(
      linkDelivery(
        t.db,
        { id: member.user.id },
        newObligation,
        { contributionId: theirs.id },
        keyT,
      ),
      DeliveryError,
    );
    expect(e2.code).toBe('not_found');
    // Nor their own contribution made on behalf of another organisation.
    const both = await addMember(t.db, other, 'member');
    await t.db
      .insertInto('membership')
      .values({ organization_id: contractor.id, user_id: both.user.id, role: 'member' })
      .execute();
    const forOther = await submitted(t.db, refs, uploadsDir, {
      submitterId: both.user.id,
      draft: { organizationId: other.id },
    });
    const e3 = await refusal(
      linkDelivery(
        t.db,
        { id: both.user.id },
        newObligation,
        { contributionId: forOther.id },
        keyT,
      ),
      DeliveryError,
    );
    expect(e3.code).toBe('foreign_contribution');
    expect(
      await t.db
        .selectFrom('obligation_delivery')
        .select('contribution_id')
        .where('contribution_id', 'in', [theirs.id, forOther.id])
        .execute(),
    ).toEqual([]);
    // Clear the queue of these (they are not part of the story below).
    await sql`update contribution set state = 'withdrawn' where id in (${theirs.id}, ${forOther.id})`.execute(
      t.db,
    );
  });

  it('a delivery for an existing dataset must be an update of that dataset', async () => {
    const { id } = await createDraft(t.db, { id: member.user.id }, { kind: 'new_dataset' });
    const e = await refusal(
      linkDelivery(t.db, { id: member.user.id }, updateObligation, { contributionId: id }, keyT),
      DeliveryError,
    );
    expect(e.code).toBe('wrong_dataset');
  });

  it('two deliveries for one occurrence: the first approved fulfils it on time (ledger credit), the second is a normal update', async () => {
    const due = addDays(today, 3);
    const before = await getStanding(t.db, { type: 'organization', id: contractor.id });
    const first = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: updateObligation,
      dueOn: due,
      targetDatasetId: datasetId,
    });
    const second = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: updateObligation,
      dueOn: due,
      targetDatasetId: datasetId,
    });
    expect(
      (await contractorDashboard(t.db, contractor.id, member.user.id)).open.find(
        (o) => o.dueOn === due && o.obligationId === updateObligation,
      )!.status,
    ).toBe('submitted');

    const m = await makeModerator(t.db);
    await approveAndPublish(t.db, m, first, uploadsDir);
    let occ = await occurrence(updateObligation, due);
    expect(occ.fulfilled_by).toBe(first);
    expect(occ.on_time).toBe(true);
    expect(occ.fulfilled_at).not.toBeNull();
    const credits = () =>
      t.db
        .selectFrom('reputation_entry')
        .select(['effective_delta', 'ref_id'])
        .where('reason', '=', 'obligation_on_time')
        .where('subject_id', '=', contractor.id)
        .execute();
    expect(await credits()).toEqual([{ effective_delta: 15, ref_id: first }]);

    const pub2 = await approveAndPublish(t.db, m, second, uploadsDir);
    expect(pub2.datasetId).toBe(datasetId); // a new version of the same dataset
    const versions = await t.db
      .selectFrom('dataset_version')
      .select('number')
      .where('dataset_id', '=', datasetId)
      .orderBy('number')
      .execute();
    expect(versions.map((v) => v.number)).toEqual([1, 2, 3]);
    occ = await occurrence(updateObligation, due);
    expect(occ.fulfilled_by).toBe(first); // unchanged
    expect(await credits()).toHaveLength(1); // credited once
    const after = await getStanding(t.db, { type: 'organization', id: contractor.id });
    expect(after.balance - before.balance).toBe(15 + 10 + 10); // on-time credit + two approved updates
    expect((await verifyLedger(t.db)).ok).toBe(true);

    // An occurrence already fulfilled takes no more deliveries.
    const { id: late } = await createDraft(
      t.db,
      { id: member.user.id },
      { kind: 'dataset_update', targetDatasetId: datasetId },
    );
    const e = await refusal(
      linkDelivery(
        t.db,
        { id: member.user.id },
        updateObligation,
        { contributionId: late, dueOn: due },
        keyT,
      ),
      DeliveryError,
    );
    expect(e.code).toBe('already_fulfilled');
  });

  it('a rejected delivery leaves the occurrence open (overdue again); a late delivery fulfils it late, without credit, and names the new dataset', async () => {
    const due = addDays(today, -2);
    const m = await makeModerator(t.db);
    const rejected = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: newObligation,
      draft: { title: 'Bilan annuel 2026' },
    });
    const status = async () =>
      (await contractorDashboard(t.db, contractor.id, member.user.id)).open.find(
        (o) => o.obligationId === newObligation,
      )?.status;
    expect(await status()).toBe('submitted');
    const claim = await claimNextContribution(t.db, m);
    expect(claim?.id).toBe(rejected);
    await rejectContribution(t.db, m, rejected, {
      reasonCode: 'poor_quality',
      comment: 'Le fichier est vide.',
      expectedVersion: claim!.version,
    });
    expect(await status()).toBe('overdue');
    expect((await occurrence(newObligation, due)).fulfilled_at).toBeNull();

    const redelivered = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: newObligation,
      draft: { title: 'Bilan annuel 2026' },
    });
    const pub = await approveAndPublish(t.db, m, redelivered, uploadsDir);
    const occ = await occurrence(newObligation, due);
    expect(occ.fulfilled_by).toBe(redelivered);
    expect(occ.on_time).toBe(false);
    expect(occ.delivered_at!.getTime()).toBeGreaterThan(deadlineOf(due).getTime());
    const ob = await t.db
      .selectFrom('contract_obligation')
      .select('dataset_id')
      .where('id', '=', newObligation)
      .executeTakeFirstOrThrow();
    expect(ob.dataset_id).toBe(pub.datasetId);
    const credit = await t.db
      .selectFrom('reputation_entry')
      .select('id')
      .where('reason', '=', 'obligation_on_time')
      .where('ref_id', '=', redelivered)
      .execute();
    expect(credit).toEqual([]);
  });

  it('the transparency report counts on time, late and missing per contract, contractor and public body; CSV has one row per occurrence', async () => {
    const report = await transparencyReport(t.db, { titulaire: contractor.slug });
    const k = report.contracts.find((c) => c.reference === 'DSP-VELO-2026')!;
    expect(k.compliance).toMatchObject({ onTime: 1, late: 1, missing: 0 });
    expect(k.obligations[0]!.dataset).toEqual({
      slug: datasetSlug,
      url: `/datasets/${datasetSlug}`,
    });
    expect(k.obligations[1]!.dataset).not.toBeNull();
    const ct = report.contractors.find((c) => c.id === contractor.id)!;
    expect(ct.compliance.onTime).toBe(1);
    expect(ct.compliance.late).toBe(1);
    expect(report.publicBodies.map((p) => p.id)).toEqual([body.id]);
    expect(report.contracts.every((c) => c.contractor.id === contractor.id)).toBe(true);
    const csv = transparencyCsv(report);
    expect(csv.startsWith('\uFEFF')).toBe(true); // Excel reads it as UTF-8
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'organisme_public,titulaire,reference_contrat,contrat,jeu_de_donnees,url_jeu_de_donnees,frequence,echeance,statut,soumis_le,publie_le',
    );
    expect(lines.filter((l) => l.includes('DSP-VELO-2026'))).toHaveLength(3);
    expect(lines.some((l) => l.includes('DSP-VELO-2026') && l.includes(',on_time,'))).toBe(true);
    expect(lines.some((l) => l.includes('DSP-VELO-2026') && l.includes(',late,'))).toBe(true);
  });

  it('retracting the on-time delivery reverses the contractor’s obligation credit', async () => {
    const r = await recordContract(
      t.db,
      admin(body),
      contractInput(body.id, contractor.id, {
        reference: 'RETRACT-2026',
        startsOn: addDays(today, -10),
        endsOn: addDays(today, 100),
        obligations: [
          {
            datasetTitle: 'Comptages vélo',
            dueDates: [addDays(today, 5)],
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
        ],
      }),
      keyT,
    );
    const [ob] = await obligationsOf(r.id);
    const id = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: ob!.id,
      draft: { title: 'Comptages vélo 2026' },
    });
    await approveAndPublish(t.db, await makeModerator(t.db), id, uploadsDir);
    const entries = () =>
      t.db
        .selectFrom('reputation_entry')
        .select(['reason', 'effective_delta'])
        .where('ref_id', '=', id)
        .where('subject_id', '=', contractor.id)
        .orderBy('id')
        .execute();
    expect((await entries()).map((e) => e.reason)).toContain('obligation_on_time');
    await t.db
      .transaction()
      .execute((trx) => retractContribution(trx, body.admin.user.id, id, 'Données erronées'));
    const after = await entries();
    // The approval credit and the on-time credit are both taken back.
    expect(after.map((e) => [e.reason, e.effective_delta])).toEqual([
      ['dataset_contribution_approved', 25],
      ['obligation_on_time', 15],
      ['reversal_retraction', -25],
      ['reversal_retraction', -15],
    ]);
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });
});

describe('reminders', () => {
  it('7 days before, on the day, weekly while overdue; once each, however often the job runs', async () => {
    const rbody = await makeOrg(t.db, 'public_body');
    const rcontractor = await makeOrg(t.db, 'association');
    const now = new Date();
    const today = parisDate(now);
    const r = await recordContract(
      t.db,
      admin(rbody),
      contractInput(rbody.id, rcontractor.id, {
        startsOn: addDays(today, -30),
        endsOn: addDays(today, 60),
        obligations: [
          {
            datasetTitle: 'Comptages piétons',
            dueDates: [
              addDays(today, 7),
              today,
              addDays(today, -1),
              addDays(today, 8),
              addDays(today, 30),
            ],
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
        ],
      }),
      keyT,
    );
    const sentFor = async () =>
      (
        await t.db
          .selectFrom('obligation_reminder as r')
          .innerJoin('obligation_occurrence as o', 'o.id', 'r.occurrence_id')
          .innerJoin('contract_obligation as ob', 'ob.id', 'o.obligation_id')
          .select([sql<string>`o.due_on::text`.as('d'), 'r.kind'])
          .where('ob.contract_id', '=', r.id)
          .orderBy('o.due_on')
          .orderBy('r.kind')
          .execute()
      ).map((x) => `${x.d}:${x.kind}`);
    const inbox = () =>
      t.db
        .selectFrom('email_outbox')
        .select(['subject', 'body_text'])
        .where('user_id', '=', rcontractor.admin.user.id)
        .orderBy('id')
        .execute();

    await sendObligationReminders(t.db, now);
    await sendObligationReminders(t.db, now); // the second run is a no-op
    expect(await sentFor()).toEqual([
      `${addDays(today, -1)}:overdue_0`,
      `${today}:due_today`,
      `${addDays(today, 7)}:upcoming`,
    ]);
    const mails = await inbox();
    expect(mails.map((m) => m.subject).sort()).toEqual([
      'Livraison de données attendue aujourd’hui',
      'Livraison de données en retard',
      'Livraison de données à venir',
    ]);
    expect(mails[0]!.body_text).toContain('Comptages piétons');
    expect(mails[0]!.body_text).toContain(`/organisations/${rcontractor.slug}/obligations`);
    const notes = await t.db
      .selectFrom('notification')
      .select(['kind', 'url'])
      .where('user_id', '=', rcontractor.admin.user.id)
      .execute();
    expect(notes).toHaveLength(3);
    expect(notes.map((n) => n.kind).sort()).toEqual([
      'obligation_due_today',
      'obligation_overdue',
      'obligation_upcoming',
    ]);

    // Eight days later: the 8-day one is due that day; the first overdue gets its second weekly reminder.
    const later = new Date(now.getTime() + 8 * 86_400_000);
    await sendObligationReminders(t.db, later);
    await sendObligationReminders(t.db, later);
    expect(await sentFor()).toEqual([
      `${addDays(today, -1)}:overdue_0`,
      `${addDays(today, -1)}:overdue_1`,
      `${today}:due_today`,
      `${today}:overdue_1`,
      `${addDays(today, 7)}:overdue_0`,
      `${addDays(today, 7)}:upcoming`,
      `${addDays(today, 8)}:due_today`,
    ]);
  });
});
