// The real HTTP server for integration tests: the production build, served in-process by
// the same Express app as `npm start`, on a free port, against a test database.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ServerBuild } from '@remix-run/node';
import type pg from 'pg';
import type { DB } from '../../db/client';
import { buildDirectory, createApp } from '../../server/app';
import { parseConfig } from '../../server/config';
import { logger } from '../../server/logger';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(opts: {
  db: DB;
  pool: pg.Pool;
  env?: Record<string, string>;
}): Promise<TestServer> {
  const buildFile = path.join(buildDirectory(), 'server/index.js');
  if (!existsSync(buildFile)) throw new Error('No production build: run `npm run build` first (npm test does).');
  const build = (await import(/* @vite-ignore */ buildFile)) as ServerBuild;
  const config = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://unused/db',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    WORKER: 'off',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  logger.level = 'silent';
  const app = createApp({ config, db: opts.db, pool: opts.pool, logger, build });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
