// `npm start`: parse the configuration, open (or start) PostgreSQL and migrate it, seed the
// demo data when appropriate, build the app if needed, serve it, run the worker, and shut
// all of it down gracefully on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { ServerBuild } from '@remix-run/node';
import { databaseIsEmpty, seedDemoData, seedReferenceData } from '../db/seed';
import { ConfigError, parseConfig } from './config';
import type { Config } from './config';
import { buildDirectory, createApp } from './app';
import { openDatabase } from './database';
import { buildTaskList, crontab } from './jobs/index';
import { logger } from './logger';
import { storageOf, verifyStorageAtStart } from './storage';
import { startWorker } from './worker';
import type { WorkerHandle } from './worker';

function loadConfig(): Config {
  try {
    return parseConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the production bundle when it is missing or older than the sources. */
function buildIfNeeded() {
  const serverBuild = path.join(buildDirectory(), 'server/index.js');
  const stale =
    !existsSync(serverBuild) ||
    Math.max(newestMtime(path.resolve('app')), statSync('vite.config.ts').mtimeMs, statSync('remix.config.js').mtimeMs) >
      statSync(serverBuild).mtimeMs;
  if (!stale) return;
  logger.info('building the app (remix vite:build)…');
  const r = spawnSync(path.resolve('node_modules/.bin/remix'), ['vite:build'], { stdio: 'inherit' });
  if (r.status !== 0) {
    logger.fatal('build failed');
    process.exit(1);
  }
}

/** The embedded default keeps a generated session secret in DATA_DIR, made once. */
function sessionSecret(config: Config): string {
  if (config.SESSION_SECRET) return config.SESSION_SECRET;
  const file = path.join(config.dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (config.DATABASE_URL && config.NODE_ENV === 'production')
    logger.warn('SESSION_SECRET is not set: generating one in DATA_DIR; set it when running several instances');
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function main() {
  const config = loadConfig();
  logger.level = config.LOG_LEVEL;
  const dev = config.NODE_ENV === 'development';
  config.SESSION_SECRET = sessionSecret(config);
  if (!dev && process.env.BUILD_ON_START !== 'off') buildIfNeeded();

  const database = await openDatabase(config, (m) => logger.info(m));
  if (database.migrated.length) logger.info({ migrations: database.migrated }, 'migrations applied');
  // Credentials the object store refuses stop the start here, naming the setting.
  await verifyStorageAtStart(storageOf(config, database.db), logger);

  await seedReferenceData(database.db);
  const seed = config.SEED_DEMO ?? (database.embedded && (await databaseIsEmpty(database.db)));
  if (seed) {
    await seedDemoData(database.db, { storage: storageOf(config, database.db) });
    logger.info('demo data seeded');
  }

  let worker: WorkerHandle | undefined;
  if (config.WORKER === 'on') {
    worker = await startWorker({
      db: database.db,
      pool: database.pool,
      databaseUrl: database.url,
      taskList: buildTaskList({ db: database.db, config, logger }),
      concurrency: config.WORKER_CONCURRENCY,
      sweepIntervalMs: config.WORKER_SWEEP_INTERVAL_MS,
      logger,
      crontab,
    });
  }

  let build: ServerBuild | (() => Promise<ServerBuild>);
  let viteMiddleware;
  let closeVite: (() => Promise<void>) | undefined;
  if (dev) {
    const vite = await import('vite');
    const server = await vite.createServer({ server: { middlewareMode: true } });
    viteMiddleware = server.middlewares;
    build = () => server.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>;
    closeVite = () => server.close();
  } else {
    build = (await import(path.join(buildDirectory(), 'server/index.js'))) as ServerBuild;
  }

  let shuttingDown = false;
  const app = createApp({
    config,
    db: database.db,
    pool: database.pool,
    logger,
    build,
    viteMiddleware,
    isShuttingDown: () => shuttingDown,
  });
  const server = app.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    logger.info(`terridata listening on http://localhost:${port}`);
  });
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function shutdown(signal: string) {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down');
    const forced = setTimeout(() => {
      logger.warn({ open: sockets.size }, 'shutdown timeout: closing remaining connections');
      for (const s of sockets) s.destroy();
    }, config.SHUTDOWN_TIMEOUT_MS);
    forced.unref();
    // Stop accepting; idle keep-alive connections close now, busy ones after their response.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    clearTimeout(forced);
    await worker?.stop().catch((e) => logger.error({ err: e }, 'worker stop failed'));
    await closeVite?.();
    await database.close().catch((e) => logger.error({ err: e }, 'database close failed'));
    logger.info('stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e) => {
  logger.fatal({ err: e }, 'start failed');
  process.exit(1);
});
