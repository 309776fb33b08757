// What an operator sees: /metrics in Prometheus text format (requests by route pattern and
// status, durations, uploads, jobs, database pool), its bearer token, the 507 refusal of
// upload writes when the storage disk is nearly full, and the 503 answers (page for
// people, problem+json for programs) while the database cannot be reached.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { enqueueJob } from '../../app/domain/jobs/jobs.server';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { freePort } from '../support/process';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { createUpload, patchUpload } from '../uploads/helpers';

let t: TestDatabase;
let server: TestServer;
let root: string;

beforeAll(async () => {
  t = await createTestDatabase();
  root = mkdtempSync(path.join(os.tmpdir(), 'td-ops-'));
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: path.join(root, 'uploads') } });
});

afterAll(async () => {
  await server?.close();
  await t?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The value of one sample, by metric name and labels (any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const scrape = async (s: TestServer = server) => {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return res.text();
};

describe('/metrics', () => {
  it('counts requests by route pattern (not by URL) and status, with their durations', async () => {
    expect((await fetch(`${server.url}/datasets`)).status).toBe(200);
    expect((await fetch(`${server.url}/datasets/pas-de-tel-jeu`)).status).toBe(404);
    expect((await fetch(`${server.url}/datasets/un-autre-inconnu`)).status).toBe(404);
    const text = await scrape();
    expect(sample(text, 'terridata_http_requests_total', { method: 'GET', route: '/datasets', status: '200' })).toBe(1);
    expect(sample(text, 'terridata_http_requests_total', { method: 'GET', route: '/datasets/:slug', status: '404' })).toBe(2);
    expect(text).not.toContain('pas-de-tel-jeu');
    expect(sample(text, 'terridata_http_request_duration_seconds_count', { route: '/datasets', status: '200' })).toBe(1);
    expect(sample(text, 'terridata_http_request_duration_seconds_sum', { route: '/datasets', status: '200' })).toBeGreaterThan(0);
    // The pool of this process, and the process itself.
    expect(sample(text, 'terridata_db_pool_connections', { state: 'max' })).toBe(10);
    expect(sample(text, 'terridata_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    expect(sample(text, 'terridata_database_up')).toBe(1);
    expect(sample(text, 'terridata_storage_free_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows jobs queued, running, retrying and failed, by task', async () => {
    await t.db.transaction().execute(async (trx) => {
      for (const n of [1, 2, 3, 4]) await enqueueJob(trx, 'metrics_probe', { n }, { maxAttempts: 3 });
    });
    const ids = (await sql<{ id: string }>`select id from graphile_worker._private_jobs order by id`.execute(t.db)).rows.map((r) => r.id);
    await sql`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'w-test' where id = ${ids[1]}`.execute(t.db);
    await sql`update graphile_worker._private_jobs set attempts = 1, last_error = 'boom' where id = ${ids[2]}`.execute(t.db);
    await sql`update graphile_worker._private_jobs set attempts = 3, last_error = 'boom' where id = ${ids[3]}`.execute(t.db);
    const text = await scrape();
    for (const [state, n] of [['queued', 1], ['running', 1], ['retrying', 1], ['failed', 1]] as const) {
      expect(sample(text, 'terridata_jobs', { task: 'metrics_probe', state }), state).toBe(n);
    }
    await sql`delete from graphile_worker._private_jobs`.execute(t.db);
  });

  it('shows uploads in progress, upload requests in flight and the bytes received', async () => {
    const { cookie } = await createUserWithSession(t.db);
    const before = sample(await scrape(), 'terridata_upload_bytes_received_total') ?? 0;
    const c = await createUpload(server.url, { cookie, origin: server.url, length: 300_000, metadata: { filename: 'mesures.csv', purpose: 'dataset' } });
    expect(c.res.status).toBe(201);
    expect(sample(await scrape(), 'terridata_uploads_in_progress')).toBe(1);

    // A slow PATCH: counted while it runs.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new Uint8Array(100_000).fill(59));
          return;
        }
        await gate;
        controller.enqueue(new Uint8Array(100_000).fill(59));
        controller.close();
      },
    });
    const patch = patchUpload(c.url!, { cookie, origin: server.url, offset: 0, body });
    await new Promise((r) => setTimeout(r, 300));
    expect(sample(await scrape(), 'terridata_upload_requests_in_flight')).toBe(1);
    release();
    expect((await patch).res.status).toBe(204);
    const text = await scrape();
    expect(sample(text, 'terridata_upload_requests_in_flight')).toBe(0);
    expect(sample(text, 'terridata_upload_bytes_received_total')! - before).toBe(200_000);
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'jeton-de-supervision-0123456789';
    const guarded = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: path.join(root, 'uploads'), METRICS_TOKEN: token } });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('terridata_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});

describe('storage nearly full', () => {
  it('refuses upload writes with 507 and a clear message, and still serves reads', async () => {
    const full = await startTestServer({
      db: t.db,
      pool: t.pool,
      env: { UPLOADS_DIR: path.join(root, 'uploads'), STORAGE_MIN_FREE_BYTES: String(10 ** 15) }, // 1 PB free wanted
    });
    try {
      const { cookie } = await createUserWithSession(t.db);
      const created = await createUpload(full.url, { cookie, origin: full.url, length: 10, metadata: { filename: 'a.csv', purpose: 'dataset' } });
      expect(created.res.status).toBe(507);
      expect(created.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(created.body)).toMatchObject({
        status: 507,
        title: 'Espace de stockage insuffisant',
        detail: expect.stringContaining('Aucun octet n’a été perdu'),
      });
      // An upload begun before the disk filled up cannot take more bytes either.
      const earlier = await createUpload(server.url, { cookie, origin: server.url, length: 10, metadata: { filename: 'b.csv', purpose: 'dataset' } });
      const patch = await patchUpload(earlier.url!.replace(server.url, full.url), {
        cookie,
        origin: full.url,
        offset: 0,
        body: new Uint8Array(10).fill(65),
        headers: { 'Accept-Language': 'en' },
      });
      expect(patch.res.status).toBe(507);
      expect(JSON.parse(patch.body)).toMatchObject({ title: 'Insufficient storage' });
      // Reading goes on.
      expect((await fetch(`${full.url}/datasets`)).status).toBe(200);
      expect(sample(await scrape(full), 'terridata_http_requests_total', { method: 'POST', route: '/uploads/files', status: '507' })).toBe(1);
    } finally {
      await full.close();
    }
  });
});

describe('database unreachable', () => {
  it('answers 503: an error page for people, problem+json for programs; liveness stays up, readiness says why', async () => {
    const nowhere = createDb(`postgres://postgres@127.0.0.1:${await freePort()}/absent`, 2);
    const down = await startTestServer({ db: nowhere.db, pool: nowhere.pool, env: { UPLOADS_DIR: path.join(root, 'uploads') } });
    try {
      const page = await fetch(`${down.url}/datasets`, { headers: { Accept: 'text/html' } });
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('<html lang="fr">');
      expect(html).toContain('Service momentanément indisponible');

      const english = await fetch(`${down.url}/datasets?lng=en`);
      expect(await english.text()).toContain('Service temporarily unavailable');

      const api = await fetch(`${down.url}/api/v1/datasets`);
      expect(api.status).toBe(503);
      expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await api.json()).toMatchObject({ status: 503, title: 'Service momentanément indisponible' });

      const tus = await fetch(`${down.url}/uploads/files`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '5', Origin: down.url } });
      expect(tus.status).toBe(503);
      expect(tus.headers.get('tus-resumable')).toBe('1.0.0');

      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${down.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ database: 'unreachable', ready: false });
      expect(sample(await scrape(down), 'terridata_database_up')).toBe(0);
    } finally {
      await down.close();
      await nowhere.db.destroy();
    }
  });
});
