// Identity in Chromium, against the real server (web + worker) and the seeded demo data:
// sign-up with the verification link read from the outbox, sign-in, sign-out, password
// reset, the language switch, an admin with TOTP granting a moderator scope, and deleting
// an account. Every page is checked with axe-core.
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../app/domain/identity/passwords.server';
import { launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function linkFromOutbox(to: string, template: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const row = await app.database.db
      .selectFrom('email_outbox')
      .select('body_text')
      .where('to_address', '=', to)
      .where('template', '=', template)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const url = row && /https?:\/\/\S+/.exec(row.body_text)?.[0];
    if (url) return new URL(url).pathname;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${template} email to ${to}`);
}

/** Polls the address (client-side navigations change it without a load event). */
async function waitForUrl(page: Page, re: RegExp) {
  await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(re);
}

/** Waits until the text is on the page (client-side navigations update the DOM a moment after the URL). */
async function see(page: Page, text: string) {
  await page.getByText(text).first().waitFor({ timeout: 15_000 });
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${app.url}/connexion`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

describe('accounts in the browser', () => {
  it('signs up, verifies the address from the emailed link, signs in and out', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await page.goto(`${app.url}/inscription`);
    await page.getByLabel('Adresse électronique').fill('lea@example.test');
    await page.getByLabel('Mot de passe', { exact: true }).fill('court');
    await page.getByLabel('Pseudonyme public').fill('Léa');
    await page.getByLabel('J’accepte les').check();
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await see(page, 'Le mot de passe doit contenir au moins 12 caractères.');
    await page.getByLabel('Mot de passe', { exact: true }).fill('une phrase de passe solide');
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await waitForUrl(page, /envoye=1/);
    await see(page, 'Vérifiez votre messagerie');

    await page.goto(app.url + (await linkFromOutbox('lea@example.test', 'verify_email')));
    await page.getByRole('button', { name: 'Confirmer mon adresse' }).click();
    await waitForUrl(page, /info=verifie/);
    await signIn(page, 'lea@example.test', 'une phrase de passe solide');
    await waitForUrl(page, /\/compte$/);
    await see(page, 'lea@example.test (confirmée)');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await waitForUrl(page, /:\d+\/$/);
    await page.getByRole('link', { name: 'Se connecter' }).waitFor();
    await p.assertAccessible();
    await p.close();
  });

  it('resets a forgotten password with the emailed link, once', async () => {
    await app.database.db
      .insertInto('users')
      .values({
        email: 'oubli@example.test',
        pseudonym: 'Oublieuse',
        password_hash: await hashPassword('ancien mot de passe oublié'),
        email_verified_at: new Date(),
        terms_version: 1,
      })
      .execute();
    const p = await openPage(browser);
    const { page } = p;
    await page.goto(`${app.url}/connexion`);
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await page.locator('h1', { hasText: 'Mot de passe oublié' }).waitFor();
    await page.getByLabel('Adresse électronique').fill('oubli@example.test');
    await page.getByRole('button', { name: 'Recevoir le lien' }).click();
    await waitForUrl(page, /envoye=1/);
    const link = await linkFromOutbox('oubli@example.test', 'reset_password');
    await page.goto(app.url + link);
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('mon nouveau mot de passe');
    await page.getByLabel('Confirmez le nouveau mot de passe').fill('mon nouveau mot de passe');
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await waitForUrl(page, /info=reinitialise/);
    await signIn(page, 'oubli@example.test', 'mon nouveau mot de passe');
    await waitForUrl(page, /\/compte$/);
    await page.goto(app.url + link);
    await see(page, 'Ce lien n’est plus valable');
    await p.assertAccessible();
    await p.close();
  });

  it('switches the sign-in page to English, with English field errors', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await page.goto(`${app.url}/connexion`);
    await page.getByRole('link', { name: 'English' }).click();
    await waitForUrl(page, /lng=en/);
    await page.locator('h1', { hasText: 'Sign in' }).waitFor();
    await page.getByLabel('Email address').fill('not-an-address');
    await page.getByLabel('Password', { exact: true }).fill('whatever it is');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page, 'Enter a valid email address');
    await page.getByLabel('Email address').fill('nobody@example.test');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page, 'Wrong email address or password.');
    await p.assertAccessible();
    await p.close();
  });

  it('deletes an account: signed out, cannot sign in again', async () => {
    const db = app.database.db;
    await db
      .insertInto('users')
      .values({
        email: 'partant@example.test',
        pseudonym: 'Partant',
        password_hash: await hashPassword('je pars pour de bon'),
        email_verified_at: new Date(),
        terms_version: 1,
      })
      .execute();
    const p = await openPage(browser);
    const { page } = p;
    await signIn(page, 'partant@example.test', 'je pars pour de bon');
    await waitForUrl(page, /\/compte$/);
    await page.getByRole('link', { name: 'Supprimer mon compte' }).click();
    await page.locator('h1', { hasText: 'Supprimer mon compte' }).waitFor();
    await page.getByLabel('Mot de passe actuel').fill('je pars pour de bon');
    await page.getByLabel('Je comprends que la suppression est définitive.').check();
    await page.getByRole('button', { name: 'Supprimer définitivement mon compte' }).click();
    await waitForUrl(page, /info=supprime/);
    await see(page, 'Votre compte a été supprimé.');
    await signIn(page, 'partant@example.test', 'je pars pour de bon');
    await see(page, 'Adresse électronique ou mot de passe incorrect.');
    const row = await db
      .selectFrom('users')
      .select(['pseudonym', 'deleted_at'])
      .where('pseudonym', '=', 'compte supprimé')
      .execute();
    expect(row.length).toBeGreaterThanOrEqual(1);
    await p.assertAccessible();
    await p.close();
  });
});

describe('administration in the browser', () => {
  it('an admin sets up TOTP, grants a moderator scope, and signs in again with a code', async () => {
    const db = app.database.db;
    await db
      .insertInto('users')
      .values({
        email: 'vraie-admin@example.test',
        pseudonym: 'Vraie Admin',
        password_hash: await hashPassword('administration sérieuse'),
        email_verified_at: new Date(),
        terms_version: 1,
        is_admin: true,
      })
      .execute();
    const p = await openPage(browser);
    const { page } = p;
    await signIn(page, 'vraie-admin@example.test', 'administration sérieuse');
    await waitForUrl(page, /\/compte$/);
    await page.goto(`${app.url}/admin`);
    await waitForUrl(page, /\/compte\/securite\?requis=1/);
    const secret = (await page.locator('main code').first().textContent())!.trim();
    await page.getByLabel('Code affiché par l’application').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Activer', exact: true }).click();
    await page.locator('.recovery-codes li').nth(9).waitFor();
    expect(await page.locator('.recovery-codes li').count()).toBe(10);

    // The search form is a plain GET form: load its result page directly (the unfiltered
    // list already shows the same link, so clicking during the client navigation would race).
    await page.goto(`${app.url}/admin/utilisateurs?q=${encodeURIComponent('citoyen@demo')}`);
    await expect(page.getByLabel('Adresse ou pseudonyme').inputValue()).resolves.toBe(
      'citoyen@demo',
    );
    await page.getByRole('link', { name: 'Camille (démo)' }).click();
    await page.locator('h1', { hasText: 'Camille (démo)' }).waitFor();
    await page
      .getByLabel('Territoire (la Métropole entière ou une commune)')
      .selectOption({ label: 'Villeurbanne' });
    await page.getByRole('button', { name: 'Ajouter' }).first().click();
    await waitForUrl(page, /info=ok/);
    await see(page, 'Territoire : Villeurbanne');
    await page.getByRole('link', { name: 'Journal' }).click();
    await page.locator('main table').getByText('user.moderator_scope_grant').first().waitFor();

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await waitForUrl(page, /:\d+\/$/);
    await signIn(page, 'vraie-admin@example.test', 'administration sérieuse');
    await waitForUrl(page, /deux-facteurs/);
    await page.getByLabel('Code de vérification').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await waitForUrl(page, /\/compte$/);
    await page.goto(`${app.url}/admin`);
    await page.locator('h1', { hasText: 'Administration' }).waitFor();
    await p.assertAccessible();
    await p.close();
  });

  it('a demo admin says so on screen, and reads the outbox', async () => {
    const p = await openPage(browser);
    const { page } = p;
    await signIn(page, 'admin@demo.terridata.fr', 'admin-demo-2026');
    await waitForUrl(page, /\/compte$/);
    await see(page, 'Compte de démonstration');
    await page.goto(`${app.url}/admin/courriels`);
    await see(page, 'Confirmez votre adresse électronique');
    await p.assertAccessible();
    await p.close();
  });
});

describe('organisations and every identity page in the browser', () => {
  it('public identity pages pass axe', async () => {
    const anon = await openPage(browser);
    for (const path of [
      '/inscription',
      '/connexion',
      '/mot-de-passe-oublie',
      '/mentions-legales',
      '/donnees-personnelles',
      '/conditions',
      '/accessibilite',
      '/organisations',
      '/organisations/velos-lumiere',
      '/reinitialiser/lien-perime',
    ]) {
      await anon.page.goto(app.url + path);
      await anon.assertAccessible();
    }
    await anon.close();
  });

  it('a citizen asks to join a business; the account pages pass axe', async () => {
    const citizen = await openPage(browser);
    await signIn(citizen.page, 'citoyen@demo.terridata.fr', 'citoyen-demo-2026');
    await waitForUrl(citizen.page, /\/compte$/);
    await citizen.page.goto(`${app.url}/organisations/velos-lumiere`);
    await citizen.page
      .getByLabel('Message aux administrateurs (facultatif)')
      .fill('Je répare des vélos le week-end.');
    await citizen.page
      .getByRole('button', { name: 'Demander à rejoindre cette organisation' })
      .click();
    await see(citizen.page, 'Votre demande a été envoyée');
    for (const path of [
      '/compte',
      '/compte/securite',
      '/compte/supprimer',
      '/organisations/nouvelle',
    ]) {
      await citizen.page.goto(app.url + path);
      await citizen.assertAccessible();
    }
    await citizen.close();
  });

  it('the business admin approves the request', async () => {
    const partner = await openPage(browser);
    await signIn(partner.page, 'partenaire@demo.terridata.fr', 'partenaire-demo-2026');
    await waitForUrl(partner.page, /\/compte$/);
    await partner.page.goto(`${app.url}/organisations/velos-lumiere/gestion`);
    await see(partner.page, 'Je répare des vélos le week-end.');
    await partner.page.getByRole('button', { name: 'Accepter' }).click();
    await see(partner.page, 'La demande a été traitée.');
    await see(partner.page, 'Camille (démo)');
    await partner.assertAccessible();
    await partner.close();
  });

  it('the admin pages pass axe', async () => {
    const admin = await openPage(browser);
    await signIn(admin.page, 'admin@demo.terridata.fr', 'admin-demo-2026');
    await waitForUrl(admin.page, /\/compte$/);
    for (const path of [
      '/admin',
      '/admin/utilisateurs',
      '/admin/organisations',
      '/admin/courriels',
      '/admin/journal',
      '/admin/taches',
      '/admin/pages',
      '/admin/pages/conditions',
    ]) {
      await admin.page.goto(app.url + path);
      await admin.assertAccessible();
    }
    await admin.close();
  });
});
