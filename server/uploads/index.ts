// The tus endpoint (resumable uploads) at /uploads/files. Mounted once, before any body
// parser. Every request is authenticated here; each upload belongs to its creator; the
// limits of its purpose and the owner's quota are checked at creation, before any byte is
// stored; expiry counts from the last accepted PATCH (kept in the upload row).
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MemoryLocker, Server } from '@tus/server';
import type { Locker } from '@tus/utils';
import type express from 'express';
import type pg from 'pg';
import type { DB } from '#db/client';
import { authenticateUploadRequest } from '../../app/domain/uploads/upload-auth.server';
import type { UploadRequester } from '../../app/domain/uploads/upload-auth.server';
import {
  UploadRefusal,
  checkNewUpload,
  createUploadRecord,
  deleteUploadRecord,
  getOwnUpload,
  recordBytesReceived,
  recordUploadComplete,
} from '../../app/domain/uploads/uploads.server';
import { isStorageUnavailable } from '../../app/domain/storage/storage.server';
import type { UploadLimits } from '../../app/domain/uploads/uploads.schema';
import { getT } from '../../app/i18n/i18n.server';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { storageOf } from '../storage';
import { PostgresLocker } from './pg-locker';

export const UPLOADS_PATH = '/uploads/files';

export interface UploadsDeps {
  config: Config;
  db: DB;
  pool: pg.Pool;
  logger: Logger;
}

export function uploadLimits(config: Config): UploadLimits {
  return {
    maxBytes: { dataset: config.UPLOAD_DATASET_MAX_BYTES, photo: config.UPLOAD_PHOTO_MAX_BYTES },
    quotaBytes: config.UPLOAD_QUOTA_BYTES,
    expiryMs: config.UPLOAD_EXPIRY_HOURS * 3_600_000,
  };
}

/** The web Request @tus/server hands its hooks carries the Node request it came from. */
type TusRequest = Request & { runtime?: { node?: { req: IncomingMessage; res: ServerResponse } } };
const nodeOf = (req: Request) => (req as TusRequest).runtime?.node;

/** A request-like object for choosing the message language (?lng, cookie, Accept-Language). */
function languageProbe(url: string, headers: IncomingMessage['headers']): Request {
  const h = new Headers();
  if (headers.cookie) h.set('cookie', headers.cookie);
  if (headers['accept-language']) h.set('accept-language', String(headers['accept-language']));
  return new Request(new URL(url, 'http://localhost'), { headers: h });
}

async function refusalMessage(
  probe: Request,
  refusal: UploadRefusal,
  limits: UploadLimits,
): Promise<string> {
  const t = await getT(probe, 'uploads');
  return `${t(`refusal.${refusal.code}`, { ...refusal.params, hours: Math.round(limits.expiryMs / 3_600_000) })}\n`;
}

export function mountUploads(
  app: express.Express,
  deps: UploadsDeps,
): { server: Server; locker: Locker } {
  const { config, db, logger } = deps;
  const log = logger.child({ component: 'uploads' });
  const limits = uploadLimits(config);
  const secret = config.SESSION_SECRET ?? '';
  // The bytes go to the configured storage (a directory or an S3-compatible store); the
  // upload row follows every write (offset, expiry) and goes with the bytes.
  const storage = storageOf(config, db);
  const store = storage.createTusStore({
    bytesReceived: (id, offset) => recordBytesReceived(db, id, offset, limits.expiryMs),
    removed: (id) => deleteUploadRecord(db, id),
  });
  const locker: Locker =
    config.UPLOAD_LOCKER === 'postgres'
      ? new PostgresLocker({ connection: deps.pool.options })
      : new MemoryLocker();
  const requesters = new WeakMap<IncomingMessage, UploadRequester>();

  const requesterOf = (req: Request): UploadRequester => {
    const node = nodeOf(req);
    const who = node && requesters.get(node.req);
    if (!who) throw new UploadRefusal('unauthenticated');
    return who;
  };
  const setHeader = (req: Request, name: string, value: string) => {
    const res = nodeOf(req)?.res;
    if (res && !res.headersSent) res.setHeader(name, value);
  };

  const tus = new Server({
    path: UPLOADS_PATH,
    datastore: store,
    locker,
    relativeLocation: true,
    // A finished upload belongs to what was made of it (a contribution); it is not the client's to delete.
    disableTerminationForFinishedUploads: true,
    namingFunction: () => randomBytes(16).toString('hex'),
    async onIncomingRequest(req, id) {
      const who = requesterOf(req);
      if (req.method === 'POST') return; // creation is checked in onUploadCreate
      try {
        const row = await getOwnUpload(db, id, who.id);
        if (row.status === 'uploading') {
          const expires =
            req.method === 'PATCH' ? new Date(Date.now() + limits.expiryMs) : row.expires_at;
          setHeader(req, 'Upload-Expires', expires.toUTCString());
        }
      } catch (e) {
        if (e instanceof UploadRefusal && e.code === 'expired') {
          const row = await db
            .selectFrom('upload')
            .select('expires_at')
            .where('id', '=', id)
            .executeTakeFirst();
          if (row) setHeader(req, 'Upload-Expires', row.expires_at.toUTCString());
        }
        throw e;
      }
    },
    async onUploadCreate(req, upload) {
      const who = requesterOf(req);
      const checked = checkNewUpload(
        { metadata: upload.metadata ?? {}, declaredSize: upload.size },
        limits,
      );
      const row = await createUploadRecord(
        db,
        { ...checked, id: upload.id, ownerId: who.id, storageKey: storage.tusKey(upload.id) },
        limits,
      );
      setHeader(req, 'Upload-Expires', row.expires_at.toUTCString());
      return {};
    },
    async onUploadFinish(_req, upload) {
      // Only record and enqueue: the checks run in the background (process_upload).
      await recordUploadComplete(db, upload.id, upload.offset);
      return {};
    },
    async onResponseError(req, err) {
      if (err instanceof UploadRefusal) {
        const node = nodeOf(req);
        const probe = node
          ? languageProbe(node.req.url ?? '/', node.req.headers)
          : new Request(req.url, { headers: req.headers });
        return { status_code: err.status, body: await refusalMessage(probe, err, limits) };
      }
      // The store does not answer: 503, which tus clients retry; they resume from the offset
      // the store has once it is back.
      if (isStorageUnavailable(err)) {
        log.warn({ err: (err as Error).message }, 'storage unavailable during an upload request');
        setHeader(req, 'Retry-After', '5');
        const node = nodeOf(req);
        const probe = node
          ? languageProbe(node.req.url ?? '/', node.req.headers)
          : new Request(req.url, { headers: req.headers });
        const t = await getT(probe, 'uploads');
        return { status_code: 503, body: `${t('refusal.storageUnavailable')}\n` };
      }
      if (!('status_code' in err)) log.error({ err }, 'upload request failed');
      return undefined;
    },
  });

  // Authentication first (so an anonymous request is a 401 whatever else is wrong with it).
  const authenticate: express.RequestHandler = (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    authenticateUploadRequest(db, secret, {
      cookie: req.headers.cookie,
      authorization: req.headers.authorization,
    })
      .then(async (who) => {
        if (!(who instanceof UploadRefusal)) {
          requesters.set(req, who);
          return next();
        }
        const body = await refusalMessage(languageProbe(req.originalUrl, req.headers), who, limits);
        res
          .status(who.status)
          .set({ 'Tus-Resumable': '1.0.0', 'Cache-Control': 'no-store' })
          .type('text/plain')
          .send(body);
      })
      .catch(next);
  };
  const handle: express.RequestHandler = (req, res, next) => {
    tus.handle(req, res).catch(next);
  };
  app.all([UPLOADS_PATH, `${UPLOADS_PATH}/:id`], authenticate, handle);

  if (config.UPLOAD_BENCH_BASELINE) mountBenchBaseline(app, deps, authenticate);
  return { server: tus, locker };
}

/**
 * Benchmarks only (UPLOAD_BENCH_BASELINE=1): a plain PUT streamed to disk by the same server,
 * with the same authentication, as the baseline the tus endpoint is measured against.
 */
function mountBenchBaseline(
  app: express.Express,
  deps: UploadsDeps,
  authenticate: express.RequestHandler,
) {
  const dir = path.join(deps.config.uploadsDir, 'bench-baseline');
  app.put('/uploads/bench-baseline/:name', authenticate, (req, res, next) => {
    const name = String(req.params.name).replace(/[^A-Za-z0-9_-]/g, '');
    const file = path.join(dir, name || 'file');
    mkdir(dir, { recursive: true })
      .then(() => pipeline(req, createWriteStream(file)))
      .then(() => res.status(204).end())
      .catch(next);
  });
}
