// Moderation in Chromium against the real server (web + worker) and the demo accounts: a
// partner submits; the moderator claims and requests changes; the partner reads the
// reason, replies and resubmits; the moderator sees the diff and approves; the publish job
// runs; the partner finds the contribution published with its provenance, and is
// notified. Then a bulk rejection of three items; then a GeoJSON file previewed on a map,
// and the single-key shortcuts turned off and remapped. Every page is checked with axe-core.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareReferences } from '../contributions/helpers';
import { submitted } from '../moderation/helpers';
import { launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
const dir = mkdtempSync(path.join(os.tmpdir(), 'td-e2e-moderation-'));
const csvPath = path.join(dir, 'stations-velos.csv');

beforeAll(async () => {
  writeFileSync(csvPath, 'station;commune;places\r\n' + Array.from({ length: 30 }, (_, i) => `Station ${i};Villeurbanne;${10 + i}`).join('\r\n') + '\r\n');
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

const TITLE = 'Stations de vélos en libre-service';

describe('moderating a contribution', () => {
  it('goes from submission through a request for changes and a resubmission to publication', async () => {
    const partner = await openPage(browser);
    const moderator = await openPage(browser);
    const pp = partner.page;
    const mp = moderator.page;
    await Promise.all([signIn(pp, 'partenaire@demo.terridata.fr', 'partenaire-demo-2026'), signIn(mp, 'moderateur@demo.terridata.fr', 'moderateur-demo-2026')]);

    // The partner submits through the wizard.
    await pp.goto(`${app.url}/contribuer`);
    await pp.getByRole('button', { name: 'Commencer' }).click();
    await pp.waitForURL(/\/contribuer\/[0-9a-f-]{36}\?etape=description/);
    const id = /contribuer\/([0-9a-f-]{36})/.exec(pp.url())![1]!;
    await pp.getByLabel('Titre', { exact: true }).fill(TITLE);
    await pp.getByLabel('Description', { exact: true }).fill('Les stations de vélos de Villeurbanne et leur nombre de places.');
    await pp.getByLabel('Mobilité et transports').check();
    await pp.getByLabel('Communes couvertes').selectOption(['69266']);
    await pp.getByLabel('Licence', { exact: true }).selectOption('lo-2.0');
    await pp.getByLabel('Fréquence de mise à jour').selectOption('monthly');
    await pp.getByLabel('Non', { exact: true }).check();
    await pp.getByLabel(/Je déclare détenir les droits/).check();
    await pp.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await pp.waitForURL(/etape=fichiers/);
    await pp.locator('.uppy-Dashboard-input').first().setInputFiles([csvPath]);
    await pp.waitForFunction(() => document.querySelectorAll('article.file-report[data-file-status="verified"]').length === 1, undefined, { timeout: 60_000 });
    await pp.getByRole('link', { name: '3. Vérification et envoi' }).first().click();
    await pp.waitForURL(/etape=verification/);
    await pp.getByRole('button', { name: 'Soumettre la contribution' }).click();
    await pp.waitForURL(/\?soumise=1/);

    // The moderator finds it in the queue, claims it, reads the preview, requests changes.
    await mp.goto(`${app.url}/moderation`);
    const row = mp.getByTestId('queue-item').filter({ hasText: TITLE });
    await row.getByText('Villeurbanne').first().waitFor();
    await row.getByText('Libre').first().waitFor();
    await moderator.assertAccessible();
    await row.getByRole('button', { name: `Prendre — ${TITLE}` }).click();
    await mp.waitForURL(new RegExp(`/moderation/${id}$`));
    await mp.getByRole('table', { name: /Aperçu des premières lignes/ }).getByText('Station 3', { exact: true }).waitFor();
    await mp.getByText('Première soumission : pas de révision précédente.').waitFor();
    await mp.getByText(/Vous tenez cet élément jusqu’à/).waitFor();
    await moderator.assertAccessible();
    await mp.getByLabel('Demander des modifications').check();
    await mp.getByLabel('Commentaire pour le contributeur').fill('Précisez la source du nombre de places dans la description.');
    await mp.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await mp.waitForURL(/fait=request_changes/);
    // The URL changes before the revalidated page renders: wait for the new state itself.
    await mp.locator('[data-testid="state"]', { hasText: 'Modifications demandées' }).waitFor();
    expect(await mp.getByTestId('state').textContent()).toBe('Modifications demandées');

    // The partner is notified, reads the reason, replies, edits and resubmits.
    await pp.goto(`${app.url}/compte/contributions/${id}`);
    // At least this one unread (the demo partner may have others, e.g. a contract reminder).
    await pp.getByRole('link', { name: /^Notifications \(\d+ non lues?\)$/ }).waitFor();
    await pp.getByTestId('decisions').getByText('Précisez la source du nombre de places dans la description.').waitFor();
    await pp.getByLabel('Votre message').fill('C’est le comptage de septembre ; je complète la description.');
    await pp.getByRole('button', { name: 'Envoyer' }).click();
    await pp.getByText('Message envoyé.').waitFor();
    await pp.getByRole('link', { name: 'Modifier' }).click();
    await pp.waitForURL(new RegExp(`/contribuer/${id}`));
    if (!pp.url().includes('etape=description')) await pp.goto(`${app.url}/contribuer/${id}?etape=description`);
    await pp.getByLabel('Description', { exact: true }).fill('Les stations de vélos de Villeurbanne et leur nombre de places (comptage de septembre 2026).');
    await pp.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await pp.waitForURL(/etape=fichiers/);
    await pp.getByRole('link', { name: '3. Vérification et envoi' }).first().click();
    await pp.waitForURL(/etape=verification/);
    await pp.getByRole('button', { name: 'Soumettre la contribution' }).click();
    await pp.waitForURL(/\?soumise=1/);
    await partner.assertAccessible();

    // The moderator sees the reply and the diff, and approves with the keyboard shortcut.
    await mp.goto(`${app.url}/moderation`);
    await mp.getByTestId('queue-item').filter({ hasText: TITLE }).getByRole('button', { name: `Prendre — ${TITLE}` }).click();
    await mp.waitForURL(new RegExp(`/moderation/${id}$`));
    const diff = mp.getByTestId('diff');
    await diff.getByText('comptage de septembre 2026', { exact: false }).waitFor();
    expect(await mp.getByRole('heading', { name: 'Modifications depuis la révision 1' }).count()).toBe(1);
    await mp.getByTestId('thread-message').getByText('C’est le comptage de septembre ; je complète la description.').waitFor();
    await mp.locator('body').press('a');
    expect(await mp.getByLabel('Approuver').isChecked()).toBe(true);
    await mp.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await mp.waitForURL(/fait=approve/);
    await moderator.assertAccessible();

    // The worker publishes it.
    await expect
      .poll(async () => (await app.database.db.selectFrom('contribution').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state, { timeout: 30_000 })
      .toBe('published');

    // The partner sees it published with its provenance, and is notified.
    await pp.goto(`${app.url}/compte/contributions/${id}`);
    expect(await pp.getByTestId('state').textContent()).toBe('Publiée');
    await pp.getByTestId('publication').getByText('Approuvée par : Modération (démo).').waitFor();
    await pp.getByTestId('publication').getByText(/Publiée comme version 1 du jeu de données/).waitFor();
    await pp.getByRole('link', { name: /^Notifications \(\d+ non lues?\)$/ }).click();
    await pp.waitForURL(/\/notifications$/);
    await pp.getByText(`« ${TITLE} » est publiée.`).waitFor();
    await pp.getByText(`« ${TITLE} » a été approuvée.`).waitFor();
    await pp.getByText(`Nouveau message sur « ${TITLE} ».`).first().waitFor().catch(() => undefined);
    await pp.getByRole('button', { name: 'Tout marquer comme lu' }).click();
    await pp.getByRole('link', { name: 'Notifications', exact: true }).waitFor();
    await partner.assertAccessible();
    await moderator.close();
    await partner.close();
  });

  it('rejects three items at once, each with its own event', async () => {
    const db = app.database.db;
    const refs = await prepareReferences(db);
    const ids: string[] = [];
    for (const n of ['A', 'B', 'C']) {
      ids.push((await submitted(db, refs, app.uploadsDir, { draft: { title: `Doublon de démonstration ${n}` } })).id);
    }
    const p = await openPage(browser);
    const { page } = p;
    await signIn(page, 'moderateur@demo.terridata.fr', 'moderateur-demo-2026');
    await page.goto(`${app.url}/moderation`);
    for (const n of ['A', 'B', 'C']) await page.getByLabel(`Sélectionner « Doublon de démonstration ${n} »`).check();
    await page.getByLabel('Refuser').check();
    await page.getByLabel('Motif du refus').selectOption('duplicate');
    await page.getByLabel('Commentaire pour le contributeur').fill('Ces jeux existent déjà dans le catalogue.');
    await page.getByRole('button', { name: 'Appliquer aux éléments cochés' }).click();
    const results = page.getByTestId('bulk-results');
    await results.waitFor();
    for (const n of ['A', 'B', 'C']) await results.getByText(`« Doublon de démonstration ${n} » : Refusée`).waitFor();
    const rows = await db.selectFrom('contribution').select(['state']).where('id', 'in', ids).execute();
    expect(rows.map((r) => r.state)).toEqual(['rejected', 'rejected', 'rejected']);
    const events = await db.selectFrom('moderation_event').select(['contribution_id', 'reason_code', 'comment']).where('contribution_id', 'in', ids).where('action', '=', 'reject').execute();
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.contribution_id)).size).toBe(3);
    expect(events.every((e) => e.reason_code === 'duplicate' && e.comment === 'Ces jeux existent déjà dans le catalogue.')).toBe(true);
    await p.assertAccessible();
    await p.close();
  });

  it('previews a GeoJSON file on a map over the commune outlines, and lets the moderator turn off or remap the shortcuts', async () => {
    const db = app.database.db;
    const refs = await prepareReferences(db);
    const title = 'Arceaux vélo de Villeurbanne (GeoJSON)';
    const { id } = await submitted(db, refs, app.uploadsDir, { draft: { title, communes: ['69266'] } });
    const up = await db
      .selectFrom('contribution as c')
      .innerJoin('revision_upload as ru', 'ru.revision_id', 'c.current_revision_id')
      .innerJoin('upload as u', 'u.id', 'ru.upload_id')
      .select(['u.id', 'u.storage_key'])
      .where('c.id', '=', id)
      .executeTakeFirstOrThrow();
    const features = Array.from({ length: 3 }, (_, i) => ({
      type: 'Feature',
      properties: { nom: i === 0 ? '<script>alert(1)</script>' : `Arceau ${i}`, places: 4 + i },
      geometry: { type: 'Point', coordinates: [4.88 + i / 100, 45.77] },
    }));
    const geojson = JSON.stringify({ type: 'FeatureCollection', features });
    writeFileSync(path.join(app.uploadsDir, up.storage_key), geojson);
    await db.updateTable('upload').set({ filename: 'arceaux.geojson', detected_format: 'json', size: Buffer.byteLength(geojson) }).where('id', '=', up.id).execute();

    const p = await openPage(browser);
    const { page } = p;
    await signIn(page, 'moderateur@demo.terridata.fr', 'moderateur-demo-2026');
    await page.goto(`${app.url}/moderation/${id}`);
    await page.getByRole('button', { name: 'Prendre en charge' }).click();
    await page.getByText(/Vous tenez cet élément jusqu’à/).waitFor();

    // The map: three features in red over Villeurbanne's outline; the properties as text.
    const preview = page.getByTestId('geo-preview');
    await preview.locator('.catalogue-map[data-ready="true"]').waitFor();
    await expect.poll(() => preview.locator('path.map-feature').count()).toBe(3);
    expect(await preview.locator('path.map-outline').count()).toBeGreaterThanOrEqual(1);
    await preview.getByRole('img', { name: 'Carte des 3 premiers objets de « arceaux.geojson » sur les contours des communes' }).waitFor();
    await preview.getByRole('table', { name: 'Propriétés des premiers objets de « arceaux.geojson »' }).getByText('<script>alert(1)</script>').waitFor();
    await p.assertAccessible();

    // Shortcuts never fire while typing; they do on the page.
    const comment = page.getByLabel('Commentaire pour le contributeur');
    await comment.pressSequentially('rm');
    expect(await comment.inputValue()).toBe('rm');
    expect(await page.getByLabel('Approuver', { exact: true }).isChecked()).toBe(true);
    await comment.fill('');
    await page.getByRole('heading', { name: title }).click();
    await page.keyboard.press('r');
    await expect.poll(() => page.getByLabel('Refuser', { exact: true }).isChecked()).toBe(true);

    // Turned off in one click: the keys do nothing.
    const shortcuts = page.getByTestId('shortcuts');
    await shortcuts.getByText('Choisir « Demander des modifications »').waitFor();
    await shortcuts.getByRole('button', { name: 'Désactiver les raccourcis à une touche' }).click();
    await page.getByTestId('shortcuts-off').waitFor();
    await page.getByRole('heading', { name: title }).click();
    await page.keyboard.press('m');
    await page.keyboard.press('a');
    expect(await page.getByLabel('Demander des modifications', { exact: true }).isChecked()).toBe(false);
    expect(await page.getByLabel('Approuver', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByRole('button', { name: 'Relire la suivante' }).getAttribute('aria-keyshortcuts')).toBeNull();

    // Remapped (back on): "x" chooses Reject, "r" does nothing any more.
    await shortcuts.getByRole('link', { name: 'Changer les touches' }).click();
    await page.getByRole('heading', { name: 'Raccourcis clavier', level: 1 }).waitFor();
    await page.getByLabel('Activer les raccourcis à une touche').check();
    await page.getByLabel('Touche pour « Choisir « Refuser » »').fill('a');
    await page.getByRole('button', { name: 'Enregistrer les raccourcis' }).click();
    // Checked in the page with the action's own schema: the field says why.
    await page.getByText('La touche « a » sert déjà à « Choisir « Approuver » ».').waitFor();
    await p.assertAccessible();
    await page.getByLabel('Touche pour « Choisir « Refuser » »').fill('x');
    await page.getByRole('button', { name: 'Enregistrer les raccourcis' }).click();
    await shortcuts.locator('kbd', { hasText: 'x' }).waitFor();
    await page.getByRole('heading', { name: title }).click();
    await page.keyboard.press('r');
    expect(await page.getByLabel('Refuser', { exact: true }).isChecked()).toBe(false);
    await page.keyboard.press('x');
    await expect.poll(() => page.getByLabel('Refuser', { exact: true }).isChecked()).toBe(true);
    await p.assertAccessible();

    // Back to the defaults, for whoever uses the demo account next.
    await db.deleteFrom('shortcut_preference').execute();
    await p.close();
  });
});
