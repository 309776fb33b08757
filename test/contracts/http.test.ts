// Contracts on the real HTTP server: the contract form (field errors in French, nothing
// written), the contractor's dashboard and its link form, the public transparency page,
// its CSV and JSON, and the delivery API's refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transparencySchema } from '../../app/domain/contracts/transparency.server';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { prepareReferences } from '../contributions/helpers';
import { submitted } from '../moderation/helpers';
import { addMember, makeOrg } from './helpers';
import type { TestOrg } from './helpers';

let t: TestDatabase;
let server: TestServer;
let body: TestOrg;
let contractor: TestOrg;
let other: TestOrg;
let refs: ReferenceLists;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-contracts-http-'));

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool });
  body = await makeOrg(t.db, 'public_body', 'Métropole de test');
  contractor = await makeOrg(t.db, 'business', 'Transports Test SA');
  other = await makeOrg(t.db, 'association', 'Association voisine');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

function req(
  path: string,
  init: {
    cookie?: string;
    method?: string;
    form?: Record<string, string>;
    json?: unknown;
    accept?: string;
  } = {},
) {
  const headers: Record<string, string> = { origin: server.url, 'accept-language': 'fr' };
  if (init.cookie) headers.cookie = init.cookie;
  if (init.accept) headers.accept = init.accept;
  let payload: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(init.form).toString();
  } else if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(init.json);
  }
  return fetch(`${server.url}${path}`, {
    method: init.method ?? (payload ? 'POST' : 'GET'),
    headers,
    body: payload,
    redirect: 'manual',
  });
}

const contractForm = (overrides: Record<string, string> = {}) => ({
  publicBodyId: body.id,
  contractorId: contractor.id,
  reference: 'DSP-TC-2027-01',
  title: 'Délégation de service public des transports en commun',
  startsOn: '2027-01-01',
  endsOn: '2028-12-31',
  noticeUrl: 'https://www.boamp.fr/avis/detail/27-54321',
  'obligations[0].datasetTitle': 'Horaires théoriques GTFS',
  'obligations[0].frequency': 'quarterly',
  'obligations[0].expectedFormat': 'GTFS (zip), conforme à la spécification de référence',
  'obligations[0].licence': 'lo-2.0',
  ...overrides,
});
const count = async () =>
  Number(
    (await sql<{ n: number }>`select count(*)::int as n from contract`.execute(t.db)).rows[0]!.n,
  );

describe('the contract form', () => {
  it('sends an anonymous visitor to sign in, and refuses someone who administers no public body', async () => {
    const anon = await req('/contrats/nouveau');
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toContain('/connexion');
    const r = await req('/contrats/nouveau', { cookie: contractor.admin.cookie });
    expect(r.status).toBe(403);
  });

  it('answers bad input field by field, in French, and writes nothing', async () => {
    const before = await count();
    const ends = await req('/contrats/nouveau', {
      cookie: body.admin.cookie,
      form: contractForm({ endsOn: '2026-12-31' }),
    });
    expect(ends.status).toBe(400);
    expect(await ends.text()).toContain('La fin du contrat ne peut pas précéder son début.');
    const schedule = await req('/contrats/nouveau', {
      cookie: body.admin.cookie,
      form: contractForm({ 'obligations[0].frequency': '' }),
    });
    expect(schedule.status).toBe(400);
    expect(await schedule.text()).toContain('Indiquez une fréquence ou des dates d’échéance.');
    const person = await req('/contrats/nouveau', {
      cookie: body.admin.cookie,
      form: contractForm({ contractorId: contractor.admin.user.id }),
    });
    expect(person.status).toBe(400);
    expect(await person.text()).toContain(
      'Le titulaire doit être une organisation inscrite sur terridata.',
    );
    expect(await count()).toBe(before);
  });

  it('records a valid contract and shows it on the transparency page', async () => {
    const page = await req('/contrats/nouveau', { cookie: body.admin.cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Enregistrer un contrat avec clause open data');
    const r = await req('/contrats/nouveau', { cookie: body.admin.cookie, form: contractForm() });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(`/transparence?organisme=${body.slug}`);
    const k = await t.db
      .selectFrom('contract')
      .select('id')
      .where('reference', '=', 'DSP-TC-2027-01')
      .executeTakeFirstOrThrow();
    const n = await t.db
      .selectFrom('obligation_occurrence as o')
      .innerJoin('contract_obligation as ob', 'ob.id', 'o.obligation_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ob.contract_id', '=', k.id)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(7); // quarterly over two years: 1 April 2027 … 1 October 2028
    const html = await (await req(`/transparence?organisme=${body.slug}`)).text();
    expect(html).toContain('Délégation de service public des transports en commun');
    expect(html).toContain('Horaires théoriques GTFS');
    expect(html).toContain('Transports Test SA');
  });
});

describe('transparency exports and the JSON API', () => {
  it('CSV and JSON carry the same report; the OpenAPI document describes it', async () => {
    const csv = await req(`/transparence.csv?titulaire=${contractor.slug}`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(1 + 7);
    expect(lines[1]).toContain('DSP-TC-2027-01');
    const j = await req(`/api/v1/contracts?titulaire=${contractor.slug}`);
    expect(j.status).toBe(200);
    const report = transparencySchema.parse(await j.json());
    expect(report.contracts.map((k) => k.reference)).toEqual(['DSP-TC-2027-01']);
    expect(report.contractors[0]!.compliance.upcoming).toBe(7);
    const none = transparencySchema.parse(
      await (await req('/api/v1/contracts?titulaire=personne')).json(),
    );
    expect(none.contracts).toEqual([]);
    const doc = (await (await req('/api/v1/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/contracts',
        '/contracts/obligations/{id}',
        '/contracts/obligations/{id}/deliveries',
      ]),
    );
  });

  it('POST /api/v1/contracts refuses bad input with field errors (problem+json) and writes nothing', async () => {
    const before = await count();
    const r = await req('/api/v1/contracts', {
      cookie: body.admin.cookie,
      accept: 'application/json',
      json: {
        publicBodyId: body.id,
        contractorId: contractor.id,
        reference: 'X-1',
        title: 'Contrat sans échéancier',
        startsOn: '2027-05-01',
        endsOn: '2027-04-01',
        obligations: [{ datasetTitle: 'Données', expectedFormat: 'CSV', licence: 'lo-2.0' }],
      },
    });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    const p = (await r.json()) as { errors: Record<string, string[]> };
    expect(p.errors.endsOn).toEqual(['La fin du contrat ne peut pas précéder son début.']);
    expect(p.errors['obligations[0].frequency']).toEqual([
      'Indiquez une fréquence ou des dates d’échéance.',
    ]);
    expect(await count()).toBe(before);
  });
});

describe('the contractor’s dashboard and deliveries', () => {
  it('members see what is due; others get 403', async () => {
    const r = await req(`/organisations/${contractor.slug}/obligations`, {
      cookie: contractor.admin.cookie,
    });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('Horaires théoriques GTFS');
    expect(html).toContain('à venir');
    expect(
      (await req(`/organisations/${contractor.slug}/obligations`, { cookie: other.admin.cookie }))
        .status,
    ).toBe(403);
  });

  it('linking a contribution to another organisation’s obligation is refused (page and API)', async () => {
    const ob = await t.db
      .selectFrom('contract_obligation')
      .select('id')
      .where('dataset_title', '=', 'Horaires théoriques GTFS')
      .executeTakeFirstOrThrow();
    const stranger = await addMember(t.db, other, 'member');
    const theirs = await submitted(t.db, refs, uploadsDir, {
      submitterId: stranger.user.id,
      draft: { organizationId: other.id },
    });
    const contributionId = theirs.id;
    const api = await req(`/api/v1/contracts/obligations/${ob.id}/deliveries`, {
      cookie: stranger.cookie,
      accept: 'application/json',
      json: { contributionId },
    });
    expect(api.status).toBe(403);
    const p = (await api.json()) as { code: string; detail: string };
    expect(p.code).toBe('foreign_obligation');
    expect(p.detail).toBe(
      'Cet engagement concerne une autre organisation : vous ne pouvez pas y rattacher de livraison.',
    );
    expect(await t.db.selectFrom('obligation_delivery').selectAll().execute()).toEqual([]);
    const anon = await req(`/api/v1/contracts/obligations/${ob.id}/deliveries`, {
      json: { contributionId },
    });
    expect(anon.status).toBe(401);
  });

  it('a member links its draft on the dashboard, and the page says so', async () => {
    const member = await createUserWithSession(t.db);
    await t.db
      .insertInto('membership')
      .values({ organization_id: contractor.id, user_id: member.user.id, role: 'member' })
      .execute();
    const draft = await req('/api/v1/contributions', {
      cookie: member.cookie,
      accept: 'application/json',
      json: { kind: 'new_dataset' },
    });
    const { id } = (await draft.json()) as { id: string };
    const ob = await t.db
      .selectFrom('contract_obligation')
      .select('id')
      .where('dataset_title', '=', 'Horaires théoriques GTFS')
      .executeTakeFirstOrThrow();
    const r = await req(`/organisations/${contractor.slug}/obligations`, {
      cookie: member.cookie,
      form: { obligationId: ob.id, dueOn: '2027-04-01', contributionId: id },
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('Contribution rattachée à l’échéance du 1 avril 2027.');
    const link = await t.db
      .selectFrom('obligation_delivery')
      .select('occurrence_id')
      .where('contribution_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(link.occurrence_id).toBeTruthy();
    const detail = (await (await req(`/api/v1/contracts/obligations/${ob.id}`)).json()) as {
      occurrences: { dueOn: string; status: string }[];
    };
    expect(detail.occurrences[0]).toMatchObject({ dueOn: '2027-04-01', status: 'upcoming' });
  });
});
