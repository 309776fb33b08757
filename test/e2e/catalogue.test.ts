// The catalogue in Chromium: a visitor searches "eclairage", filters by commune, opens the
// dataset, previews its CSV, sees the coverage map, and downloads the file. The search and
// dataset pages are checked with axe-core.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { prepareReferences } from '../contributions/helpers';
import { csvReport, publishDataset } from '../catalogue/helpers';
import { launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
const CSV = 'id;nom;puissance_w;mise_en_service\n' + Array.from({ length: 60 }, (_, i) => `${i + 1};Candélabre ${i + 1};${70 + i};2023-05-${String((i % 28) + 1).padStart(2, '0')}`).join('\n') + '\n';

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const refs: ReferenceLists = await prepareReferences(app.database.db);
  await publishDataset(app.database.db, refs, app.uploadsDir, {
    draft: {
      title: 'Éclairage public de Villeurbanne',
      description: 'Candélabres et **puissance** des lampes du réseau d’éclairage public de Villeurbanne, relevés en 2025.',
      themes: ['energie'],
      keywords: ['lampadaires'],
      communes: ['69266'],
    },
    files: [{ filename: 'candelabres.csv', content: CSV, report: csvReport(60, ['id', 'nom', 'puissance_w', 'mise_en_service']) }],
  });
  await publishDataset(app.database.db, refs, app.uploadsDir, {
    draft: { title: 'Éclairage des parcs de Lyon', description: 'Luminaires des parcs et jardins de la ville de Lyon.', communes: ['69123'], themes: ['energie'] },
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('catalogue in a browser', () => {
  it('a visitor searches, filters by commune, opens a dataset, previews it and downloads a file', async () => {
    const p = await openPage(browser, { acceptDownloads: true });
    await p.page.goto(`${app.url}/datasets`);
    await p.page.getByLabel('Mots recherchés').fill('eclairage');
    await p.page.getByRole('button', { name: 'Rechercher' }).click();
    await p.page.waitForURL(/q=eclairage/);
    await p.page.getByRole('heading', { level: 2, name: '2 jeux de données' }).waitFor();
    await p.assertAccessible();

    await p.page.getByRole('link', { name: /Villeurbanne\s*\(1\)/ }).click();
    await p.page.waitForURL(/commune=69266/);
    await p.page.getByRole('heading', { level: 2, name: '1 jeu de données' }).waitFor();
    await expect(p.page.locator('.result-list').textContent()).resolves.not.toContain('parcs de Lyon');
    await p.assertAccessible();

    await p.page.getByRole('link', { name: 'Éclairage public de Villeurbanne' }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Éclairage public de Villeurbanne' }).waitFor();
    await expect(p.page.locator('.markdown strong').textContent()).resolves.toBe('puissance');
    // The map draws the commune outline without any tile server.
    await p.page.locator('.catalogue-map[data-ready="true"] svg path').first().waitFor();
    const outline = await p.page.locator('.catalogue-map svg path').first().getAttribute('d');
    expect(outline!.length).toBeGreaterThan(50);

    await p.page.getByRole('link', { name: 'Aperçu de candelabres.csv' }).click();
    const preview = p.page.getByRole('table', { name: /Les 50 premières lignes/ });
    await preview.waitFor();
    await expect(preview.locator('tbody tr').count()).resolves.toBe(50);
    await expect(preview.locator('thead').textContent()).resolves.toContain('entier');
    await p.assertAccessible();

    const [download] = await Promise.all([p.page.waitForEvent('download'), p.page.getByRole('link', { name: 'Télécharger candelabres.csv' }).click()]);
    expect(download.suggestedFilename()).toBe('candelabres.csv');
    expect(await readFile((await download.path())!, 'utf8')).toBe(CSV);
    await p.close();
  });
});
