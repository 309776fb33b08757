// The public map of observations in a real Chromium: a visitor sees clusters with their
// counts (fetched by bounding box, never all points), filters by category and status (the
// filters go into the URL and the counts change), a superseded request is cancelled, at
// street zoom opens a point's detail panel (photo-less, description, commune, status,
// pseudonym) from a shareable URL, and uses the list view with the keyboard only. axe
// checks every page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sql } from 'kysely';
import { generatePublishedObservations } from '../observations-map/generate';
import { launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
let known: string;
const DESCRIPTION = 'Lampadaire éteint devant l’entrée de la mairie';

const statusCount = async (text: Promise<string | null>) => Number((await text)?.replace(/\D/g, '') ?? NaN);

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  await generatePublishedObservations(app.database.db, { count: 3000 });
  // One observation we know, near the Hôtel de Ville of Lyon (one of the generated ones:
  // the demo seed has observations there too, by other authors).
  const r = await sql<{ id: string }>`select o.id from observation o join contribution c on c.id = o.id
    join users u on u.id = c.submitter_id
    where o.listed and u.pseudonym = 'Générateur'
    order by point(o.lon, o.lat) <-> point(4.8357, 45.7676) limit 1`.execute(app.database.db);
  known = r.rows[0]!.id;
  await app.database.db
    .updateTable('observation')
    .set({ description: DESCRIPTION, category: 'eclairage_public', lon: 4.8357, lat: 45.7676, commune_code: '69123', resolved_at: null })
    .where('id', '=', known)
    .execute();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the public map of observations', () => {
  it('a visitor sees clusters with their counts, then filters by category and status', async () => {
    const v = await openPage(browser);
    const { page } = v;
    const firstAnswer = page.waitForResponse((r) => r.url().includes('/api/v1/observations?') && !r.url().includes('view=list'));
    await page.goto(`${app.url}/observations`);
    const answer = (await (await firstAnswer).json()) as { mode: string; total: number; features: unknown[] };
    expect(answer.mode).toBe('clusters');
    expect(answer.features.length).toBeLessThan(answer.total);
    await page.locator('.cluster-marker').first().waitFor();
    const status = page.getByTestId('map-status');
    await expect.poll(() => statusCount(status.textContent())).toBe(answer.total);
    expect(answer.total).toBeGreaterThan(2000);

    const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/observations?') && r.url().includes('category=eclairage_public') && r.url().includes('status=open') && !r.url().includes('view=list'));
    await page.getByRole('checkbox', { name: 'Éclairage public' }).check();
    await page.getByLabel('État').selectOption('open');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    const f = (await (await filtered).json()) as { total: number };
    await page.waitForURL(/category=eclairage_public/);
    expect(page.url()).toContain('status=open');
    expect(page.url()).toMatch(/[?&]z=\d+/);
    await expect.poll(() => statusCount(status.textContent())).toBe(f.total);
    expect(f.total).toBeGreaterThan(0);
    expect(f.total).toBeLessThan(answer.total / 5);
    await v.assertAccessible();
    await v.close();
  }, 120_000);

  it('a request superseded by a new move of the map is cancelled', async () => {
    const v = await openPage(browser);
    const { page } = v;
    await page.goto(`${app.url}/observations?z=12&c=45.76,4.84`);
    await page.locator('.cluster-marker').first().waitFor();
    // Slow answers down, then move twice: the first request is aborted by the page.
    await page.route('**/api/v1/observations?*', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => undefined);
    });
    const failed: string[] = [];
    page.on('requestfailed', (r) => {
      if (r.url().includes('/api/v1/observations?')) failed.push(r.failure()?.errorText ?? '');
    });
    const map = page.getByTestId('public-map');
    await map.getByRole('button', { name: 'Zoomer', exact: true }).click();
    await page.waitForTimeout(400);
    await map.getByRole('button', { name: 'Zoomer', exact: true }).click();
    await expect.poll(() => failed.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(failed.join(' ')).toMatch(/ABORTED|cancel/i);
    await page.unroute('**/api/v1/observations?*');
    await expect.poll(() => page.url()).toMatch(/[?&]z=14/);
    await v.close();
  }, 120_000);

  it('at street zoom a point opens its detail panel, from a URL that can be shared', async () => {
    const v = await openPage(browser);
    const { page } = v;
    await page.goto(`${app.url}/observations?z=18&c=45.7676,4.8357&category=eclairage_public`);
    const marker = page.locator(`.point-marker[data-observation-id="${known}"]`);
    await marker.waitFor();
    await marker.click();
    const panel = page.getByTestId('detail-panel');
    await panel.getByTestId('detail-description').waitFor();
    expect(await panel.getByTestId('detail-description').textContent()).toBe(DESCRIPTION);
    expect(await panel.getByTestId('detail-status').textContent()).toBe('Ouverte');
    await panel.getByText('Signalée par Générateur').waitFor();
    await panel.getByText('0 confirmation').waitFor();
    await expect.poll(() => page.url()).toContain(`obs=${known}`);
    await v.assertAccessible();

    // The same URL in another browser: same view, same filters, same panel.
    const other = await openPage(browser);
    await other.page.goto(page.url());
    await other.page.getByTestId('detail-panel').getByTestId('detail-description').waitFor();
    expect(await other.page.getByRole('checkbox', { name: 'Éclairage public' }).isChecked()).toBe(true);
    await other.page.locator(`.point-marker[data-observation-id="${known}"]`).waitFor();
    await other.close();
    await v.close();
  }, 120_000);

  it('the list view, with the keyboard only', async () => {
    const v = await openPage(browser);
    const { page } = v;
    await page.goto(`${app.url}/observations?z=16&c=45.7676,4.8357&category=eclairage_public`);
    await page.getByRole('link', { name: 'Liste' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/vue=liste/);
    await expect.poll(() => page.getByTestId('public-map').isVisible()).toBe(false);
    const item = page.locator(`li[data-observation-id="${known}"]`);
    await item.waitFor();
    await item.getByRole('button', { name: /Détail/ }).focus();
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('detail-panel');
    await panel.getByTestId('detail-description').waitFor();
    // The panel's heading takes the focus, so a screen reader announces it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    await page.getByRole('button', { name: 'Fermer' }).press('Enter');
    expect(await panel.count()).toBe(0);
    await v.assertAccessible();
    await v.close();
  }, 120_000);

  it('without JavaScript, the newest observations of the view are listed', async () => {
    const v = await openPage(browser, { javaScriptEnabled: false });
    await v.page.goto(`${app.url}/observations?z=16&c=45.7676,4.8357&category=eclairage_public`);
    await v.page.locator(`li[data-observation-id="${known}"]`).waitFor();
    await v.close();
  }, 60_000);
});
