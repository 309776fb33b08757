// Guards in front of everything that needs PostgreSQL or free disk:
// - DatabaseAvailability follows whether PostgreSQL answers. It learns of an outage from the
//   pool (an idle connection killed by a server shutdown), from errors met by requests, and
//   from a cheap probe run at most once a second before a request is let through. While the
//   database is down every request but the operations endpoints gets a clean 503, and a
//   probe every PROBE_INTERVAL_MS notices the database's return: no restart needed.
// - The storage guard refuses writes to the storage directory (tus POST/PATCH) with 507
//   when less than STORAGE_MIN_FREE_BYTES is free under it (fs.statfs, cached 2 s).
import { statfs } from 'node:fs/promises';
import type express from 'express';
import type pg from 'pg';
import { isDatabaseUnavailable, unavailableResponse } from '../app/domain/operations/unavailable.server';
import type { Unavailability } from '../app/domain/operations/unavailable.server';
import type { Logger } from './logger';

const PROBE_INTERVAL_MS = 500;
const TRUST_MS = 1_000;
const PROBE_TIMEOUT_MS = 2_000;

/** Paths served without the database: liveness, readiness (says why), metrics, static files. */
const exempt = (p: string) => p === '/healthz' || p === '/readyz' || p === '/metrics' || p.startsWith('/assets/') || p === '/favicon.ico';

export class DatabaseAvailability {
  private up = true;
  private lastOkAt = 0;
  private probing: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  downSince: Date | undefined;

  constructor(
    private readonly pool: pg.Pool,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'database-availability' });
    pool.on('error', (e) => {
      if (isDatabaseUnavailable(e)) this.markDown(e);
    });
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Called with any error that means the database cannot be reached. */
  markDown(error: unknown): void {
    if (!this.up) return;
    this.up = false;
    this.downSince = new Date();
    this.log.error({ err: error }, 'database unreachable: answering 503 until it is back');
    this.scheduleProbe();
  }

  private scheduleProbe() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.probe().then((ok) => {
        if (!ok) this.scheduleProbe();
      });
    }, PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  /** One `select 1`; shared by every request that asks at the same time. */
  probe(): Promise<boolean> {
    this.probing ??= (async () => {
      let client: pg.PoolClient | undefined;
      try {
        let timedOut = false;
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => {
            timedOut = true;
            reject(new Error('connection timeout (probe)'));
          }, PROBE_TIMEOUT_MS).unref(),
        );
        const connecting = this.pool.connect();
        // A connection that arrives after the timeout goes back to the pool.
        connecting.then(
          (c) => {
            if (timedOut && c !== client) c.release();
          },
          () => {},
        );
        client = await Promise.race([connecting, timeout]);
        await Promise.race([client.query('select 1'), timeout]);
        client.release();
        client = undefined;
        this.lastOkAt = Date.now();
        if (!this.up) {
          this.log.info({ downForMs: Date.now() - (this.downSince?.getTime() ?? Date.now()) }, 'database reachable again');
          this.up = true;
          this.downSince = undefined;
        }
        return true;
      } catch (e) {
        client?.release(true);
        if (isDatabaseUnavailable(e)) this.markDown(e);
        else this.log.error({ err: e }, 'database probe failed');
        return !isDatabaseUnavailable(e);
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }

  /** Up, as far as a recent contact (or a probe made now) tells. */
  async check(): Promise<boolean> {
    if (!this.up) return false;
    if (Date.now() - this.lastOkAt < TRUST_MS) return true;
    return this.probe();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Sends a web Response through Express. */
async function send(res: express.Response, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((v, k) => res.setHeader(k, v));
  res.send(await response.text());
}

/** A web Request carrying what the answer's language and format depend on. */
export function probeRequest(req: express.Request): Request {
  const h = new Headers();
  for (const name of ['cookie', 'accept-language', 'accept'] as const) {
    const v = req.headers[name];
    if (v) h.set(name, String(v));
  }
  return new Request(new URL(req.originalUrl, 'http://localhost'), { headers: h });
}

export function sendUnavailable(req: express.Request, res: express.Response, why: Unavailability): Promise<void> {
  return unavailableResponse(probeRequest(req), why).then((r) => send(res, r));
}

/** 503 for every request (but the operations endpoints) while the database is down. */
export function databaseGuard(availability: DatabaseAvailability): express.RequestHandler {
  return (req, res, next) => {
    if (exempt(req.path)) return next();
    availability
      .check()
      .then((up) => (up ? next() : sendUnavailable(req, res, 'database')))
      .catch(next);
  };
}

/** Free bytes under a directory, cached for two seconds. */
export function freeSpaceOf(dir: string): () => Promise<number> {
  let cached: { at: number; free: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < 2_000) return cached.free;
    const s = await statfs(dir);
    cached = { at: Date.now(), free: Number(s.bavail) * Number(s.bsize) };
    return cached.free;
  };
}

/** 507 for writes of upload bytes when the storage directory's disk is nearly full. */
export function storageGuard(opts: { minFreeBytes: number; freeSpace: () => Promise<number>; logger: Logger }): express.RequestHandler {
  let warned = 0;
  return (req, res, next) => {
    if (opts.minFreeBytes <= 0 || (req.method !== 'POST' && req.method !== 'PATCH')) return next();
    opts
      .freeSpace()
      .then((free) => {
        if (free >= opts.minFreeBytes) return next();
        if (Date.now() - warned > 60_000) {
          warned = Date.now();
          opts.logger.error({ freeBytes: free, minFreeBytes: opts.minFreeBytes }, 'storage nearly full: refusing upload writes (507)');
        }
        return sendUnavailable(req, res, 'storage');
      })
      .catch(next);
  };
}
