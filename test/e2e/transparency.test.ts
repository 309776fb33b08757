// Public contracts in Chromium: a public body's admin records a contract (a field error in
// French first, then a second obligation added with the form's button); a visitor reads the
// transparency page, filters by contractor (the filter lands in the URL), follows the link to
// a dataset delivered on time, and downloads the CSV. Every page is checked with axe-core.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { recordContract } from '../../app/domain/contracts/contracts.server';
import { addDays, parisDate } from '../../app/domain/contracts/schedule';
import { keyT, prepareReferences } from '../contributions/helpers';
import { makeModerator } from '../moderation/helpers';
import { approveAndPublish, contractInput, deliver, makeOrg } from '../contracts/helpers';
import type { TestOrg } from '../contracts/helpers';
import { E2E_SESSION_SECRET, launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
let body: TestOrg;
let bikes: TestOrg;
let datasetSlug: string;
const today = parisDate(new Date());

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp({ WORKER: 'off' }), launchBrowser()]);
  const db = app.database.db;
  const refs: ReferenceLists = await prepareReferences(db);
  body = await makeOrg(db, 'public_body', 'Sytral test', { secret: E2E_SESSION_SECRET });
  bikes = await makeOrg(db, 'business', 'Cyclopolis test', { secret: E2E_SESSION_SECRET });
  await makeOrg(db, 'business', 'Autocars du Rhône test', { secret: E2E_SESSION_SECRET });
  // A contract whose first delivery was made on time and published.
  const k = await recordContract(
    db,
    { id: body.admin.user.id, isAdmin: false },
    contractInput(body.id, bikes.id, {
      reference: 'VLS-2026-E2E',
      title: 'Vélos en libre-service de l’agglomération',
      startsOn: addDays(today, -60),
      endsOn: addDays(today, 300),
      obligations: [
        {
          datasetTitle: 'Stations de vélos',
          dueDates: [addDays(today, 2), addDays(today, 92)],
          expectedFormat: 'CSV',
          licence: 'lo-2.0',
        },
      ],
    }),
    keyT,
  );
  const ob = await db
    .selectFrom('contract_obligation')
    .select('id')
    .where('contract_id', '=', k.id)
    .executeTakeFirstOrThrow();
  const id = await deliver(db, refs, app.uploadsDir, {
    memberId: bikes.admin.user.id,
    organizationId: bikes.id,
    obligationId: ob.id,
    draft: { title: 'Stations de vélos en libre-service' },
  });
  datasetSlug = (await approveAndPublish(db, await makeModerator(db), id, app.uploadsDir)).slug;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('public contracts in a browser', () => {
  it('a public body’s admin records a contract: a French field error first, then two obligations', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await p.context.addCookies([
      { name: body.admin.cookieName, value: body.admin.cookieValue, url: app.url },
    ]);
    await page.goto(`${app.url}/contrats/nouveau`);
    await page
      .getByRole('heading', { level: 1, name: 'Enregistrer un contrat avec clause open data' })
      .waitFor();
    await page
      .getByLabel('Titulaire (organisation)')
      .selectOption({ label: 'Autocars du Rhône test' });
    await page.getByLabel('Référence du marché').fill('TC-2027-E2E');
    await page.getByLabel('Objet du contrat').fill('Lignes de car interurbaines');
    await page.getByLabel('Début').fill('2027-06-01');
    await page.getByLabel('Fin', { exact: true }).fill('2027-01-31');
    await page.getByLabel('Jeu de données à livrer').fill('Horaires des cars');
    await page.getByLabel('Fréquence', { exact: true }).selectOption('quarterly');
    await page.getByLabel('Format ou schéma attendu').fill('GTFS');
    await page.getByRole('button', { name: 'Enregistrer le contrat' }).click();
    await page.getByText('La fin du contrat ne peut pas précéder son début.').waitFor();
    await expect(
      page.getByLabel('Fin', { exact: true }).getAttribute('aria-invalid'),
    ).resolves.toBe('true');
    await p.assertAccessible();

    await page.getByLabel('Fin', { exact: true }).fill('2028-05-31');
    await page.getByRole('button', { name: 'Ajouter un engagement' }).click();
    await page.getByRole('group', { name: 'Engagement 2' }).waitFor();
    const second = page.getByRole('group', { name: 'Engagement 2' });
    await second.getByLabel('Jeu de données à livrer').fill('Fréquentation par ligne');
    await second.getByLabel('Fréquence', { exact: true }).selectOption('');
    await second
      .getByLabel('Dates d’échéance (si pas de fréquence)')
      .fill('2027-12-31, 2028-05-31');
    await second
      .getByLabel('Format ou schéma attendu')
      .fill('CSV, une ligne par ligne et par mois');
    await page.getByRole('button', { name: 'Enregistrer le contrat' }).click();
    await page.waitForURL(
      (u) => u.pathname === '/transparence' && u.searchParams.get('organisme') === body.slug,
    );
    await page.getByRole('heading', { level: 3, name: /Lignes de car interurbaines/ }).waitFor();
    const contract = page.locator('[data-testid="contract"]', { hasText: 'TC-2027-E2E' });
    await expect(contract.textContent()).resolves.toContain('Fréquentation par ligne');
    await expect(contract.locator('tbody tr').count()).resolves.toBe(2);
    await p.assertAccessible();
    await p.close();
  });

  it('a visitor filters the transparency page by contractor, opens the delivered dataset and downloads the CSV', async () => {
    const p = await openPage(browser, { acceptDownloads: true });
    const { page } = p;
    await page.goto(`${app.url}/transparence`);
    await page
      .getByRole('heading', { level: 1, name: 'Transparence des contrats publics' })
      .waitFor();
    const byContractor = page.getByRole('table', { name: 'Respect par titulaire' });
    await expect(
      byContractor.getByRole('row', { name: /Cyclopolis test/ }).textContent(),
    ).resolves.toMatch(/100\s%$/);
    await page.getByLabel('Titulaire').selectOption({ label: 'Cyclopolis test' });
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL((u) => u.searchParams.get('titulaire') === bikes.slug);
    // The URL changes just before the filtered list renders: wait for the list itself.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="contract"]').length === 1);
    const contract = page.locator('[data-testid="contract"]');
    await expect(contract.textContent()).resolves.toContain('livré à temps');
    await expect(contract.textContent()).resolves.toContain('à venir');
    await expect(
      page.getByRole('table', { name: 'Respect par organisme public' }).textContent(),
    ).resolves.toContain('Sytral test');
    await p.assertAccessible();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Télécharger en CSV' }).click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toContain('VLS-2026-E2E');
    expect(csv).toContain(',on_time,');
    expect(csv).not.toContain('TC-2027-E2E');

    await contract.getByRole('link', { name: 'Stations de vélos' }).click();
    await page.waitForURL(`${app.url}/datasets/${datasetSlug}`);
    await page
      .getByRole('heading', { level: 1, name: 'Stations de vélos en libre-service' })
      .waitFor();
    await p.assertAccessible();
    await p.close();
  });
});
