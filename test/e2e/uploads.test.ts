// A 30 MB upload through the Uppy Dashboard in Chromium, 5 MiB chunks, on a throttled
// connection: the page is reloaded after the first acknowledged chunk, the user re-selects
// the file, and the upload resumes at the server's offset instead of starting again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { keepBuildAsIs } from '../uploads/helpers';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDirectory } from '../../server/app';
import { createUserWithSession } from '../support/auth';
import { E2E_SESSION_SECRET, launchBrowser, openPage, startApp } from './support/app';
import type { E2EApp } from './support/app';

const MiB = 1024 * 1024;
let app: E2EApp;
let browser: Browser;
let dir: string;
let file: string;

beforeAll(async () => {
  keepBuildAsIs(buildDirectory());
  dir = mkdtempSync(path.join(os.tmpdir(), 'td-e2e-file-'));
  file = path.join(dir, 'equipements-lyon.csv');
  const line = 'code_insee;nom;latitude;longitude;capacite\n';
  const row = '69381;Gymnase Jean Macé;45.7456;4.8421;120\n';
  writeFileSync(file, line + row.repeat(Math.ceil((30 * 1000 * 1000) / row.length)));
  [app, browser] = await Promise.all([
    startApp({ UPLOAD_CHUNK_BYTES: String(5 * MiB) }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface TusRequest {
  method: string;
  url: string;
  offset: number | null;
}

describe('upload widget', () => {
  it('resumes from the server offset after a reload and a re-selection of the file', async () => {
    const { cookieName, cookieValue } = await createUserWithSession(app.database.db, {
      secret: E2E_SESSION_SECRET,
    });
    const p = await openPage(browser);
    await p.context.addCookies([{ name: cookieName, value: cookieValue, url: app.url }]);
    const { page } = p;
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
        cspErrors.push(m.text());
    });

    const requests: TusRequest[] = [];
    const acknowledged: number[] = [];
    let headOffset: number | null = null;
    page.on('request', (r) => {
      if (!r.url().includes('/uploads/files')) return;
      const o = r.headers()['upload-offset'];
      requests.push({
        method: r.method(),
        url: r.url(),
        offset: o === undefined ? null : Number(o),
      });
    });
    page.on('response', (r) => {
      if (!r.url().includes('/uploads/files')) return;
      const method = r.request().method();
      const o = r.headers()['upload-offset'];
      if (method === 'PATCH' && r.status() === 204) acknowledged.push(Number(o));
      if (method === 'HEAD' && r.status() === 200) headOffset = Number(o);
    });

    // A slow uplink: 2 MiB/s, so a 5 MiB chunk takes a few seconds.
    const cdp = await p.context.newCDPSession(page);
    await cdp.send('Network.enable');
    const throttle = (uploadThroughput: number) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 20,
        downloadThroughput: -1,
        uploadThroughput,
      });
    await throttle(2 * MiB);

    await page.goto(`${app.url}/compte/fichiers`);
    await page.locator('.uppy-Dashboard-input').first().waitFor({ state: 'attached' });
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(file);

    await expect
      .poll(() => acknowledged.length, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);
    const firstAck = acknowledged[0]!;
    expect(firstAck).toBe(5 * MiB);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    // Reload in the middle of the upload; the user picks the same file again.
    await page.reload();
    requests.length = 0;
    headOffset = null;
    await page.locator('.uppy-Dashboard-input').first().waitFor({ state: 'attached' });
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(file);

    await expect
      .poll(() => requests.find((r) => r.method === 'PATCH'), { timeout: 60_000, interval: 100 })
      .toBeTruthy();
    const firstPatch = requests.find((r) => r.method === 'PATCH')!;
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0); // not a new upload
    expect(headOffset).not.toBeNull();
    expect(firstPatch.offset).toBe(headOffset);
    expect(firstPatch.offset).toBeGreaterThanOrEqual(firstAck);

    // Full speed to the end; the list then shows the file received and checked.
    await throttle(-1);
    const uploadId = firstPatch.url.split('/').pop()!;
    await expect
      .poll(
        async () =>
          (
            await app.database.db
              .selectFrom('upload')
              .select('status')
              .where('id', '=', uploadId)
              .executeTakeFirst()
          )?.status,
        { timeout: 90_000, interval: 250 },
      )
      .toBe('verified');
    await expect
      .poll(() => page.locator(`tr[data-upload-id="${uploadId}"]`).getAttribute('data-status'), {
        timeout: 15_000,
      })
      .toBe('verified');
    await expect
      .poll(() => page.locator(`tr[data-upload-id="${uploadId}"]`).textContent())
      .toContain('Vérifié');
    expect(cspErrors).toEqual([]); // Uppy's scripts and styles run under the CSP
    await p.assertAccessible();
    await p.close();
  });

  it('pauses, resumes at the server offset, and cancels (the upload is then deleted on the server)', async () => {
    const { cookieName, cookieValue } = await createUserWithSession(app.database.db, {
      secret: E2E_SESSION_SECRET,
    });
    const p = await openPage(browser);
    await p.context.addCookies([{ name: cookieName, value: cookieValue, url: app.url }]);
    const { page } = p;
    const requests: TusRequest[] = [];
    const acknowledged: number[] = [];
    let headOffset: number | null = null;
    page.on('request', (r) => {
      if (!r.url().includes('/uploads/files')) return;
      const o = r.headers()['upload-offset'];
      requests.push({
        method: r.method(),
        url: r.url(),
        offset: o === undefined ? null : Number(o),
      });
    });
    page.on('response', (r) => {
      if (!r.url().includes('/uploads/files')) return;
      if (r.request().method() === 'PATCH' && r.status() === 204)
        acknowledged.push(Number(r.headers()['upload-offset']));
      if (r.request().method() === 'HEAD' && r.status() === 200)
        headOffset = Number(r.headers()['upload-offset']);
    });
    const cdp = await p.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 2 * MiB,
    });

    await page.goto(`${app.url}/compte/fichiers`);
    await page.locator('.uppy-Dashboard-input').first().waitFor({ state: 'attached' });
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(file);
    await expect
      .poll(() => acknowledged.length, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);

    await page.locator('button[title="Mettre en pause"]').click();
    const patchesAtPause = requests.filter((r) => r.method === 'PATCH').length;
    await page.waitForTimeout(1_500);
    expect(requests.filter((r) => r.method === 'PATCH').length).toBe(patchesAtPause); // nothing sent while paused
    const uploadUrl = requests.find((r) => r.method === 'PATCH')!.url;
    const uploadId = uploadUrl.split('/').pop()!;
    const row = () =>
      app.database.db
        .selectFrom('upload')
        .selectAll()
        .where('id', '=', uploadId)
        .executeTakeFirst();
    expect((await row())!.status).toBe('uploading');

    const before = requests.length;
    await page.locator('button[title="Reprendre"]').click();
    await expect
      .poll(() => requests.slice(before).find((r) => r.method === 'PATCH'), {
        timeout: 30_000,
        interval: 100,
      })
      .toBeTruthy();
    const resumed = requests.slice(before).find((r) => r.method === 'PATCH')!;
    expect(resumed.offset).toBe(headOffset);
    expect(resumed.offset).toBeGreaterThanOrEqual(acknowledged[0]!);

    await page.locator('button[aria-label="Annuler"]').first().click();
    await expect
      .poll(() => requests.some((r) => r.method === 'DELETE' && r.url === uploadUrl), {
        timeout: 10_000,
      })
      .toBe(true);
    await expect.poll(async () => (await row()) === undefined, { timeout: 10_000 }).toBe(true);
    await p.close();
  });

  it('refuses, in French, a file type the chosen purpose does not accept', async () => {
    const { cookieName, cookieValue } = await createUserWithSession(app.database.db, {
      secret: E2E_SESSION_SECRET,
    });
    const p = await openPage(browser);
    await p.context.addCookies([{ name: cookieName, value: cookieValue, url: app.url }]);
    await p.page.goto(`${app.url}/compte/fichiers`);
    await p.page.getByLabel('Photo').check();
    await p.page.locator('.uppy-Dashboard-input').first().waitFor({ state: 'attached' });
    // A .csv is not a photo: Uppy itself refuses it before sending anything.
    const photo = path.join(dir, 'not-a-photo.csv');
    writeFileSync(photo, 'a;b\n');
    await p.page.locator('.uppy-Dashboard-input').first().setInputFiles(photo);
    await expect
      .poll(() => p.page.locator('.upload-widget').textContent(), { timeout: 10_000 })
      .toMatch(/Types acceptés : \.jpg, \.jpeg, \.png, \.webp/);
    expect(
      await app.database.db
        .selectFrom('upload')
        .select('id')
        .where('filename', '=', 'not-a-photo.csv')
        .execute(),
    ).toEqual([]);
    await p.close();
  });
});
