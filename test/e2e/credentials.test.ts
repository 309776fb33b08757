// Traceable licences in Chromium: a visitor meets a dataset under the "licence engagée",
// is told why its file needs identification, signs up, creates a reuser key (shown once),
// downloads the file with a curl-like fetch carrying the key, and the publisher sees the
// download, the reuser and the declared purpose on the usage page's chart and tables. Every
// page is checked with axe-core.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { publishDataset } from '../catalogue/helpers';
import { prepareReferences } from '../contributions/helpers';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { E2E_SESSION_SECRET, launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
let publisher: SignedInTestUser;
let slug: string;
let downloadPath: string;
const CSV = 'id;commune;places\n1;Lyon;12\n2;Villeurbanne;8\n';
const PURPOSE = 'Application mobile de stationnement vélo pour les habitants';

async function linkFromOutbox(to: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const row = await app.database.db
      .selectFrom('email_outbox')
      .select('body_text')
      .where('to_address', '=', to)
      .where('template', '=', 'verify_email')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const url = row && /https?:\/\/\S+/.exec(row.body_text)?.[0];
    if (url) return new URL(url).pathname;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no verification email to ${to}`);
}

async function waitForUrl(page: Page, re: RegExp) {
  await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(re);
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const refs: ReferenceLists = await prepareReferences(app.database.db);
  publisher = await createUserWithSession(app.database.db, {
    pseudonym: 'Service mobilité',
    secret: E2E_SESSION_SECRET,
  });
  const org = await app.database.db
    .insertInto('organization')
    .values({ slug: 'syndicat-velo', name: 'Syndicat du vélo', kind: 'public_body' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await app.database.db
    .insertInto('membership')
    .values({ user_id: publisher.user.id, organization_id: org.id, role: 'admin' })
    .execute();
  const published = await publishDataset(app.database.db, refs, app.uploadsDir, {
    submitterId: publisher.user.id,
    draft: {
      title: 'Stationnements vélo sécurisés',
      licence: 'licence-engagee',
      organizationId: org.id,
    },
    files: [{ filename: 'stationnements.csv', content: CSV }],
  });
  slug = published.slug;
  const dist = await app.database.db
    .selectFrom('distribution as x')
    .innerJoin('dataset_version as v', 'v.id', 'x.dataset_version_id')
    .select('x.id')
    .where('v.dataset_id', '=', published.datasetId)
    .executeTakeFirstOrThrow();
  downloadPath = `/datasets/${slug}/telecharger/${dist.id}`;
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('a reuser of traceable data, and its publisher', () => {
  let secret = '';

  it('a visitor meets the traceable dataset and is told how to identify', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await page.goto(`${app.url}/datasets/${slug}`);
    await page.getByText('Licence engagée : le téléchargement demande d’être identifié').waitFor();
    await p.assertAccessible();
    // The file's link leads an anonymous visitor to the explanation, not to a bare 401…
    await page.getByRole('link', { name: 'Télécharger stationnements.csv' }).click();
    await waitForUrl(page, /\/licences\/licence-engagee\?fichier=/);
    await page.getByRole('heading', { level: 1, name: /Licence engagée/ }).waitFor();
    // … and so does the file's address itself.
    await page.goto(`${app.url}${downloadPath}`);
    await waitForUrl(page, /\/licences\/licence-engagee\?fichier=/);
    await page.getByRole('heading', { level: 1, name: /Licence engagée/ }).waitFor();
    await page.getByText('pour le télécharger, identifiez-vous d’abord').waitFor();
    await expect(
      page
        .getByRole('link', { name: 'Pour un programme, créez une clé de réutilisateur' })
        .getAttribute('href'),
    ).resolves.toBe('/compte/cles');
    await p.assertAccessible();
    // Without identification, a program gets 401 and the link to get a key.
    const refused = await fetch(`${app.url}${downloadPath}`, {
      headers: { 'user-agent': 'curl/8.5.0' },
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { links: { getKey: string } }).links.getKey).toBe(
      `${app.url}/compte/cles`,
    );
    await p.close();
  });

  it('signs up, creates a key declaring a purpose, and downloads with the key', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await page.goto(
      `${app.url}/licences/licence-engagee?fichier=${encodeURIComponent(downloadPath)}`,
    );
    await page.getByRole('link', { name: 'Créez un compte' }).click();
    await waitForUrl(page, /\/inscription/);
    await page.getByLabel('Adresse électronique').fill('reutilisatrice@example.test');
    await page.getByLabel('Mot de passe', { exact: true }).fill('une phrase de passe solide');
    await page.getByLabel('Pseudonyme public').fill('Camille Appli');
    await page.getByLabel('J’accepte les').check();
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await waitForUrl(page, /envoye=1/);
    await page.goto(app.url + (await linkFromOutbox('reutilisatrice@example.test')));
    await page.getByRole('button', { name: 'Confirmer mon adresse' }).click();
    await waitForUrl(page, /info=verifie/);
    await page.goto(`${app.url}/connexion?redirectTo=%2Fcompte%2Fcles`);
    await page.getByLabel('Adresse électronique').fill('reutilisatrice@example.test');
    await page.getByLabel('Mot de passe', { exact: true }).fill('une phrase de passe solide');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await waitForUrl(page, /\/compte\/cles$/);
    await page.getByRole('heading', { level: 1, name: 'Mes clés de réutilisateur' }).waitFor();
    await page.getByText('Aucune clé pour l’instant.').waitFor();
    await p.assertAccessible();

    // A purpose is required, field by field.
    await page.getByLabel('Nom de la clé').fill('Appli vélo');
    await page.getByLabel('Usage déclaré').fill('vélo');
    await page.getByRole('button', { name: 'Créer la clé' }).click();
    await page.getByText('Décrivez l’usage prévu en au moins 10 caractères.').waitFor();
    await page.getByLabel('Usage déclaré').fill(PURPOSE);
    await page.getByRole('button', { name: 'Créer la clé' }).click();
    await page.getByRole('heading', { name: 'Clé « Appli vélo » créée' }).waitFor();
    secret = await page.getByLabel('Votre clé').inputValue();
    expect(secret).toMatch(/^td_pk_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('cell', { name: `${secret.slice(0, 10)}…` }).waitFor();
    await p.assertAccessible();
    // Shown once: a reload shows only its beginning.
    await page.goto(`${app.url}/compte/cles`);
    await expect(page.content()).resolves.not.toContain(secret);
    await page.getByRole('cell', { name: 'jamais' }).waitFor();
    await p.close();

    // curl -H "Authorization: Bearer …" https://…/datasets/…/telecharger/…
    const res = await fetch(`${app.url}${downloadPath}`, {
      headers: { authorization: `Bearer ${secret}`, 'user-agent': 'curl/8.5.0' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('stationnements.csv');
    expect(await res.text()).toBe(CSV);
  });

  it('the publisher sees the download in the usage chart, with the reuser and the declared purpose', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await p.context.addCookies([
      { name: publisher.cookieName, value: publisher.cookieValue, url: app.url },
    ]);
    await page.goto(`${app.url}/organisations/syndicat-velo/gestion`);
    await page.getByRole('link', { name: 'Usage des données' }).click();
    await waitForUrl(page, /\/organisations\/syndicat-velo\/usage$/);
    await page
      .getByRole('heading', { level: 1, name: 'Usage des données de Syndicat du vélo' })
      .waitFor();
    const today = new Date().toISOString().slice(0, 10);
    const bar = page.locator(`svg[role="img"] rect[data-day="${today}"]`);
    await expect(bar.getAttribute('data-downloads')).resolves.toBe('1');
    await expect(page.locator('svg[role="img"] desc').textContent()).resolves.toContain(
      '1 téléchargement au total',
    );
    // The table alternative holds the same figure.
    await page.getByText('Voir les chiffres sous forme de tableau').click();
    await expect(page.getByRole('row', { name: `${today} 1` }).count()).resolves.toBe(1);
    const reusers = page.locator('table.reusers');
    await expect(reusers.textContent()).resolves.toContain('Camille Appli');
    await expect(reusers.textContent()).resolves.toContain('Appli vélo');
    await expect(reusers.textContent()).resolves.toContain(PURPOSE);
    await p.assertAccessible();
    // The log exports as CSV, for the organisation's members.
    const csv = await page.evaluate(
      async (url) => (await fetch(url)).text(),
      `${app.url}/organisations/syndicat-velo/usage.csv`,
    );
    expect(csv).toContain('Camille Appli');
    expect(csv).toContain(PURPOSE);

    // The organisation's admin creates a token for a delivery program, shown once.
    await page.goto(`${app.url}/organisations/syndicat-velo/jetons`);
    await page.getByLabel('Nom de la clé').fill('Programme de livraison');
    await page.getByRole('button', { name: 'Créer le jeton' }).click();
    await page.getByText('Choisissez au moins une portée.').waitFor();
    await page.getByLabel('Nom de la clé').fill('Programme de livraison');
    await page.getByRole('checkbox', { name: /contribution — / }).check();
    await page.getByRole('button', { name: 'Créer le jeton' }).click();
    await page.getByRole('heading', { name: 'Clé « Programme de livraison » créée' }).waitFor();
    expect(await page.getByLabel('Votre clé').inputValue()).toMatch(/^td_ot_/);
    await p.assertAccessible();
    await p.close();
  });

  it('a signed-in reuser declares a reuse from the dataset page; a bad link is refused first', async () => {
    const author = await createUserWithSession(app.database.db, {
      pseudonym: 'Dominique Carto',
      secret: E2E_SESSION_SECRET,
    });
    const p = await openPage(browser);
    const { page } = p;
    await p.context.addCookies([
      { name: author.cookieName, value: author.cookieValue, url: app.url },
    ]);
    await page.goto(`${app.url}/datasets/${slug}`);
    await page.getByText('Aucune réutilisation déclarée pour ce jeu de données.').waitFor();
    await page.getByRole('link', { name: 'Vous réutilisez ces données ? Déclarez-le' }).click();
    await waitForUrl(page, /\/reutilisations\/nouvelle\?jeu=/);
    await page.getByText('Jeu de données déjà indiqué : Stationnements vélo sécurisés.').waitFor();
    await page.getByLabel('Titre', { exact: true }).fill('Carte des abris vélo');
    await page.getByLabel('Adresse (lien)').fill('javascript:alert(1)');
    await page.getByLabel('Type', { exact: true }).selectOption('visualisation');
    await page.getByRole('button', { name: 'Déclarer une réutilisation' }).click();
    await page.getByText('Donnez une adresse web commençant par https:// ou http://.').waitFor();
    await p.assertAccessible();
    await page.getByLabel('Adresse (lien)').fill('https://carte.example.org/abris');
    await page.getByRole('button', { name: 'Déclarer une réutilisation' }).click();
    await waitForUrl(page, /\/reutilisations\/[0-9a-f-]{36}\?info=declaree/);
    await page.getByText('Merci ! Votre réutilisation est publiée').waitFor();
    await p.assertAccessible();
    await page.goto(`${app.url}/datasets/${slug}`);
    await page.getByRole('link', { name: 'Carte des abris vélo', exact: true }).waitFor();
    await page.goto(`${app.url}/reutilisations`);
    await page.getByRole('heading', { level: 2, name: 'Carte des abris vélo' }).waitFor();
    await p.assertAccessible();
    await p.close();
  });
});
