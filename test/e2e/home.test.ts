import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
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

describe('home page and language', () => {
  it('serves the home page in French by default, accessible, with its landmarks', async () => {
    const p = await openPage(browser);
    await p.page.goto(app.url);
    expect(await p.page.getAttribute('html', 'lang')).toBe('fr');
    await expect(p.page.locator('h1').textContent()).resolves.toContain('Des données publiques');
    expect(await p.page.locator('header').count()).toBe(1);
    expect(await p.page.locator('main#main').count()).toBe(1);
    expect(await p.page.locator('footer').count()).toBe(1);
    await p.assertAccessible();
    await p.close();
  });

  it('switches to English with the switcher, and remembers the choice on the next page', async () => {
    const p = await openPage(browser);
    await p.page.goto(app.url);
    await p.page.getByRole('link', { name: 'English' }).click();
    await p.page.waitForURL(/lng=en/);
    await p.page.waitForFunction(() => document.documentElement.lang === 'en');
    await expect(p.page.locator('h1').textContent()).resolves.toContain('Public data');
    await p.page.goto(app.url); // no ?lng: the cookie keeps English
    expect(await p.page.getAttribute('html', 'lang')).toBe('en');
    await p.assertAccessible();
    await p.close();
  });

  it('follows the browser language (Accept-Language) when no choice was made', async () => {
    const p = await openPage(browser, { locale: 'en-GB' });
    await p.page.goto(app.url);
    expect(await p.page.getAttribute('html', 'lang')).toBe('en');
    await p.close();
  });

  it('works with the keyboard alone: the first Tab reaches the skip link, which moves focus to the content', async () => {
    const p = await openPage(browser);
    await p.page.goto(app.url);
    await p.page.keyboard.press('Tab');
    const focused = await p.page.evaluate(() => document.activeElement?.textContent);
    expect(focused).toBe('Aller au contenu');
    await p.page.keyboard.press('Enter');
    expect(await p.page.evaluate(() => document.activeElement?.id)).toBe('main');
    await p.close();
  });

  it('has an accessibility check that does catch violations (so a clean page means something)', async () => {
    const p = await openPage(browser);
    await p.page.goto(app.url);
    // Wait for React to hydrate <main>: a node added before would be wiped by hydration.
    await p.page.waitForFunction(() =>
      Object.keys(document.querySelector('main')!).some((k) => k.startsWith('__reactFiber')),
    );
    await p.page.evaluate(() => {
      // A button with no accessible name: a critical violation that needs no network.
      document.querySelector('main')!.append(document.createElement('button'));
    });
    await expect(p.assertAccessible()).rejects.toThrow(/button-name/);
    await p.close();
  });

  it('sends the security headers with a fresh CSP nonce on every page, and the page runs under it', async () => {
    const r1 = await fetch(app.url);
    const r2 = await fetch(app.url);
    const csp1 = r1.headers.get('content-security-policy')!;
    expect(csp1).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(csp1).toContain("frame-ancestors 'none'");
    expect(csp1).not.toBe(r2.headers.get('content-security-policy'));
    expect(r1.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r1.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    // Hydration ran despite the CSP: React attached and client navigation works.
    const p = await openPage(browser);
    const errors: string[] = [];
    p.page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await p.page.goto(app.url);
    await p.page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined);
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await p.close();
  });
});
