// End-to-end harness: the production build served by `server/start.ts` as a real child
// process (web + worker), on a fresh test database with the demo data, and Chromium.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { createTestDatabase } from '../../support/db';
import type { TestDatabase } from '../../support/db';
import { freePort, spawnNode, waitForHttp } from '../../support/process';
import type { Child } from '../../support/process';
import { checkA11y } from './a11y';

export const E2E_SESSION_SECRET = 'e2e-secret-e2e-secret-e2e-secret-012345';

export interface E2EApp {
  url: string;
  database: TestDatabase;
  server: Child;
  uploadsDir: string;
  stop(): Promise<void>;
}

/** Starts the real server (as `npm start` would) against a fresh, seeded database. */
export async function startApp(env: Record<string, string> = {}): Promise<E2EApp> {
  const database = await createTestDatabase();
  const port = await freePort();
  const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-e2e-uploads-'));
  const server = spawnNode('server/start.ts', {
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    SEED_DEMO: '1',
    SESSION_SECRET: E2E_SESSION_SECRET,
    UPLOADS_DIR: uploadsDir,
    WORKER_SWEEP_INTERVAL_MS: '1000',
    LOG_LEVEL: 'warn',
    // npm test builds first; a stale build here means sources changed under a running test.
    BUILD_ON_START: 'off',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    // The first start seeds the demo (catalogue, observations): slow on a busy machine.
    await waitForHttp(`${url}/healthz`, 150_000);
  } catch (e) {
    server.proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${server.output()}`);
  }
  return {
    url,
    database,
    server,
    uploadsDir,
    async stop() {
      server.proc.kill('SIGTERM');
      await Promise.race([server.exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
      await database.close();
      rmSync(uploadsDir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface CheckedPage {
  page: Page;
  context: BrowserContext;
  /** Serious or critical accessibility violations found on every page loaded so far. */
  violations: string[];
  /** Checks the current page now and waits for all checks; throws on violations. */
  assertAccessible(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A page whose every load is checked with axe-core: each `load` event queues a check, and
 * `assertAccessible()` (call it at the end of each test) checks the current page once more and
 * fails on serious violations.
 */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<CheckedPage> {
  const context = await browser.newContext({ locale: 'fr-FR', ...options });
  const page = await context.newPage();
  const violations: string[] = [];
  const pending: Promise<void>[] = [];
  const run = async () => {
    const url = page.url();
    try {
      const found = await checkA11y(page);
      violations.push(...found.map((v) => `${url}: ${v}`));
    } catch {
      // The page navigated away during the check; its successor gets its own check.
    }
  };
  page.on('load', () => pending.push(run()));
  return {
    page,
    context,
    violations,
    async assertAccessible() {
      await page.waitForLoadState('load');
      await Promise.all(pending);
      // Always check the page as it is now too: scripts may have changed it after its load.
      await run();
      if (violations.length) throw new Error(`Accessibility violations:\n${violations.join('\n')}`);
    },
    close: () => context.close(),
  };
}
