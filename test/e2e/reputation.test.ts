// The reputation pages in Chromium, each checked with axe-core: a citizen reads their own
// ledger and privileges, pages through it, opens the public page and the leaderboards, and
// reads how to verify a chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { appendLedgerEntry } from '../../app/domain/reputation/ledger.server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { E2E_SESSION_SECRET, launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

let app: E2EApp;
let browser: Browser;
let citizen: SignedInTestUser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  citizen = await createUserWithSession(app.database.db, { pseudonym: 'Lou des Brotteaux', secret: E2E_SESSION_SECRET });
  const subject = { type: 'user' as const, id: citizen.user.id };
  await app.database.db.transaction().execute(async (trx) => {
    await appendLedgerEntry(trx, { subject, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-e2e' } });
    await appendLedgerEntry(trx, { subject, reason: 'rejected_spam', ref: { type: 'contribution', id: 'c-spam' } });
    for (let i = 0; i < 30; i++) await appendLedgerEntry(trx, { subject, reason: 'observation_published', ref: { type: 'observation', id: `o-${i}` } });
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('reputation pages in a browser', () => {
  it('a citizen reads their ledger, its privileges and next threshold, pages through it and opens the public page', async () => {
    const p = await openPage(browser);
    await p.context.addCookies([{ name: citizen.cookieName, value: citizen.cookieValue, url: app.url }]);
    await p.page.goto(`${app.url}/compte/registre`);
    await expect(p.page.locator('h1').textContent()).resolves.toBe('Mon registre de réputation');
    const standing = p.page.locator('section.card');
    await expect(standing.textContent()).resolves.toContain('Solde : 65 points');
    await expect(standing.textContent()).resolves.toContain('Observateur de confiance');
    await expect(standing.textContent()).resolves.toContain('Prochain palier : Confirmations doublées à 200 points (encore 135)');
    await p.page.getByRole('link', { name: 'Plus anciennes' }).click();
    await p.page.waitForURL(/page=2/);
    await p.page.getByText('Page 2 sur 2').waitFor();
    await expect(p.page.locator('tbody').textContent()).resolves.toContain('Contribution rejetée comme indésirable');
    await p.page.getByRole('link', { name: 'Page publique de mon registre' }).click();
    await p.page.waitForURL(new RegExp(`/registre/user/${citizen.user.id}`));
    await p.page.getByRole('heading', { level: 1, name: 'Registre de Lou des Brotteaux' }).waitFor();
    await p.assertAccessible();
    await p.close();
  });

  it('leaderboards (with the month form), the verification recipe and the checkpoints are reachable and accessible', async () => {
    const p = await openPage(browser);
    await p.page.goto(`${app.url}/registre`);
    await p.page.getByRole('link', { name: 'Classements' }).click();
    await p.page.waitForURL(/\/registre\/classements/);
    await p.page.getByRole('heading', { level: 1, name: 'Classements' }).waitFor();
    await expect(p.page.locator('#citizens ~ table, section:has(#citizens)').first().textContent()).resolves.toContain('Lou des Brotteaux');
    await p.page.fill('#mois', '2001-01');
    await p.page.getByRole('button', { name: 'Afficher' }).click();
    await p.page.waitForURL(/mois=2001-01/);
    await p.page.getByRole('heading', { name: 'Citoyens — Points gagnés en 2001-01' }).waitFor();
    await expect(p.page.locator('section:has(#citizens)').textContent()).resolves.toContain('Personne pour l’instant.');
    await p.page.goto(`${app.url}/registre/verifier`);
    await expect(p.page.locator('pre.script').textContent()).resolves.toContain('sha256sum');
    await p.page.goto(`${app.url}/registre/points-de-controle`);
    await expect(p.page.locator('h1').textContent()).resolves.toBe('Points de contrôle du registre');
    await p.assertAccessible();
    await p.close();
  });
});
