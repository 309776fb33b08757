// The contracts list for public bodies' admins (/contrats), on the real HTTP server: who
// sees it and which contracts, the filters in the URL (period, contractor, overdue), the
// links to each contract and its edit page, and paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordContract } from '../../app/domain/contracts/contracts.server';
import { addDays, parisDate } from '../../app/domain/contracts/schedule';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { keyT, prepareReferences } from '../contributions/helpers';
import { contractInput, makeOrg } from './helpers';
import type { TestOrg } from './helpers';

let t: TestDatabase;
let server: TestServer;
let body: TestOrg;
let otherBody: TestOrg;
let busy: TestOrg;
let tidy: TestOrg;
let platform: SignedInTestUser;
const today = parisDate(new Date());
const ids: Record<string, string> = {};

const record = async (
  pb: TestOrg,
  contractor: TestOrg,
  reference: string,
  over: Record<string, unknown>,
) => {
  const r = await recordContract(
    t.db,
    { id: pb.admin.user.id, isAdmin: false },
    contractInput(pb.id, contractor.id, { reference, ...over }),
    keyT,
  );
  ids[reference] = r.id;
};
const once = (due: string) => [
  { datasetTitle: 'Données du service', dueDates: [due], expectedFormat: 'CSV', licence: 'lo-2.0' },
];

beforeAll(async () => {
  t = await createTestDatabase();
  await prepareReferences(t.db); // the licences
  server = await startTestServer({ db: t.db, pool: t.pool });
  body = await makeOrg(t.db, 'public_body', 'Métropole liste');
  otherBody = await makeOrg(t.db, 'public_body', 'Commune liste');
  busy = await makeOrg(t.db, 'business', 'Retardataire SA');
  tidy = await makeOrg(t.db, 'association', 'Ponctuelle asso');
  platform = await createUserWithSession(t.db, { isAdmin: true });
  // Running with a missed due date; running without; ended; not started; another body's.
  await record(body, busy, 'EN-RETARD', {
    startsOn: addDays(today, -40),
    endsOn: addDays(today, 40),
    obligations: once(addDays(today, -3)),
  });
  await record(body, tidy, 'A-JOUR', {
    startsOn: addDays(today, -40),
    endsOn: addDays(today, 40),
    obligations: once(addDays(today, 10)),
  });
  await record(body, tidy, 'FINI', {
    startsOn: addDays(today, -400),
    endsOn: addDays(today, -100),
    obligations: once(addDays(today, -200)),
  });
  await record(body, busy, 'FUTUR', {
    startsOn: addDays(today, 30),
    endsOn: addDays(today, 300),
    obligations: once(addDays(today, 100)),
  });
  await record(otherBody, busy, 'AUTRE-ORGANISME', {
    startsOn: addDays(today, -40),
    endsOn: addDays(today, 40),
    obligations: once(addDays(today, -5)),
  });
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const get = (url: string, cookie?: string) =>
  fetch(`${server.url}${url}`, {
    headers: { 'accept-language': 'fr', ...(cookie ? { cookie } : {}) },
    redirect: 'manual',
  });
/** The references listed, in order. */
const listed = (html: string) =>
  [...html.matchAll(/<tr data-testid="contract-row"><th scope="row">([^<]+)<\/th>/g)].map(
    (m) => m[1],
  );

describe('the contracts list', () => {
  it('is for public bodies’ admins: sign-in first, 403 for a contractor', async () => {
    const anon = await get('/contrats');
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toContain('/connexion');
    expect((await get('/contrats', busy.admin.cookie)).status).toBe(403);
  });

  it('shows a body’s admin its own contracts only, with links to each and to its edit page', async () => {
    const r = await get('/contrats', body.admin.cookie);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(listed(html).sort()).toEqual(['A-JOUR', 'EN-RETARD', 'FINI', 'FUTUR']);
    expect(html).toContain(`href="/contrats/${ids['EN-RETARD']}/modifier"`);
    expect(html).toContain(`href="/transparence?organisme=${body.slug}#k-${ids['EN-RETARD']}"`);
    expect(html).toContain('aria-label="Modifier « EN-RETARD »"');
    const all = await (await get('/contrats', platform.cookie)).text();
    expect(listed(all)).toContain('AUTRE-ORGANISME');
    expect(listed(all)).toHaveLength(5);
  });

  it('filters by overdue due dates, period and contractor, from the URL', async () => {
    const page = async (q: string) =>
      listed(await (await get(`/contrats?${q}`, body.admin.cookie)).text());
    // The ended contract's due date was never delivered: still missing, so overdue.
    expect((await page('retard=1')).sort()).toEqual(['EN-RETARD', 'FINI']);
    expect((await page('statut=en-cours')).sort()).toEqual(['A-JOUR', 'EN-RETARD']);
    expect(await page('statut=termine')).toEqual(['FINI']);
    expect(await page('statut=a-venir')).toEqual(['FUTUR']);
    expect((await page(`titulaire=${busy.slug}`)).sort()).toEqual(['EN-RETARD', 'FUTUR']);
    expect(await page(`titulaire=${tidy.slug}&retard=1`)).toEqual(['FINI']);
    expect(await page(`titulaire=${tidy.slug}&retard=1&statut=en-cours`)).toEqual([]);
    // Filters of the form are kept in the form; a bad value is ignored, not an error.
    const html = await (
      await get('/contrats?statut=n-importe-quoi&retard=1', body.admin.cookie)
    ).text();
    expect(listed(html).sort()).toEqual(['EN-RETARD', 'FINI']);
    expect(html).toMatch(/<input type="checkbox" name="retard" checked="" value="1"\/>/);
    // Another body's contracts cannot be reached through the filters either.
    expect(await page(`organisme=${otherBody.slug}`)).toEqual([]);
  });

  it('pages 25 at a time, keeping the filters in the page links', async () => {
    const many = await makeOrg(t.db, 'public_body', 'Organisme aux nombreux contrats');
    for (let i = 0; i < 27; i++)
      await record(many, tidy, `LOT-${String(i).padStart(2, '0')}`, {
        obligations: once('2027-06-01'),
      });
    const first = await (await get(`/contrats?titulaire=${tidy.slug}`, many.admin.cookie)).text();
    expect(listed(first)).toHaveLength(25);
    expect(first).toContain('Contrats 1 à 25 sur 27');
    expect(first).toContain(`href="/contrats?titulaire=${tidy.slug}&amp;page=2"`);
    const second = await (
      await get(`/contrats?titulaire=${tidy.slug}&page=2`, many.admin.cookie)
    ).text();
    expect(listed(second)).toHaveLength(2);
    expect(second).toContain('Contrats 26 à 27 sur 27');
    expect(new Set([...listed(first), ...listed(second)]).size).toBe(27);
  });
});
