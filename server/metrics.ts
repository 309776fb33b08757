// GET /metrics in Prometheus text format (prom-client). Per process: HTTP requests by route
// pattern and status with their durations, upload PATCH/POST requests in flight and bytes
// received, database pool use, free storage, database up; read from PostgreSQL at each
// scrape (the same on every instance): uploads in progress, jobs queued / running /
// failed by task.
import { timingSafeEqual } from 'node:crypto';
import type { ServerBuild } from '@remix-run/node';
import type express from 'express';
import { sql } from 'kysely';
import client from 'prom-client';
import type pg from 'pg';
import type { DB } from '../db/client';
import type { Logger } from './logger';

export interface MetricsDeps {
  db: DB;
  pool: pg.Pool;
  logger: Logger;
  /** Remix routes, to label requests by route pattern (not by URL). */
  build: ServerBuild | (() => Promise<ServerBuild>);
  uploadsPath: string;
  databaseUp: () => boolean;
  freeStorageBytes: () => Promise<number>;
  token?: string;
}

interface RoutePattern {
  pattern: string;
  segments: string[];
  score: number;
  index: boolean;
}

/** Full path patterns of the Remix routes, best first ("/datasets/:slug"). */
export function routePatterns(build: ServerBuild): RoutePattern[] {
  const routes = build.routes;
  const fullPath = (id: string | undefined): string[] => {
    if (!id) return [];
    const r = routes[id];
    if (!r) return [];
    return [...fullPath(r.parentId), ...(r.path ? r.path.split('/').filter(Boolean) : [])];
  };
  const out: RoutePattern[] = [];
  for (const r of Object.values(routes)) {
    if (!r) continue;
    const segments = fullPath(r.id);
    const score = segments.reduce((s, seg) => s + (seg === '*' ? 1 : seg.startsWith(':') ? 3 : 10), 0);
    out.push({ pattern: `/${segments.join('/')}`, segments, score, index: Boolean(r.index) });
  }
  return out.sort((a, b) => b.score - a.score || b.segments.length - a.segments.length || Number(b.index) - Number(a.index));
}

export function matchRoute(patterns: RoutePattern[], pathname: string): string | undefined {
  const parts = pathname.split('/').filter(Boolean);
  for (const p of patterns) {
    const last = p.segments[p.segments.length - 1];
    const splat = last === '*';
    const fixed = splat ? p.segments.slice(0, -1) : p.segments;
    if (splat ? parts.length < fixed.length : parts.length !== fixed.length) continue;
    let ok = true;
    for (let i = 0; i < fixed.length && ok; i++) {
      const seg = fixed[i]!;
      if (seg.startsWith(':')) continue;
      let part = parts[i]!;
      try {
        part = decodeURIComponent(part);
      } catch {
        /* keep as sent */
      }
      ok = seg === part;
    }
    if (ok) return p.pattern;
  }
  return undefined;
}

/** Reads the Upload-Offset a tus response is about to send (srvx writes raw header lists). */
function uploadOffsetOf(headers: unknown): number | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (Array.isArray(headers)) {
    const flat: unknown[] = Array.isArray(headers[0]) ? (headers as unknown[][]).flat() : headers;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (String(flat[i]).toLowerCase() === 'upload-offset') return Number(flat[i + 1]);
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'upload-offset') return Number(v);
  return undefined;
}

export interface Metrics {
  registry: client.Registry;
  /** Counts and times every request; mount first. */
  middleware: express.RequestHandler;
  /** GET /metrics. */
  handler: express.RequestHandler;
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const log = deps.logger.child({ component: 'metrics' });

  const requests = new client.Counter({
    name: 'terridata_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new client.Histogram({
    name: 'terridata_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const uploadRequests = new client.Gauge({
    name: 'terridata_upload_requests_in_flight',
    help: 'tus requests writing upload bytes (PATCH, POST with data) being served by this process.',
    registers: [registry],
  });
  const uploadBytes = new client.Counter({
    name: 'terridata_upload_bytes_received_total',
    help: 'Upload bytes received and stored by this process (sum of Upload-Offset advances).',
    registers: [registry],
  });
  new client.Gauge({
    name: 'terridata_uploads_in_progress',
    help: 'Uploads started and not yet finished nor expired (all instances).',
    registers: [registry],
    async collect() {
      try {
        const r = await deps.db
          .selectFrom('upload')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'uploading')
          .where('expires_at', '>', new Date())
          .executeTakeFirstOrThrow();
        this.set(Number(r.n));
      } catch (e) {
        log.debug({ err: e }, 'uploads gauge not collected');
      }
    },
  });
  new client.Gauge({
    name: 'terridata_jobs',
    help: 'Background jobs by task and state (queued: waiting to run; running: locked by a worker; retrying: failed, will run again; failed: out of attempts). All instances.',
    labelNames: ['task', 'state'] as const,
    registers: [registry],
    async collect() {
      try {
        const { rows } = await sql<{ task: string; state: string; n: number }>`
          select t.identifier as task,
                 case when j.locked_at is not null then 'running'
                      when j.attempts >= j.max_attempts then 'failed'
                      when j.attempts > 0 then 'retrying'
                      else 'queued' end as state,
                 count(*)::int as n
          from graphile_worker._private_jobs j
          join graphile_worker._private_tasks t on t.id = j.task_id
          group by 1, 2`.execute(deps.db);
        this.reset();
        for (const task of new Set(rows.map((r) => r.task)))
          for (const state of ['queued', 'running', 'retrying', 'failed']) this.set({ task, state }, 0);
        for (const r of rows) this.set({ task: r.task, state: r.state }, r.n);
      } catch (e) {
        log.debug({ err: e }, 'jobs gauge not collected');
      }
    },
  });
  new client.Gauge({
    name: 'terridata_db_pool_connections',
    help: 'Database pool of this process: connections open (total), idle, and requests waiting for one (waiting); max is the pool size.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, deps.pool.totalCount);
      this.set({ state: 'idle' }, deps.pool.idleCount);
      this.set({ state: 'waiting' }, deps.pool.waitingCount);
      this.set({ state: 'max' }, deps.pool.options.max ?? 10);
    },
  });
  new client.Gauge({
    name: 'terridata_database_up',
    help: '1 while PostgreSQL answers this process, 0 during an outage.',
    registers: [registry],
    collect() {
      this.set(deps.databaseUp() ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'terridata_storage_free_bytes',
    help: 'Free bytes on the filesystem of the storage directory (UPLOADS_DIR).',
    registers: [registry],
    async collect() {
      try {
        this.set(await deps.freeStorageBytes());
      } catch (e) {
        log.debug({ err: e }, 'storage gauge not collected');
      }
    },
  });

  let patterns: RoutePattern[] | undefined;
  if (typeof deps.build !== 'function') patterns = routePatterns(deps.build);
  const uploadsPattern = new RegExp(`^${deps.uploadsPath}(/[^/]+)?/?$`);

  /** The route pattern of a path (taken when the request comes in: mounted middleware rewrites req.path). */
  const routeOf = (p: string): string => {
    if (p === '/healthz' || p === '/readyz' || p === '/metrics') return p;
    const tus = uploadsPattern.exec(p);
    if (tus) return tus[1] ? `${deps.uploadsPath}/:id` : deps.uploadsPath;
    if (p.startsWith('/assets/')) return '/assets/*';
    if (!patterns) return 'remix';
    return matchRoute(patterns, p) ?? 'unmatched';
  };

  const middleware: express.RequestHandler = (req, res, next) => {
    const end = durations.startTimer();
    const requestPath = req.path;
    const writesBytes = (req.method === 'PATCH' || req.method === 'POST') && uploadsPattern.test(requestPath);
    if (writesBytes) {
      uploadRequests.inc();
      const from = Number(req.headers['upload-offset'] ?? 0);
      const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => express.Response;
      (res as unknown as { writeHead: (...a: unknown[]) => express.Response }).writeHead = (...args: unknown[]) => {
        const to = uploadOffsetOf(args.find((a, i) => i > 0 && typeof a === 'object'));
        if (to !== undefined && Number.isFinite(to) && to > from) uploadBytes.inc(to - from);
        return writeHead(...args);
      };
    }
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (writesBytes) uploadRequests.dec();
      const labels = { method: req.method, route: routeOf(requestPath), status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };

  const handler: express.RequestHandler = (req, res, next) => {
    if (deps.token) {
      const given = Buffer.from(String(req.headers.authorization ?? ''));
      const wanted = Buffer.from(`Bearer ${deps.token}`);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
        res.status(401).set('WWW-Authenticate', 'Bearer').type('text/plain').send('metrics: bearer token required\n');
        return;
      }
    }
    registry
      .metrics()
      .then((text) => {
        res.set('Content-Type', registry.contentType).set('Cache-Control', 'no-store').send(text);
      })
      .catch(next);
  };

  return { registry, middleware, handler };
}
