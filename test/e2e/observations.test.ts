// A citizen places an observation with a photo on the map (typed coordinates, their
// position, a click, then a drag of the marker), two other citizens confirm it ("je l'ai
// vu aussi", one of them on a phone), it becomes "confirmed" and is listed first to the
// moderator, who approves it on the review screen (seeing its photo and confirmations); it
// appears as published to visitors, with a photo whose metadata is gone, and the moderator
// marks it resolved from /moderation/observations. axe checks every page.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { appendLedgerEntry } from '../../app/domain/reputation/ledger.server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { E2E_SESSION_SECRET, launchBrowser, openPage, startApp } from './support/app';
import type { CheckedPage, E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
const dir = mkdtempSync(path.join(os.tmpdir(), 'td-e2e-observations-'));
const photoPath = path.join(dir, 'nid-de-poule.jpg');
const SERIAL = 'SN-E2E-424242';

/** A citizen in good standing: an account of 30 days with a few points. */
async function goodCitizen(pseudonym: string): Promise<SignedInTestUser> {
  const u = await createUserWithSession(app.database.db, { pseudonym, secret: E2E_SESSION_SECRET });
  await app.database.db.updateTable('users').set({ created_at: sql<Date>`now() - interval '30 days'` }).where('id', '=', u.user.id).execute();
  await app.database.db.transaction().execute((trx) =>
    appendLedgerEntry(trx, { subject: { type: 'user', id: u.user.id }, reason: 'observation_published', ref: { type: 'contribution', id: `e2e-${u.user.id.slice(0, 8)}` } }),
  );
  return u;
}

async function as(u: SignedInTestUser, options = {}): Promise<CheckedPage> {
  const p = await openPage(browser, options);
  await p.context.addCookies([{ name: u.cookieName, value: u.cookieValue, url: app.url }]);
  return p;
}

const inputValue = (page: Page, label: string) => page.getByLabel(label, { exact: true }).inputValue();

beforeAll(async () => {
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#7f8c8d' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestCam', Model: 'Phone 12' },
      IFD2: { BodySerialNumber: SERIAL },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '45/1 45/1 3/1', GPSLongitudeRef: 'E', GPSLongitude: '4/1 50/1 8/1' },
    })
    .toFile(photoPath);
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('citizen observations', () => {
  let author!: SignedInTestUser;
  let id = '';
  let commune = '';
  let mp: CheckedPage;

  it('the author places the point on the map (typed, their position, click, drag), adds a photo and sends it', async () => {
    const db = app.database.db;
    author = await createUserWithSession(db, { pseudonym: 'Inès de la Croix-Rousse', secret: E2E_SESSION_SECRET });
    const a = await as(author, { geolocation: { latitude: 45.7676, longitude: 4.8357 }, permissions: ['geolocation'] });
    const { page } = a;
    await page.goto(`${app.url}/observations/nouvelle`);
    const map = page.getByTestId('observation-map');
    await page.locator('[data-testid="observation-map"][data-ready="true"]').waitFor();
    // Typed coordinates place the marker; "use my position" takes the device's position.
    await page.getByLabel('Longitude', { exact: true }).fill('4.8799');
    await page.getByLabel('Latitude', { exact: true }).fill('45.7665');
    await page.getByTestId('commune-hint').getByText('Commune : Villeurbanne').waitFor();
    await page.locator('.observation-marker').waitFor();
    await page.getByRole('button', { name: 'Utiliser ma position' }).click();
    await page.getByTestId('commune-hint').getByText('Commune : Lyon').waitFor();
    expect([await inputValue(page, 'Longitude'), await inputValue(page, 'Latitude')]).toEqual(['4.8357', '45.7676']);
    // A click on the map moves the point there.
    const box = (await map.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => inputValue(page, 'Longitude')).not.toBe('4.8357');
    const clicked = [await inputValue(page, 'Longitude'), await inputValue(page, 'Latitude')];
    expect(clicked.every((v) => /^\d+\.\d+$/.test(v))).toBe(true);
    await page.getByTestId('commune-hint').getByText(/^Commune : /).waitFor();

    // Drag the marker a little to the east: the coordinates follow.
    const marker = (await page.locator('.observation-marker').boundingBox())!;
    await page.mouse.move(marker.x + marker.width / 2, marker.y + marker.height / 2);
    await page.mouse.down();
    await page.mouse.move(marker.x + marker.width / 2 + 25, marker.y + marker.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => inputValue(page, 'Longitude')).not.toBe(clicked[0]);
    expect(Number(await inputValue(page, 'Longitude'))).toBeGreaterThan(Number(clicked[0]));
    commune = (await page.getByTestId('commune-hint').textContent())!.replace('Commune : ', '');
    expect(commune).not.toBe('');

    const draggedLon = Number(await inputValue(page, 'Longitude'));
    await page.getByLabel('Catégorie').selectOption({ label: 'Voirie' });
    await page.getByLabel('Description').fill('Nid-de-poule profond sur la piste cyclable, dangereux la nuit.');
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(photoPath);
    await page.getByTestId('photo-ready').waitFor({ timeout: 60_000 });
    await a.assertAccessible();
    await page.getByRole('button', { name: 'Envoyer l’observation' }).click();
    await page.waitForURL(/\/observations\/[0-9a-f-]{36}\?envoyee=1/);
    id = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByText('Merci ! Votre observation a été envoyée aux modérateurs.').waitFor();
    expect(await page.getByTestId('grade').textContent()).toBe('À confirmer');
    const stored = await db.selectFrom('observation').select(['lon']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.lon).toBeCloseTo(draggedLon, 6);
    // The worker re-encodes the photo in the background; the author's page then shows it.
    await expect
      .poll(async () => (await db.selectFrom('observation').select('photo_state').where('id', '=', id).executeTakeFirstOrThrow()).photo_state, { timeout: 30_000 })
      .toBe('ready');
    await page.reload();
    await page.getByTestId('photo').waitFor();
    await a.assertAccessible();
    await a.close();
  }, 150_000);

  it('two other citizens confirm it, one of them on a phone: it becomes confirmed', async () => {
    // 2. Two other citizens confirm it, one of them on a phone.
    const c1 = await goodCitizen('Malo des Pentes');
    const c2 = await goodCitizen('Yasmina de Gerland');
    const p1 = await as(c1);
    await p1.page.goto(`${app.url}/observations`);
    // In the list of those waiting for confirmation (the demo's published ones are listed above it).
    await p1.page.locator('section[aria-labelledby="awaiting-title"]').getByRole('link', { name: new RegExp(`Voirie — ${commune}`) }).first().click();
    await p1.page.waitForURL(new RegExp(`/observations/${id}$`));
    await p1.page.getByRole('button', { name: 'Je l’ai vu aussi' }).click();
    await p1.page.getByText('Merci, votre confirmation est enregistrée.').waitFor();
    expect(await p1.page.getByTestId('confirmations').textContent()).toBe('1 confirmation');
    await p1.assertAccessible();
    await p1.close();

    const p2 = await as(c2, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await p2.page.goto(`${app.url}/observations/${id}`);
    await p2.page.getByTestId('photo').waitFor();
    await p2.page.getByRole('button', { name: 'Je l’ai vu aussi' }).tap();
    await p2.page.getByText('Merci, votre confirmation est enregistrée.').waitFor();
    expect(await p2.page.getByTestId('grade').textContent()).toBe('Confirmée');
    await p2.assertAccessible();
    await p2.close();
  }, 150_000);

  it('the moderator finds it first in the queue, sees its photo and approves it', async () => {
    // 3. The moderator finds it first in the queue (confirmed), sees its photo and approves it.
    mp = await openPage(browser);
    await mp.page.goto(`${app.url}/connexion`);
    await mp.page.getByLabel('Adresse électronique').fill('moderateur@demo.terridata.fr');
    await mp.page.getByLabel('Mot de passe', { exact: true }).fill('moderateur-demo-2026');
    await mp.page.getByRole('button', { name: 'Se connecter' }).click();
    await mp.page.waitForURL((u) => !u.pathname.startsWith('/connexion'));
    await mp.page.goto(`${app.url}/moderation?kind=observation`);
    const first = mp.page.getByTestId('queue-item').first();
    await first.waitFor();
    expect(await first.getAttribute('data-id')).toBe(id);
    await mp.page.goto(`${app.url}/moderation/${id}`);
    const panel = mp.page.getByTestId('observation-review');
    await panel.getByRole('img').waitFor();
    await panel.getByText('Malo des Pentes').waitFor();
    await mp.page.getByRole('button', { name: 'Prendre en charge' }).click();
    await mp.page.getByLabel('Approuver').check();
    await mp.page.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await mp.page.getByText('Décision enregistrée.').waitFor();
    expect(await mp.page.getByTestId('state').textContent()).toBe('Publiée');
    await mp.assertAccessible();
  }, 150_000);

  it('a visitor sees it published, with a photo that carries no metadata', async () => {
    // 4. A visitor sees it published, with a photo that carries no metadata.
    const v = await openPage(browser);
    await v.page.goto(`${app.url}/observations/${id}`);
    expect(await v.page.getByTestId('state').textContent()).toBe('Publiée');
    expect(await v.page.getByTestId('grade').textContent()).toBe('Confirmée');
    await v.page.getByText('Signalée par Inès de la Croix-Rousse').waitFor();
    const photo = await v.page.request.get(`${app.url}/observations/${id}/photo`);
    expect(photo.status()).toBe(200);
    const bytes = Buffer.from(await photo.body());
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
    expect(bytes.includes(Buffer.from(SERIAL))).toBe(false);
    expect(bytes.includes(Buffer.from('TestCam'))).toBe(false);
    await v.page.goto(`${app.url}/observations`);
    await v.page.locator(`li[data-observation-id="${id}"]`).waitFor();
    await v.assertAccessible();
    await v.close();
  }, 150_000);

  it('the author finds it in my observations, published and confirmed', async () => {
    // 5. The author finds it in "my observations", published and confirmed.
    const a2 = await as(author);
    await a2.page.goto(`${app.url}/compte/observations`);
    const row = a2.page.locator(`tr[data-observation-id="${id}"]`);
    await row.getByText('Publiée').first().waitFor();
    await row.getByText('Confirmée').waitFor();
    expect(await row.getAttribute('data-grade')).toBe('confirmed');
    await a2.assertAccessible();
    await a2.close();
  }, 150_000);

  it('the moderator marks it resolved', async () => {
    const db = app.database.db;
    // 6. Later, the moderator marks it resolved from the moderators' page.
    await mp.page.goto(`${app.url}/moderation/observations`);
    await mp.page.locator(`tr[data-observation-id="${id}"] input[type="checkbox"]`).check();
    await mp.page.getByRole('button', { name: 'Marquer comme résolues' }).click();
    await mp.page.getByText('1 observation mise à jour.').waitFor();
    await mp.assertAccessible();
    await mp.close();
    expect((await db.selectFrom('observation').select('resolved_at').where('id', '=', id).executeTakeFirstOrThrow()).resolved_at).not.toBeNull();
  }, 150_000);
});
