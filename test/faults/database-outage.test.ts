// PostgreSQL stops for 10 s and starts again while the app keeps serving: requests during
// the outage get a clean 503 (an error page for people, problem+json for programs and the
// tus endpoint), and the same process serves 200s again afterwards, worker included.
// The database is a private embedded cluster owned by this test, never the shared server.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, withDatabase } from '../../db/client';
import type { DB } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import type { EmbeddedDatabase } from '../../db/embedded';
import { ensureDatabase } from '../../db/migrate';
import { killAll, startInstance, waitUntil } from './support';
import type { Instance } from './support';

let root: string;
let embedded: EmbeddedDatabase | undefined;
let app: Instance;
let dbUrl: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'td-faults-pg-'));
  chmodSync(root, 0o755); // run as root, PostgreSQL runs as `postgres` and must reach its directory
  embedded = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg-owned-by-test') });
  await ensureDatabase(embedded.url, 'terridata');
  dbUrl = withDatabase(embedded.url, 'terridata');
  app = await startInstance({
    databaseUrl: dbUrl,
    root,
    name: 'app',
    // One process, web and worker, as `npm start` runs by default.
    env: { WORKER: 'on', WORKER_TEST_TASKS: '1', WORKER_SWEEP_INTERVAL_MS: '1000' },
  });
}, 180_000);

afterAll(async () => {
  await killAll();
  await embedded?.stop().catch(() => {});
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Probe {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** What a good answer is once the database is there. */
  okStatus: number;
  /** The media type of the 503. */
  outageType: RegExp;
}

const probes: Probe[] = [
  { path: '/datasets', okStatus: 200, outageType: /^text\/html/ },
  { path: '/api/v1/datasets', okStatus: 200, outageType: /^application\/problem\+json/ },
  { path: '/connexion', okStatus: 200, outageType: /^text\/html/ },
  {
    path: '/uploads/files',
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' },
    okStatus: 401, // no session: the normal answer once the database can tell
    outageType: /^application\/problem\+json/,
  },
];

interface Seen {
  start: number;
  at: number;
  path: string;
  status: number;
  type: string;
  body: string;
}

async function hit(p: Probe): Promise<Seen> {
  const start = Date.now();
  const res = await fetch(`${app.url}${p.path}`, {
    method: p.method ?? 'GET',
    headers: { Origin: app.url, ...p.headers },
    signal: AbortSignal.timeout(15_000),
  });
  return { start, at: Date.now(), path: p.path, status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('PostgreSQL stopped for 10 s while the app serves', () => {
  it('answers 503 during the outage, 200 after it, without a restart of the app', async () => {
    for (const p of probes) expect((await hit(p)).status).toBe(p.okStatus);
    const pid = app.child.proc.pid;

    // Requests keep coming, one after another, all along.
    const seen: Seen[] = [];
    let running = true;
    const traffic = (async () => {
      while (running) {
        for (const p of probes) seen.push(await hit(p));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));

    const stoppedAt = Date.now();
    await embedded!.stop();
    const down = Date.now();
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() - stoppedAt)));
    const restartAt = Date.now();
    embedded = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg-owned-by-test'), port: embedded!.port });
    const up = Date.now();

    // Back to normal by itself.
    await waitUntil(async () => seen.filter((s) => s.at > up).length >= probes.length * 3 && seen.slice(-probes.length).every((s) => s.status === probes.find((p) => p.path === s.path)!.okStatus), 30_000, 'recovery');
    const recoveredAt = Math.min(...seen.filter((s) => s.at > up && s.status !== 503).map((s) => s.at));
    running = false;
    await traffic;

    // During the outage: 503 only, in the right form.
    const during = seen.filter((s) => s.at > down + 200 && s.at < restartAt);
    expect(during.length).toBeGreaterThan(10);
    for (const s of during) {
      expect(s.status, `${s.path}: ${s.body.slice(0, 200)}`).toBe(503);
      expect(s.type).toMatch(probes.find((p) => p.path === s.path)!.outageType);
    }
    const page = during.find((s) => s.path === '/datasets')!;
    expect(page.body).toContain('Service momentanément indisponible');
    const problem = JSON.parse(during.find((s) => s.path === '/api/v1/datasets')!.body) as { status: number; title: string };
    expect(problem).toMatchObject({ status: 503, title: 'Service momentanément indisponible' });
    // Never a 500 or a dropped connection for a request made once PostgreSQL is down, nor
    // after, nor for one already inside its loader at the instant PostgreSQL shut down.
    for (const s of seen.filter((x) => x.start >= down)) expect([200, 401, 503], `${s.path} at +${s.at - stoppedAt} ms`).toContain(s.status);
    const inFlightAtStop = seen.filter((x) => x.start < down && x.at >= stoppedAt);
    for (const s of inFlightAtStop) expect([200, 401, 503], `${s.path} in flight at the stop`).toContain(s.status);
    for (const s of seen.filter((x) => x.at < stoppedAt)) expect(s.status).toBe(probes.find((p) => p.path === s.path)!.okStatus);
    expect(recoveredAt - up).toBeLessThan(10_000);

    // Same process all along, and its worker runs jobs again.
    expect(app.child.proc.pid).toBe(pid);
    expect(app.child.proc.exitCode).toBeNull();
    const { db, pool } = createDb(dbUrl, 2);
    try {
      await probeJobRuns(db);
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/^terridata_database_up 1$/m);
      expect(metrics).toMatch(/^terridata_http_requests_total\{method="GET",route="\/datasets",status="503"\} [1-9]/m);
    } finally {
      await pool.end();
    }
    expect(app.child.output()).toMatch(/database reachable again/);
    expect(app.child.output()).toMatch(/worker liveness lock held again/);
  }, 120_000);
});

async function probeJobRuns(db: DB) {
  await sql`create table if not exists test_probe_started (name text, worker text, at timestamptz default now())`.execute(db);
  await sql`create table if not exists test_probe_done (name text, worker text, at timestamptz default now())`.execute(db);
  await sql`select graphile_worker.add_job('test_probe', json_build_object('name', 'after-outage'))`.execute(db);
  await waitUntil(
    async () => (await sql`select 1 from test_probe_done where name = 'after-outage'`.execute(db)).rows.length > 0,
    30_000,
    'a job run after the outage',
  );
}
