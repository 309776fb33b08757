// Correcting a contract in Chromium: a public body's admin opens the contracts list,
// filters it to contracts with overdue due dates (the filter lands in the URL), reaches the
// edit page from the keyboard, meets a field error in French, then saves a new schedule and
// reads what happened to the due dates. Every page is checked with axe-core.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { recordContract } from '../../app/domain/contracts/contracts.server';
import { addDays, parisDate } from '../../app/domain/contracts/schedule';
import { keyT, prepareReferences } from '../contributions/helpers';
import { contractInput, makeOrg } from '../contracts/helpers';
import type { TestOrg } from '../contracts/helpers';
import { E2E_SESSION_SECRET, launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
let body: TestOrg;
let contractId: string;
const today = parisDate(new Date());

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp({ WORKER: 'off' }), launchBrowser()]);
  const db = app.database.db;
  await prepareReferences(db);
  body = await makeOrg(db, 'public_body', 'Syndicat des eaux test', { secret: E2E_SESSION_SECRET });
  const water = await makeOrg(db, 'business', 'Eaux du Rhône test', {
    secret: E2E_SESSION_SECRET,
  });
  const record = (reference: string, dueDates: string[]) =>
    recordContract(
      db,
      { id: body.admin.user.id, isAdmin: false },
      contractInput(body.id, water.id, {
        reference,
        title: `Gestion de l’eau potable ${reference}`,
        startsOn: addDays(today, -60),
        endsOn: addDays(today, 300),
        obligations: [
          { datasetTitle: 'Qualité de l’eau', dueDates, expectedFormat: 'CSV', licence: 'lo-2.0' },
        ],
      }),
      keyT,
    );
  contractId = (await record('EAU-RETARD', [addDays(today, -5), addDays(today, 30)])).id;
  await record('EAU-A-JOUR', [addDays(today, 30)]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('correcting a contract in a browser', () => {
  it('from the filtered list to the edit form: a French field error, then a new schedule saved', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await p.context.addCookies([
      { name: body.admin.cookieName, value: body.admin.cookieValue, url: app.url },
    ]);
    await page.goto(`${app.url}/contrats`);
    await page.getByRole('heading', { level: 1, name: 'Contrats' }).waitFor();
    await page.getByLabel('Seulement les contrats avec des échéances en retard').check();
    await page.getByRole('button', { name: 'Filtrer', exact: true }).click();
    await page.waitForURL(
      (u) => u.pathname === '/contrats' && u.searchParams.get('retard') === '1',
    );
    await page.getByText('Contrats 1 à 1 sur 1').waitFor();
    await expect(page.locator('[data-testid="contract-row"]').count()).resolves.toBe(1);
    await p.assertAccessible();

    // From the keyboard: focus the edit link and press Enter.
    await page.getByRole('link', { name: 'Modifier « EAU-RETARD »' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/contrats/${contractId}/modifier`);
    await page.getByRole('heading', { level: 1, name: 'Modifier le contrat EAU-RETARD' }).waitFor();
    await expect(page.getByLabel('Objet du contrat').inputValue()).resolves.toBe(
      'Gestion de l’eau potable EAU-RETARD',
    );
    await p.assertAccessible();

    await page.getByLabel('Objet du contrat').fill('x');
    await page.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    await page.getByText('Ce texte doit compter entre 3 et 300 caractères.').waitFor();
    await expect(page.getByLabel('Objet du contrat').getAttribute('aria-invalid')).resolves.toBe(
      'true',
    );
    await p.assertAccessible();

    await page.getByLabel('Objet du contrat').fill('Gestion de l’eau potable (avenant 1)');
    const first = page.getByRole('group', { name: 'Engagement 1' });
    await first.getByLabel('Dates d’échéance (si pas de fréquence)').fill(addDays(today, 45));
    await page.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    // The overdue date and the one in 30 days had nothing delivered: both go; one is added.
    await page.getByText('Contrat modifié : 1 échéances ajoutées, 2 supprimées').waitFor();
    await expect(page.getByLabel('Objet du contrat').inputValue()).resolves.toBe(
      'Gestion de l’eau potable (avenant 1)',
    );
    await p.assertAccessible();

    await page.goto(`${app.url}/contrats?retard=1`);
    await page.getByText('Aucun contrat pour ces critères.').waitFor();
    await p.close();
  });
});
