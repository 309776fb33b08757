// Correcting a recorded contract, on real PostgreSQL and through the real HTTP server:
// what a schedule change does to due dates (a delivery is never lost, an undelivered due
// date leaves the schedule), the refusals field by field in French and English with
// nothing written, who may edit, the CSRF check, and the audit log.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { withdrawContribution } from '../../app/domain/contributions/contributions.server';
import { ContractError, recordContract } from '../../app/domain/contracts/contracts.server';
import { editContract, loadContractForEdit } from '../../app/domain/contracts/editing.server';
import { addDays, parisDate } from '../../app/domain/contracts/schedule';
import { transparencyReport } from '../../app/domain/contracts/transparency.server';
import { createUserWithSession } from '../support/auth';
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
let otherBody: TestOrg;
let contractor: TestOrg;
let otherContractor: TestOrg;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-contracts-edit-'));
const today = parisDate(new Date());
const admin = (o: TestOrg) => ({ id: o.admin.user.id, isAdmin: false });

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool });
  body = await makeOrg(t.db, 'public_body', 'Métropole éditions');
  otherBody = await makeOrg(t.db, 'public_body', 'Commune voisine');
  contractor = await makeOrg(t.db, 'business', 'Titulaire initial SA');
  otherContractor = await makeOrg(t.db, 'association', 'Bon titulaire');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<ContractError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ContractError);
  return e as ContractError;
}

const datesOf = async (obligationId: string) =>
  (
    await t.db
      .selectFrom('obligation_occurrence')
      .select([sql<string>`due_on::text`.as('d'), 'fulfilled_by'])
      .where('obligation_id', '=', obligationId)
      .orderBy('due_on')
      .execute()
  ).map((r) => r.d);

/** The edit form's values, as the page shows them, with changes. */
async function current(
  contractId: string,
  change: (v: Record<string, unknown>) => void = () => {},
) {
  const k = await loadContractForEdit(t.db, admin(body), contractId);
  const v: Record<string, unknown> = {
    contractorId: k.contractorId,
    reference: k.reference,
    title: k.title,
    startsOn: k.startsOn,
    endsOn: k.endsOn,
    noticeUrl: k.noticeUrl,
    obligations: k.obligations.map((o) => ({
      id: o.id,
      datasetTitle: o.datasetTitle,
      dataset: o.dataset,
      frequency: o.frequency,
      firstDueOn: o.firstDueOn,
      dueDates: o.dueDates,
      expectedFormat: o.expectedFormat,
      licence: o.licence,
    })),
  };
  change(v);
  return v;
}
const obligation = (v: Record<string, unknown>, i = 0) =>
  (v.obligations as Record<string, unknown>[])[i]!;

const snapshot = async (contractId: string) => ({
  contract: await t.db.selectFrom('contract').selectAll().where('id', '=', contractId).execute(),
  obligations: await t.db
    .selectFrom('contract_obligation')
    .selectAll()
    .where('contract_id', '=', contractId)
    .orderBy('id')
    .execute(),
  occurrences: await t.db
    .selectFrom('obligation_occurrence as o')
    .innerJoin('contract_obligation as ob', 'ob.id', 'o.obligation_id')
    .selectAll('o')
    .where('ob.contract_id', '=', contractId)
    .orderBy('o.id')
    .execute(),
  audit: await t.db
    .selectFrom('audit_log')
    .select('id')
    .where('target_id', '=', contractId)
    .execute(),
});

describe('editing a contract (domain)', () => {
  /** A contract whose one obligation has a fulfilled, an overdue, a pending and an upcoming due date. */
  async function delivered() {
    const member = await addMember(t.db, contractor, 'member');
    const r = await recordContract(
      t.db,
      admin(body),
      contractInput(body.id, contractor.id, {
        startsOn: addDays(today, -60),
        endsOn: addDays(today, 120),
        obligations: [
          {
            datasetTitle: 'Fréquentation des parkings',
            dueDates: [
              addDays(today, -20),
              addDays(today, -10),
              addDays(today, 10),
              addDays(today, 20),
            ],
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
        ],
      }),
      keyT,
    );
    const ob = (await loadContractForEdit(t.db, admin(body), r.id)).obligations[0]!;
    const fulfilled = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: ob.id,
      dueOn: addDays(today, -20),
    });
    const pub = await approveAndPublish(t.db, await makeModerator(t.db), fulfilled, uploadsDir);
    // A draft linked to the due date in 20 days (an update of the dataset now owed): a delivery under way.
    const pending = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: ob.id,
      dueOn: addDays(today, 20),
      targetDatasetId: pub.datasetId,
      submit: false,
    });
    // A delivery for the overdue date, withdrawn by its author: it delivered nothing.
    const withdrawn = await deliver(t.db, refs, uploadsDir, {
      memberId: member.user.id,
      organizationId: contractor.id,
      obligationId: ob.id,
      dueOn: addDays(today, -10),
      targetDatasetId: pub.datasetId,
    });
    await withdrawContribution(t.db, { id: member.user.id }, withdrawn);
    return { id: r.id, obligationId: ob.id, fulfilled, pending, withdrawn };
  }

  it('a new schedule keeps every due date with a delivery, drops the undelivered ones (overdue too) and adds the new ones', async () => {
    const k = await delivered();
    const fulfilledRow = await t.db
      .selectFrom('obligation_occurrence')
      .selectAll()
      .where('fulfilled_by', '=', k.fulfilled)
      .executeTakeFirstOrThrow();
    const r = await editContract(
      t.db,
      admin(body),
      k.id,
      await current(k.id, (v) => {
        obligation(v).dueDates = [addDays(today, 30), addDays(today, 60)];
      }),
      keyT,
    );
    expect(r).toMatchObject({ changed: true, added: 2, removed: 2, keptOutsideSchedule: 2 });
    expect(await datesOf(k.obligationId)).toEqual([
      addDays(today, -20), // fulfilled: kept, with its fulfilment
      addDays(today, 20), // a delivery linked: kept
      addDays(today, 30),
      addDays(today, 60),
    ]);
    const after = await t.db
      .selectFrom('obligation_occurrence')
      .selectAll()
      .where('id', '=', fulfilledRow.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(fulfilledRow);
    const delivery = (id: string) =>
      t.db
        .selectFrom('obligation_delivery')
        .select('occurrence_id')
        .where('contribution_id', '=', id)
        .executeTakeFirst();
    expect(await delivery(k.pending)).toBeDefined();
    // The withdrawn attempt's link went with its due date; the contribution stays.
    expect(await delivery(k.withdrawn)).toBeUndefined();
    const gone = await t.db
      .selectFrom('contribution')
      .select('state')
      .where('id', '=', k.withdrawn)
      .executeTakeFirstOrThrow();
    expect(gone.state).toBe('withdrawn');
    // The public report: the late delivery still counts; the dropped overdue date no longer does.
    const report = await transparencyReport(t.db, { contractId: k.id });
    expect(report.contracts[0]!.compliance).toMatchObject({ late: 1, missing: 0 });
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'details'])
      .where('target_id', '=', k.id)
      .where('action', '=', 'contract.edit')
      .executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(body.admin.user.id);
    const changed = (audit.details as { obligations: { changed: Record<string, unknown>[] } })
      .obligations.changed[0]!;
    expect(changed).toMatchObject({
      dueDatesAdded: [addDays(today, 30), addDays(today, 60)],
      dueDatesRemoved: [addDays(today, -10), addDays(today, 10)],
      dueDatesKept: [addDays(today, -20), addDays(today, 20)],
    });
  });

  it('refuses, field by field and writing nothing: another contractor, removing or re-pointing an obligation with deliveries', async () => {
    const k = await delivered();
    const before = await snapshot(k.id);
    const e1 = await refusal(
      editContract(
        t.db,
        admin(body),
        k.id,
        await current(k.id, (v) => {
          v.contractorId = otherContractor.id;
          v.title = 'Un autre titre';
        }),
        keyT,
      ),
    );
    expect(e1.fieldErrors.contractorId).toEqual(['contracts:errors.contractorDelivered']);
    const e2 = await refusal(
      editContract(
        t.db,
        admin(body),
        k.id,
        await current(k.id, (v) => {
          v.obligations = [
            {
              datasetTitle: 'Un autre jeu',
              frequency: 'monthly',
              expectedFormat: 'CSV',
              licence: 'lo-2.0',
            },
          ];
        }),
        keyT,
      ),
    );
    expect(e2.fieldErrors.form).toEqual(['contracts:errors.obligationDelivered']);
    const e3 = await refusal(
      editContract(
        t.db,
        admin(body),
        k.id,
        await current(k.id, (v) => {
          obligation(v).dataset = '';
        }),
        keyT,
      ),
    );
    expect(e3.fieldErrors['obligations[0].dataset']).toEqual(['contracts:errors.datasetDelivered']);
    expect(await snapshot(k.id)).toEqual(before);
  });

  it('corrects the title, period, contractor and obligations of a contract without deliveries; audit lists the changes', async () => {
    const r = await recordContract(
      t.db,
      admin(body),
      contractInput(body.id, contractor.id, {
        obligations: [
          {
            datasetTitle: 'Premier jeu',
            frequency: 'quarterly',
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
          {
            datasetTitle: 'Jeu en trop',
            frequency: 'yearly',
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
        ],
      }),
      keyT,
    );
    const [first, extra] = (await loadContractForEdit(t.db, admin(body), r.id)).obligations;
    expect(await datesOf(first!.id)).toEqual(['2027-04-01', '2027-07-01', '2027-10-01']);
    const out = await editContract(
      t.db,
      admin(body),
      r.id,
      await current(r.id, (v) => {
        v.title = 'Titre corrigé du contrat';
        v.contractorId = otherContractor.id;
        v.endsOn = '2028-06-30';
        v.obligations = [
          obligation(v, 0),
          {
            datasetTitle: 'Nouveau jeu',
            dueDates: '2027-05-15',
            expectedFormat: 'JSON',
            licence: 'lo-2.0',
          },
        ];
      }),
      keyT,
    );
    expect(out.changed).toBe(true);
    const k = await t.db
      .selectFrom('contract')
      .select(['title', 'contractor_id', sql<string>`ends_on::text`.as('ends_on')])
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(k).toEqual({
      title: 'Titre corrigé du contrat',
      contractor_id: otherContractor.id,
      ends_on: '2028-06-30',
    });
    // The longer period adds quarters; the extra obligation is gone; the new one has its date.
    expect(await datesOf(first!.id)).toEqual([
      '2027-04-01',
      '2027-07-01',
      '2027-10-01',
      '2028-01-01',
      '2028-04-01',
    ]);
    expect(await datesOf(extra!.id)).toEqual([]);
    const obs = await loadContractForEdit(t.db, admin(body), r.id);
    expect(obs.obligations.map((o) => o.datasetTitle)).toEqual(['Premier jeu', 'Nouveau jeu']);
    expect(await datesOf(obs.obligations[1]!.id)).toEqual(['2027-05-15']);
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['details'])
      .where('target_id', '=', r.id)
      .where('action', '=', 'contract.edit')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({
      changes: {
        title: {
          from: 'Délégation de service public du vélo en libre-service',
          to: 'Titre corrigé du contrat',
        },
        contractorId: { from: contractor.id, to: otherContractor.id },
        endsOn: { from: '2027-12-31', to: '2028-06-30' },
      },
      obligations: {
        removed: [{ datasetTitle: 'Jeu en trop', dueDates: ['2027-12-31'] }],
        added: [{ datasetTitle: 'Nouveau jeu', dueDates: ['2027-05-15'] }],
      },
    });
    // Saving it again unchanged writes nothing more.
    const again = await editContract(t.db, admin(body), r.id, await current(r.id), keyT);
    expect(again.changed).toBe(false);
    const edits = await t.db
      .selectFrom('audit_log')
      .select('id')
      .where('target_id', '=', r.id)
      .where('action', '=', 'contract.edit')
      .execute();
    expect(edits).toHaveLength(1);
  });

  it('only the public body’s admins (or a platform admin) edit it; a duplicate reference or a foreign obligation is refused', async () => {
    const r = await recordContract(t.db, admin(body), contractInput(body.id, contractor.id), keyT);
    const taken = await recordContract(
      t.db,
      admin(body),
      contractInput(body.id, contractor.id),
      keyT,
    );
    const takenRef = (await loadContractForEdit(t.db, admin(body), taken.id)).reference;
    const before = await snapshot(r.id);
    const member = await addMember(t.db, body, 'member');
    for (const who of [
      admin(otherBody),
      admin(contractor),
      { id: member.user.id, isAdmin: false },
    ]) {
      expect((await refusal(editContract(t.db, who, r.id, await current(r.id), keyT))).code).toBe(
        'forbidden',
      );
    }
    const dup = await refusal(
      editContract(
        t.db,
        admin(body),
        r.id,
        await current(r.id, (v) => (v.reference = takenRef)),
        keyT,
      ),
    );
    expect(dup.fieldErrors.reference).toEqual(['contracts:errors.duplicateReference']);
    const foreignOb = (await loadContractForEdit(t.db, admin(body), taken.id)).obligations[0]!.id;
    const foreign = await refusal(
      editContract(
        t.db,
        admin(body),
        r.id,
        await current(r.id, (v) => (obligation(v).id = foreignOb)),
        keyT,
      ),
    );
    expect(foreign.fieldErrors.form).toEqual(['contracts:errors.unknownObligation']);
    // The public body cannot be moved by the input either.
    const moved = await editContract(
      t.db,
      admin(body),
      r.id,
      { ...(await current(r.id)), publicBodyId: otherBody.id },
      keyT,
    );
    expect(moved.changed).toBe(false);
    expect(await snapshot(r.id)).toEqual(before);
    const platform = await createUserWithSession(t.db, { isAdmin: true });
    const ok = await editContract(
      t.db,
      { id: platform.user.id, isAdmin: true },
      r.id,
      await current(r.id, (v) => (v.title = 'Corrigé par un administrateur')),
      keyT,
    );
    expect(ok.changed).toBe(true);
  });
});

describe('the edit page', () => {
  let id: string;
  let reference: string;
  let obligationId: string;
  beforeAll(async () => {
    const r = await recordContract(t.db, admin(body), contractInput(body.id, contractor.id), keyT);
    id = r.id;
    const k = await loadContractForEdit(t.db, admin(body), id);
    reference = k.reference;
    obligationId = k.obligations[0]!.id;
  });

  function req(
    url: string,
    init: { cookie?: string; form?: Record<string, string>; lang?: string; origin?: string } = {},
  ) {
    const headers: Record<string, string> = {
      origin: init.origin ?? server.url,
      'accept-language': init.lang ?? 'fr',
    };
    if (init.cookie) headers.cookie = init.cookie;
    let payload: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(init.form).toString();
    }
    return fetch(`${server.url}${url}`, {
      method: payload ? 'POST' : 'GET',
      headers,
      body: payload,
      redirect: 'manual',
    });
  }
  const form = (overrides: Record<string, string> = {}) => ({
    contractorId: contractor.id,
    reference,
    title: 'Délégation de service public du vélo en libre-service',
    startsOn: '2027-01-01',
    endsOn: '2027-12-31',
    noticeUrl: 'https://www.boamp.fr/avis/detail/27-12345',
    'obligations[0].id': obligationId,
    'obligations[0].datasetTitle': 'Disponibilité des stations',
    'obligations[0].frequency': 'monthly',
    'obligations[0].expectedFormat': 'CSV, une ligne par station et par heure',
    'obligations[0].licence': 'lo-2.0',
    ...overrides,
  });
  const url = () => `/contrats/${id}/modifier`;

  it('is for the public body’s admins: sign-in, 403 for others, 404 for no such contract', async () => {
    const anon = await req(url());
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toContain('/connexion');
    expect((await req(url(), { cookie: contractor.admin.cookie })).status).toBe(403);
    expect((await req(url(), { cookie: otherBody.admin.cookie })).status).toBe(403);
    expect(
      (await req(url(), { cookie: otherBody.admin.cookie, form: form({ title: 'Volé' }) })).status,
    ).toBe(403);
    expect(
      (
        await req('/contrats/00000000-0000-4000-8000-000000000000/modifier', {
          cookie: body.admin.cookie,
        })
      ).status,
    ).toBe(404);
    const page = await req(url(), { cookie: body.admin.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`Modifier le contrat ${reference}`);
    expect(html).toContain('value="Délégation de service public du vélo en libre-service"');
    expect(html).toContain(`value="${obligationId}"`);
  });

  it('answers bad input field by field in French or English, and writes nothing', async () => {
    const before = await snapshot(id);
    const fr = await req(url(), {
      cookie: body.admin.cookie,
      form: form({ endsOn: '2026-06-30' }),
    });
    expect(fr.status).toBe(400);
    expect(await fr.text()).toContain('La fin du contrat ne peut pas précéder son début.');
    const en = await req(url(), {
      cookie: body.admin.cookie,
      lang: 'en',
      form: form({ 'obligations[0].frequency': '', title: 'x' }),
    });
    expect(en.status).toBe(400);
    const text = await en.text();
    expect(text).toContain('Give a frequency or due dates.');
    expect(text).toContain('between 3 and 300');
    expect(await snapshot(id)).toEqual(before);
  });

  it('a request from another site is refused (CSRF) and changes nothing', async () => {
    const before = await snapshot(id);
    const r = await req(url(), {
      cookie: body.admin.cookie,
      origin: 'https://evil.example',
      form: form({ title: 'Titre forgé ailleurs' }),
    });
    expect(r.status).toBe(403);
    expect(await snapshot(id)).toEqual(before);
  });

  it('saves a correction and says what happened to the due dates', async () => {
    const r = await req(url(), {
      cookie: body.admin.cookie,
      form: form({
        title: 'Vélo en libre-service (avenant 1)',
        'obligations[0].frequency': 'quarterly',
      }),
    });
    expect(r.status).toBe(302);
    // Monthly (11) → quarterly (3): 2027-04-01, -07-01 and -10-01 are in both; 8 go.
    expect(r.headers.get('location')).toBe(`${url()}?enregistre=0.8.0`);
    const page = await (
      await req(r.headers.get('location')!, { cookie: body.admin.cookie })
    ).text();
    expect(page).toContain('Contrat modifié : 0 échéances ajoutées, 8 supprimées');
    expect(await datesOf(obligationId)).toEqual(['2027-04-01', '2027-07-01', '2027-10-01']);
    const k = await t.db
      .selectFrom('contract')
      .select('title')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(k.title).toBe('Vélo en libre-service (avenant 1)');
  });
});

describe('the API (PUT /api/v1/contracts/{id})', () => {
  const put = (id: string, payload: unknown, cookie: string, lang = 'fr') =>
    fetch(`${server.url}/api/v1/contracts/${id}`, {
      method: 'PUT',
      headers: {
        cookie,
        origin: server.url,
        'content-type': 'application/json',
        'accept-language': lang,
      },
      body: JSON.stringify(payload),
    });

  it('corrects a contract, refuses as problem+json with field errors in the caller’s language, 403 and 404', async () => {
    const r = await recordContract(t.db, admin(body), contractInput(body.id, contractor.id), keyT);
    const before = await snapshot(r.id);
    const bad = await put(
      r.id,
      await current(r.id, (v) => (v.endsOn = '2026-01-01')),
      body.admin.cookie,
      'en',
    );
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await bad.json()) as { errors: Record<string, string[]> };
    expect(problem.errors.endsOn).toEqual(['The contract cannot end before it starts.']);
    const other = await put(r.id, await current(r.id), otherBody.admin.cookie);
    expect(other.status).toBe(403);
    expect(await snapshot(r.id)).toEqual(before);
    const missing = await put(
      '00000000-0000-4000-8000-000000000000',
      await current(r.id),
      body.admin.cookie,
    );
    expect(missing.status).toBe(404);

    const ok = await put(
      r.id,
      await current(r.id, (v) => (obligation(v).frequency = 'quarterly')),
      body.admin.cookie,
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      id: r.id,
      changed: true,
      added: 0,
      removed: 8,
      keptOutsideSchedule: 0,
      links: { edit: `/contrats/${r.id}/modifier` },
    });
  });
});
