// Sampled facet counts in Chromium (docs/decisions/014): over a catalogue large enough for a
// broad word to pass the exact-count limit (2 500 datasets generated in SQL, a few seconds),
// the search page says its figures are estimates ("Environ …", "≈" before each count, the
// note), while a narrower word on the same catalogue is counted exactly, without "≈".
// Deterministic: the planner's estimate comes from statistics taken here (ANALYZE), and the
// sample is TABLESAMPLE … REPEATABLE with a seed taken from the query.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { generateCatalogue } from '../bench/catalogue-seed';
import { launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  // Every generated description ends with "Territoire : <commune>": the word matches all
  // 2 500 (above the 2 000 limit of exact counts); "donnees" (in a quarter of the
  // sentences) matches about 1 300 of them, below it.
  await generateCatalogue(app.database.db, 2500);
  await sql`analyze dataset_search`.execute(app.database.db);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('catalogue search with many matches', () => {
  it('marks sampled counts with ≈ and says they are estimates; exact counts stay plain', async () => {
    const p = await openPage(browser);
    await p.page.goto(`${app.url}/datasets`);
    await p.page.getByLabel('Mots recherchés').fill('territoire');
    await p.page.getByRole('button', { name: 'Rechercher' }).click();
    await p.page.waitForURL(/q=territoire/);
    const heading = p.page.getByRole('heading', {
      level: 2,
      name: /^Environ [\d\s  ]+ jeux de données$/,
    });
    await heading.waitFor();
    await p.page.getByText('les nombres sont estimés sur un échantillon').waitFor();
    // Every facet count is an estimate, with its explanation for assistive technology.
    const counts = p.page.locator('.count');
    expect(await counts.count()).toBeGreaterThan(5);
    for (const text of await counts.allTextContents()) expect(text).toMatch(/^\(≈ [\d\s  ]+\)$/);
    const abbr = p.page.locator('.count abbr').first();
    expect(await abbr.getAttribute('title')).toBe('environ (estimé sur un échantillon)');
    // The results themselves are not sampled: a full first page.
    expect(await p.page.locator('.result-list > li').count()).toBe(20);
    await p.assertAccessible();

    // Same catalogue, fewer matches: exact figures, no "≈", no note.
    await p.page.getByLabel('Mots recherchés').fill('donnees');
    await p.page.getByRole('button', { name: 'Rechercher' }).click();
    await p.page.waitForURL(/q=donnees/);
    await p.page.getByRole('heading', { level: 2, name: /^[\d\s  ]+ jeux de données$/ }).waitFor();
    const exact = await p.page.locator('.count').allTextContents();
    expect(exact.length).toBeGreaterThan(5);
    for (const text of exact) expect(text).toMatch(/^\([\d\s  ]+\)$/);
    expect(await p.page.getByText('les nombres sont estimés sur un échantillon').count()).toBe(0);
    await p.close();
  });
});
