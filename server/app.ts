// The HTTP application: security baseline, operations endpoints, the tus endpoint and the
// Remix request handler. No business rules here.
import path from 'node:path';
// The Express adapter's two halves, so that an answer can be looked at before it is sent.
import { createRemixRequest, sendRemixResponse } from '@remix-run/express/dist/server.js';
import { createRequestHandler } from '@remix-run/node';
import type { AppLoadContext, ServerBuild } from '@remix-run/node';
import express from 'express';
import type pg from 'pg';
import { sql } from 'kysely';
import type { AppContext } from '../app/context';
import { uploadSettingsFor } from '../app/domain/uploads/upload-settings.server';
import type { DB } from '../db/client';
import { pendingMigrations } from '../db/migrate';
import { unavailableResponse } from '../app/domain/operations/unavailable.server';
import { DatabaseAvailability, databaseGuard, freeSpaceOf, probeRequest, storageGuard } from './availability';
import type { Config } from './config';
import type { Logger } from './logger';
import { createMetrics } from './metrics';
import { csrfOriginCheck, refuseCredentialsInUrl, securityHeaders } from './security';
import { storageOf } from './storage';
import { UPLOADS_PATH, mountUploads, uploadLimits } from './uploads/index';

/** Where `remix vite:build` wrote the app (REMIX_BUILD_DIR, default build/). */
export const buildDirectory = () => path.resolve(process.env.REMIX_BUILD_DIR || 'build');

export interface AppDeps {
  config: Config;
  db: DB;
  pool: pg.Pool;
  logger: Logger;
  /** The Remix server build, or a function returning it (Vite dev server). */
  build: ServerBuild | (() => Promise<ServerBuild>);
  /** Vite's dev middleware in development. */
  viteMiddleware?: express.RequestHandler;
  isShuttingDown?: () => boolean;
  /** Follows whether PostgreSQL answers (made here when not given). */
  availability?: DatabaseAvailability;
}

export function createApp(deps: AppDeps): express.Express {
  const { config, db, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  const availability = deps.availability ?? new DatabaseAvailability(deps.pool, logger);
  const freeSpace = freeSpaceOf(config.uploadsDir);
  const metrics = createMetrics({
    db,
    pool: deps.pool,
    logger,
    build: deps.build,
    uploadsPath: UPLOADS_PATH,
    databaseUp: () => availability.isUp,
    freeStorageBytes: freeSpace,
    token: config.METRICS_TOKEN,
  });
  app.use(metrics.middleware);
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info({ method: req.method, url: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    if (deps.isShuttingDown?.()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(securityHeaders({ development: config.NODE_ENV === 'development' }));
  app.use(refuseCredentialsInUrl());

  app.get('/healthz', (_req, res) => {
    res.status(deps.isShuttingDown?.() ? 503 : 200).json({ status: deps.isShuttingDown?.() ? 'stopping' : 'ok' });
  });
  const objectStorage = storageOf(config, db);
  app.get('/readyz', async (_req, res) => {
    // The configured storage (directory writable, or the object store answering), with the reason when not.
    const storageError = await objectStorage.check().then(
      () => undefined,
      (e: Error) => e.message,
    );
    const storage = storageError ? 'unavailable' : 'ok';
    try {
      await sql`select 1`.execute(db);
      const pending = await pendingMigrations(deps.pool);
      const ready = pending.length === 0 && storage === 'ok' && !deps.isShuttingDown?.();
      res.status(ready ? 200 : 503).json({ database: 'ok', storage, storageError, pendingMigrations: pending, ready });
    } catch (e) {
      res.status(503).json({ database: 'unreachable', storage, storageError, error: (e as Error).message, ready: false });
    }
  });

  app.get('/metrics', metrics.handler);

  // While PostgreSQL is unreachable: a clean 503 for everything that needs it.
  app.use(databaseGuard(availability));
  app.use(csrfOriginCheck({ publicUrl: config.PUBLIC_URL }));
  app.use(UPLOADS_PATH, storageGuard({ minFreeBytes: config.STORAGE_MIN_FREE_BYTES, freeSpace, logger }));

  // Mount points for features with their own HTTP protocol (tus uploads) go here, before
  // any body parser.
  mountUploads(app, deps);

  if (deps.viteMiddleware) {
    app.use(deps.viteMiddleware);
  } else {
    const client = path.resolve(buildDirectory(), 'client');
    app.use('/assets', express.static(path.join(client, 'assets'), { immutable: true, maxAge: '1y' }));
    app.use(express.static(client, { maxAge: '1h' }));
  }

  const publicConfig: AppContext['config'] = {
    production: config.NODE_ENV === 'production',
    publicUrl: config.PUBLIC_URL,
    uploadsDir: config.uploadsDir,
    dataDir: config.dataDir,
    smtpConfigured: Boolean(config.SMTP_URL),
    mailFrom: config.MAIL_FROM,
    sessionSecret: config.SESSION_SECRET ?? '',
    moderationOverdueDays: config.MODERATION_OVERDUE_DAYS,
  };
  const uploadSettings = uploadSettingsFor({ endpoint: UPLOADS_PATH, chunkBytes: config.UPLOAD_CHUNK_BYTES, limits: uploadLimits(config) });
  const handleRemix = createRequestHandler(deps.build, config.NODE_ENV === 'development' ? 'development' : 'production');
  app.all('*', async (req, res, next) => {
    try {
      let outage = false;
      const context: AppLoadContext = {
        db,
        storage: objectStorage,
        config: publicConfig,
        cspNonce: res.locals.cspNonce as string,
        clientIp: req.ip ?? '',
        uploadSettings,
        reportDatabaseUnavailable: (e: unknown) => {
          outage = true;
          availability.markDown(e);
        },
      };
      let response = await handleRemix(createRemixRequest(req, res), context);
      // A request already running when PostgreSQL went away fails inside its loader or
      // action; whatever route it was (an API route's error answer cannot be changed from
      // the route), it gets the same clean 503 as the requests that follow, not a 500.
      if (response.status >= 500 && (outage || !availability.isUp)) {
        response = await unavailableResponse(probeRequest(req), 'database');
      }
      await sendRemixResponse(res, response);
    } catch (error) {
      next(error);
    }
  });
  return app;
}
