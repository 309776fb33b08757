// A partner contributes a dataset through the wizard: one metadata error then fixed, a
// Windows-1252 CSV and a GeoJSON uploaded with Uppy, both reports seen, submitted, and
// found in "my contributions".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
const dir = mkdtempSync(path.join(os.tmpdir(), 'td-e2e-contribute-'));
const csvPath = path.join(dir, 'equipements-sportifs.csv');
const geojsonPath = path.join(dir, 'arceaux-velo.geojson');

beforeAll(async () => {
  // Accented headers, ; separator and decimal commas, encoded in Windows-1252.
  const csv = 'Nom de l’équipement;Commune;Surface (m²);Ouvert\r\n' + Array.from({ length: 40 }, (_, i) => `Gymnase Étienne ${i};Villeurbanne;${100 + i},5;oui`).join('\r\n') + '\r\n';
  writeFileSync(csvPath, Buffer.from(csv.replace('’', "'"), 'latin1'));
  writeFileSync(
    geojsonPath,
    JSON.stringify({
      type: 'FeatureCollection',
      features: Array.from({ length: 5 }, (_, i) => ({
        type: 'Feature',
        properties: { id: i, capacite: 6 },
        geometry: { type: 'Point', coordinates: [4.88 + i / 1000, 45.766] },
      })),
    }),
  );
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${app.url}/connexion`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/connexion'));
}

describe('contributing a dataset', () => {
  it('goes from an empty draft to a submitted contribution with two verified files', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await signIn(page, 'partenaire@demo.terridata.fr', 'partenaire-demo-2026');
    await page.goto(`${app.url}/contribuer`);
    await page.getByRole('button', { name: 'Commencer' }).click();
    await page.waitForURL(/\/contribuer\/[0-9a-f-]{36}\?etape=description/);

    await page.getByLabel('Titre', { exact: true }).fill('Équ'); // too short
    await page.getByLabel('Description', { exact: true }).fill('Les équipements sportifs municipaux de Villeurbanne, avec leur surface.');
    await page.getByLabel('Culture, sport et loisirs').check();
    await page.getByLabel('Mots-clés').fill('sport, gymnase');
    await page.getByLabel('Communes couvertes').selectOption(['69266']);
    await page.getByLabel('Licence', { exact: true }).selectOption('lo-2.0');
    await page.getByLabel('Fréquence de mise à jour').selectOption('annual');
    await page.getByLabel('Non', { exact: true }).check();
    await page.getByLabel(/Je déclare détenir les droits/).check();
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.getByText('Le titre doit compter entre 5 et 200 caractères.').first().waitFor();
    expect(await page.getByLabel('Titre', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Titre', { exact: true }).fill('Équipements sportifs de Villeurbanne');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL(/etape=fichiers/);

    await page.locator('.uppy-Dashboard-input').first().setInputFiles([csvPath, geojsonPath]);
    const reports = page.locator('article.file-report');
    await page.waitForFunction(
      () => document.querySelectorAll('article.file-report[data-file-status="verified"]').length === 2,
      undefined,
      { timeout: 60_000 },
    );
    expect(await reports.count()).toBe(2);
    const csvReport = reports.filter({ hasText: 'equipements-sportifs.csv' });
    await csvReport.getByText('windows-1252').first().waitFor();
    await csvReport.getByText('Lignes').first().waitFor();
    const geoReport = reports.filter({ hasText: 'arceaux-velo.geojson' });
    await geoReport.getByText('Objets géographiques').first().waitFor();
    await p.assertAccessible();

    await page.getByRole('link', { name: '3. Vérification et envoi' }).first().click();
    await page.waitForURL(/etape=verification/);
    await page.getByRole('button', { name: 'Soumettre la contribution' }).click();
    await page.waitForURL(/\/compte\/contributions\/[0-9a-f-]{36}\?soumise=1/);
    await page.getByTestId('state').waitFor();
    expect(await page.getByTestId('state').textContent()).toBe('Soumise');

    await page.goto(`${app.url}/compte/contributions`);
    const row = page.locator('tr', { hasText: 'Équipements sportifs de Villeurbanne' });
    await row.getByText('Soumise').first().waitFor();
    await p.assertAccessible();
    await p.close();
  });
});
