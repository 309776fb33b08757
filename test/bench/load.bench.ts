// npm run bench:load — what one and two web instances hold, and the upload throughput of the
// S3 driver against the directory driver.
//
// Processes as in production (docs/operations.md): `npm start` web instances (WORKER=off) and
// one `npm run worker`, on one PostgreSQL (TEST_DATABASE_URL's server, a scratch database, or
// an embedded one) and one shared storage directory. BENCH_DATASETS published datasets
// (default 40) are made through the real submission, moderation and publication path.
// autocannon (127.0.0.1, BENCH_CONNECTIONS connections, default 10, for BENCH_SECONDS s each,
// default 10) loads each route on one instance, then on two (connections spread over both).
// Prints requests/s and p50/p99 latency per route, and the ratio two/one instances.
// Then BENCH_UPLOAD_MIB MiB (default 64) go up through tus BENCH_UPLOAD_RUNS times (default
// 3) to an instance on the directory driver and to one on the S3 driver (the S3-compatible test
// server on 127.0.0.1, test/storage/s3-server.ts), alternating; prints MB/s and the ratio.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';
import { createDb } from '../../db/client';
import { withScratchDatabase } from '../../db/codegen';
import { buildDirectory } from '../../server/app';
import { prepareReferences } from '../contributions/helpers';
import { makeModerator, submitted } from '../moderation/helpers';
import { createUserWithSession, TEST_SESSION_SECRET } from '../support/auth';
import { freePort, spawnNode, waitForHttp } from '../support/process';
import type { Child } from '../support/process';
import { startTestS3 } from '../storage/s3-server';
import { keepBuildAsIs } from '../uploads/helpers';

// autocannon ships no types: the part of its result used here.
interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string | string[];
  connections: number;
  duration: number;
}) => Promise<LoadResult>;

const MiB = 1024 * 1024;
const DATASETS = Number(process.env.BENCH_DATASETS ?? 40);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const UPLOAD = Number(process.env.BENCH_UPLOAD_MIB ?? 64) * MiB;
const UPLOAD_RUNS = Number(process.env.BENCH_UPLOAD_RUNS ?? 3);
const THEMES = ['mobilite', 'environnement', 'culture', 'economie'];
const WORDS = ['vélo', 'arbres', 'bancs', 'fontaines', 'parkings', 'écoles', 'marchés', 'bibliothèques'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

await withScratchDatabase(async (databaseUrl) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'td-bench-load-'));
  const uploadsDir = path.join(dir, 'uploads');
  const { db } = createDb(databaseUrl, 4);
  const s3 = await startTestS3();
  const children: Child[] = [];
  keepBuildAsIs(buildDirectory());

  const common = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: TEST_SESSION_SECRET,
    SEED_DEMO: '0',
    BUILD_ON_START: 'off',
    STORAGE_MIN_FREE_BYTES: '0',
    UPLOAD_QUOTA_BYTES: String(8 * UPLOAD),
    UPLOAD_DATASET_MAX_BYTES: String(2 * UPLOAD),
    LOG_LEVEL: 'warn',
    REMIX_BUILD_DIR: process.env.REMIX_BUILD_DIR ?? 'build',
  };
  async function web(name: string, env: Record<string, string> = {}): Promise<string> {
    const port = await freePort();
    const child = spawnNode('server/start.ts', {
      ...common,
      PORT: String(port),
      DATA_DIR: path.join(dir, `data-${name}`),
      UPLOADS_DIR: uploadsDir,
      WORKER: 'off',
      ...env,
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/healthz`, 120_000).catch((e: Error) => {
      throw new Error(`${name}: ${e.message}\n${child.output()}`);
    });
    return url;
  }

  try {
    // The first instance migrates the database.
    const a = await web('a');

    // Published datasets, through submission, moderation and publication.
    const refs = await prepareReferences(db);
    const storage = new DirectoryStorage(uploadsDir);
    const m = await makeModerator(db);
    const slugs: string[] = [];
    for (let i = 0; i < DATASETS; i++) {
      const word = WORDS[i % WORDS.length]!;
      await submitted(db, refs, storage, {
        draft: {
          title: `Recensement des ${word} de la Métropole ${i + 1}`,
          description: `Relevé ${i + 1} des ${word} : emplacements, état et date de pose, commune par commune.`,
          themes: [THEMES[i % THEMES.length]!],
          keywords: [word, 'recensement'],
        },
      });
      const claim = await claimNextContribution(db, m);
      await approveContribution(db, m, claim!.id, { expectedVersion: claim!.version });
      slugs.push((await publishApprovedContribution(db, claim!.id, { storage })).slug);
    }
    const b = await web('b');
    const workerChild = spawnNode('server/worker-main.ts', {
      DATABASE_URL: databaseUrl,
      DATA_DIR: path.join(dir, 'data-worker'),
      UPLOADS_DIR: uploadsDir,
      WORKER_CONCURRENCY: '1',
      LOG_LEVEL: 'warn',
    });
    children.push(workerChild);
    await workerChild.waitFor(/worker started/, 60_000).catch(() => undefined);

    const routes: [string, string][] = [
      ['home', '/'],
      ['catalogue search', `/datasets?q=${encodeURIComponent('vélo')}`],
      ['dataset page', `/datasets/${slugs[Math.floor(slugs.length / 2)]}`],
      ['CKAN package_search', `/api/3/action/package_search?q=${encodeURIComponent('arbres')}&rows=10`],
    ];
    console.log(
      `load benchmark: ${DATASETS} published datasets, ${CONNECTIONS} connections, ${SECONDS} s per route and setup, autocannon on 127.0.0.1`,
    );
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

    const run = async (urls: string[], p: string) => {
      // Warm-up (templates, plans, connections), not counted.
      await autocannon({ url: urls.map((u) => u + p), connections: 2, duration: 1 });
      const r = await autocannon({ url: urls.map((u) => u + p), connections: CONNECTIONS, duration: SECONDS });
      return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
    };
    console.log('');
    console.log('| route | 1 instance req/s | p50 ms | p99 ms | 2 instances req/s | p50 ms | p99 ms | 2/1 |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, p] of routes) {
      const one = await run([a], p);
      const two = await run([a, b], p);
      const bad = one.non2xx + one.errors + two.non2xx + two.errors;
      console.log(
        `| ${name} | ${one.rps.toFixed(0)} | ${one.p50} | ${one.p99} | ${two.rps.toFixed(0)} | ${two.p50} | ${two.p99} | ${(two.rps / one.rps).toFixed(2)} |${bad ? ` (${bad} non-2xx or errors)` : ''}`,
      );
    }

    // Upload throughput: the directory driver against the S3 driver, same server build.
    const onS3 = await web('s3', { ...s3.env, S3_PART_BYTES: String(8 * MiB) });
    const { cookie } = await createUserWithSession(db);
    const data = randomBytes(UPLOAD);
    const digest = createHash('sha256').update(data).digest('hex');
    const upload = (base: string, name: string) =>
      new Promise<number>((resolve, reject) => {
        const t0 = process.hrtime.bigint();
        const u = new tus.Upload(data, {
          endpoint: `${base}/uploads/files`,
          chunkSize: 50 * MiB, // the browser widget's default
          metadata: { filename: `${name}.zip`, purpose: 'dataset' },
          headers: { Cookie: cookie, Origin: base },
          retryDelays: null,
          onSuccess: () => resolve(Number(process.hrtime.bigint() - t0) / 1e9),
          onError: reject,
        });
        u.start();
      });
    const rows: Record<'directory' | 's3', number[]> = { directory: [], s3: [] };
    for (let i = 1; i <= UPLOAD_RUNS; i++) {
      for (const kind of i % 2 ? (['directory', 's3'] as const) : (['s3', 'directory'] as const)) {
        const seconds = await upload(kind === 's3' ? onS3 : a, `run${i}-${kind}`);
        rows[kind].push(UPLOAD / 1e6 / seconds);
      }
      await db.deleteFrom('upload').where('status', '=', 'complete').execute();
    }
    const dirMbps = median(rows.directory);
    const s3Mbps = median(rows.s3);
    console.log('');
    console.log(`upload ${UPLOAD / MiB} MiB through tus (50 MiB PATCHes), ${UPLOAD_RUNS} runs each, sha256 ${digest.slice(0, 12)}…`);
    console.log(`| driver | runs MB/s | median MB/s |`);
    console.log(`|---|---|---:|`);
    console.log(`| directory | ${rows.directory.map((x) => x.toFixed(1)).join(', ')} | ${dirMbps.toFixed(1)} |`);
    console.log(`| s3 (s3rver on 127.0.0.1) | ${rows.s3.map((x) => x.toFixed(1)).join(', ')} | ${s3Mbps.toFixed(1)} |`);
    console.log(`ratio s3/directory: ${(s3Mbps / dirMbps).toFixed(2)}`);
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  } finally {
    for (const c of children) c.proc.kill('SIGTERM');
    await Promise.race([Promise.all(children.map((c) => c.exited)), new Promise((r) => setTimeout(r, 10_000))]);
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await db.destroy();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
