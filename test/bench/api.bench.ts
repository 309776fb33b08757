// `npm run bench:api`: the open APIs through the real HTTP server (the production build,
// REMIX_BUILD_DIR) on a generated catalogue of BENCH_DATASETS published datasets (default
// 100 000, test/bench/catalogue-seed.ts), in a scratch database on TEST_DATABASE_URL's
// server or on an embedded cluster. Each request shape is sent BENCH_RUNS times (default
// 100) one at a time after 5 warm-up requests; the wall time of each request (client and
// server in this process) gives p50 / p95, next to the same measure of /healthz taken in the
// same run (the cost of the HTTP stack and Express alone). Appends the figures and the
// command to docs/benchmarks.md (BENCH_DOC=0 to skip).
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, withDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrateToLatest } from '../../db/migrate';
import { startTestServer } from '../support/server';
import { generateCatalogue } from './catalogue-seed';
import { encodeCursor } from '../../app/domain/openapi/v1.server';

const N = Number(process.env.BENCH_DATASETS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

interface Shape {
  name: string;
  /** Paths (cycled through), or a POST body for the CKAN action in `post`. */
  paths: string[];
  post?: string;
  accept?: string;
}

async function main(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const e = await startEmbeddedPostgres({ dataDir: path.resolve('.data/bench-api') });
    adminUrl = e.url;
    stop = e.stop;
  }
  const name = `terridata_bench_api_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const { db, pool } = createDb(withDatabase(adminUrl, name), 10);
  const lines: string[] = [];
  const say = (l: string) => {
    console.log(l);
    lines.push(l);
  };
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    await migrateToLatest(pool);
    const t0 = performance.now();
    await generateCatalogue(db, N);
    const genS = (performance.now() - t0) / 1000;
    const version = (
      await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)
    ).rows[0]!.v;
    server = await startTestServer({
      db,
      pool,
      env: { UPLOADS_DIR: path.join(tmpdir(), 'td-bench-api') },
    });
    const base = server.url;
    const get = async (p: string, accept?: string) => {
      const res = await fetch(`${base}${p}`, { headers: accept ? { accept } : {} });
      const body = await res.arrayBuffer();
      if (res.status !== 200)
        throw new Error(`${p}: ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
      return body.byteLength;
    };
    const post = async (p: string, body: string) => {
      const res = await fetch(`${base}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
      return text.byteLength;
    };

    // A deep page of /api/v1/datasets: its cursor, by walking links.next 50 times.
    let deep = '/api/v1/datasets?limit=20';
    for (let i = 0; i < 50; i++) {
      const page = (await (await fetch(`${base}${deep}`)).json()) as { links: { next: string } };
      deep = page.links.next;
    }
    const slugs = (
      await sql<{
        slug: string;
      }>`select slug from dataset where listed order by random() limit 100`.execute(db)
    ).rows.map((r) => r.slug);
    const orgs = ['org-7', 'org-42', 'org-99', 'org-150', 'org-201'];
    const words = ['eclairage', 'velo', 'arbres', 'budget', 'piscines', 'dechets'];
    const lastPage = Math.ceil(N / 50);
    // The cursor a harvester holds on reaching the last page (keyset: the dataset before it).
    const before = (
      await sql<{ at: string; id: string }>`select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, id
        from dataset where listed order by created_at, id offset ${(lastPage - 1) * 50 - 1} limit 1`.execute(db)
    ).rows[0]!;
    const lastCursor = encodeCursor([before.at, before.id]);

    const shapes: Shape[] = [
      { name: 'baseline: `/healthz`', paths: ['/healthz'] },
      {
        name: 'CKAN `package_search` (no parameter, 10 rows)',
        paths: ['/api/3/action/package_search'],
      },
      {
        name: 'CKAN `package_search?q=<word>`',
        paths: words.map((w) => `/api/3/action/package_search?q=${w}`),
      },
      {
        name: 'CKAN `package_search?fq=organization:<org>&rows=100`',
        paths: orgs.map((o) => `/api/3/action/package_search?fq=organization:${o}&rows=100`),
      },
      {
        name: 'CKAN `package_search` with 3 facet fields',
        paths: words.map(
          (w) =>
            `/api/3/action/package_search?q=${w}&facet.field=${encodeURIComponent('["organization","tags","res_format"]')}`,
        ),
      },
      {
        name: 'CKAN `package_search?rows=1000` (the maximum)',
        paths: ['/api/3/action/package_search?rows=1000&sort=metadata_modified%20desc'],
      },
      {
        name: 'CKAN `package_search` by POST (ckanapi), `start=5000`',
        paths: ['/api/3/action/package_search'],
        post: JSON.stringify({ q: '', rows: 10, start: 5000, sort: 'metadata_modified desc' }),
      },
      {
        name: 'CKAN `package_show`',
        paths: slugs.map((s) => `/api/3/action/package_show?id=${s}`),
      },
      { name: '`/api/v1/datasets` first page (20)', paths: ['/api/v1/datasets'] },
      { name: '`/api/v1/datasets?limit=100`', paths: ['/api/v1/datasets?limit=100'] },
      { name: '`/api/v1/datasets` page 51 by cursor', paths: [deep] },
      {
        name: '`/api/v1/datasets?q=<word>&commune=69123`',
        paths: words.map((w) => `/api/v1/datasets?q=${w}&commune=69123`),
      },
      { name: '`/api/v1/datasets/<slug>`', paths: slugs.map((s) => `/api/v1/datasets/${s}`) },
      { name: '`/catalog` page 1 of 50, JSON-LD', paths: ['/catalog?pageSize=50'] },
      {
        name: '`/catalog` page 1 of 50, Turtle',
        paths: ['/catalog?pageSize=50'],
        accept: 'text/turtle',
      },
      {
        name: '`/catalog` page 1 of 50, RDF/XML',
        paths: ['/catalog?pageSize=50'],
        accept: 'application/rdf+xml',
      },
      {
        name: `\`/catalog\` last page (${lastPage}) of 50, Turtle`,
        paths: [`/catalog?pageSize=50&page=${lastPage}`],
        accept: 'text/turtle',
      },
      {
        name: `\`/catalog\` last page of 50 by cursor (keyset), Turtle`,
        paths: [`/catalog?cursor=${encodeURIComponent(lastCursor)}`],
        accept: 'text/turtle',
      },
      {
        name: '`/catalog?pageSize=200` (the maximum), JSON-LD',
        paths: ['/catalog?pageSize=200'],
      },
      {
        name: '`/catalog/datasets/<slug>`, Turtle',
        paths: slugs.map((s) => `/catalog/datasets/${s}`),
        accept: 'text/turtle',
      },
    ];

    const listed = (
      await sql<{ n: number }>`select count(*)::int as n from dataset where listed`.execute(db)
    ).rows[0]!.n;
    say(
      `- ${listed.toLocaleString('en')} listed datasets generated in SQL in ${genS.toFixed(0)} s (test/bench/catalogue-seed.ts); PostgreSQL ${version}; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)} at start; ${RUNS} requests per shape, one at a time, after 5 warm-up requests; client and server in one Node process (production build, 127.0.0.1).`,
    );
    say('');
    say('| request | p50 | p95 | max | p50 / healthz p50 | body | results |');
    say('|---|---|---|---|---|---|---|');
    // How many datasets the first request of a shape matched (CKAN count, /api/v1 total).
    const matched = async (shape: Shape) => {
      const p = shape.paths[0]!;
      if (!p.startsWith('/api/')) return '';
      const res = await fetch(`${base}${p}`, {
        method: shape.post !== undefined ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        body: shape.post,
      });
      const j = (await res.json()) as { result?: { count?: number }; total?: number };
      const n = j.result?.count ?? j.total;
      return n === undefined ? '' : n.toLocaleString('en');
    };
    let baseline = 0;
    for (const shape of shapes) {
      const run = (i: number) => {
        const p = shape.paths[i % shape.paths.length]!;
        return shape.post !== undefined ? post(p, shape.post) : get(p, shape.accept);
      };
      for (let i = 0; i < 5; i++) await run(i);
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        bytes = await run(i);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const p50 = pct(times, 50);
      if (!baseline) baseline = p50;
      const size =
        bytes > 1024 * 1024
          ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
          : `${(bytes / 1024).toFixed(1)} KiB`;
      say(
        `| ${shape.name} | ${ms(p50)} | ${ms(pct(times, 95))} | ${ms(times.at(-1)!)} | ${(p50 / baseline).toFixed(0)}× | ${size} | ${await matched(shape)} |`,
      );
    }
    say('');
    say(`Load at the end: ${loadavg()[0]!.toFixed(2)}.`);
  } finally {
    await server?.close();
    await db.destroy();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await stop?.();
  }
  if (process.env.BENCH_DOC !== '0') {
    const doc = [
      '',
      `## Open APIs (\`npm run bench:api\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `Command: \`REMIX_BUILD_DIR=build TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres${N !== 100_000 ? ` BENCH_DATASETS=${N}` : ''}${RUNS !== 100 ? ` BENCH_RUNS=${RUNS}` : ''} npm run bench:api\``,
      '(after `npm run build`). Wall time of whole HTTP requests to the CKAN-compatible API, /api/v1',
      'and the DCAT-AP catalogue, with /healthz measured in the same run as the baseline.',
      '',
      ...lines,
      '',
    ].join('\n');
    appendFileSync(path.resolve('docs/benchmarks.md'), doc);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
