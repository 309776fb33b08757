// Shared pieces of the fault tests: real server and worker processes (`npm start`,
// `npm run worker`) on one PostgreSQL and one storage. The storage every instance of a test
// shares comes from storageEnv() alone, so the same tests can run on another storage
// driver by changing that one function (FAULTS_STORAGE selects it).
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/client';
import { buildDirectory } from '../../server/app';
import { TEST_SESSION_SECRET } from '../support/auth';
import { freePort, spawnNode, waitForHttp } from '../support/process';
import type { Child } from '../support/process';
import { keepBuildAsIs } from '../uploads/helpers';

/**
 * Environment that points an instance at the storage shared by every instance of a test.
 * `root` is a directory owned by the test. FAULTS_STORAGE=local (the default): a shared
 * UPLOADS_DIR under root, as a network filesystem would be in production. FAULTS_STORAGE=s3:
 * the object store of test/storage/with-s3.ts.
 */
export function storageEnv(root: string): Record<string, string> & { UPLOADS_DIR: string } {
  const kind = process.env.FAULTS_STORAGE ?? 'local';
  if (kind !== 'local' && kind !== 's3') throw new Error(`FAULTS_STORAGE=${kind}: no such storage for the fault tests`);
  const dir = path.join(root, 'uploads');
  mkdirSync(dir, { recursive: true });
  // FAULTS_STORAGE=s3: the S3-compatible test server that test/storage/with-s3.ts runs
  // around the tests (npm run test:faults:s3); UPLOADS_DIR then holds nothing the tests read.
  if (kind === 's3') {
    if (!process.env.FAULTS_S3_ENV) throw new Error('FAULTS_STORAGE=s3 needs FAULTS_S3_ENV: run through test/storage/with-s3.ts');
    return { UPLOADS_DIR: dir, ...(JSON.parse(process.env.FAULTS_S3_ENV) as Record<string, string>) };
  }
  return { UPLOADS_DIR: dir };
}

export interface Instance {
  child: Child;
  url: string;
  port: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Child>();

/** Kills every process a test started (afterAll). */
export async function killAll(): Promise<void> {
  for (const c of running) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
  }
  running.clear();
}

function track(child: Child): Child {
  running.add(child);
  void child.exited.then(() => running.delete(child));
  return child;
}

/** `npm start` on a free port against `databaseUrl`, web only unless env says WORKER=on. */
export async function startInstance(opts: {
  databaseUrl: string;
  root: string;
  name: string;
  env?: Record<string, string>;
}): Promise<Instance> {
  keepBuildAsIs(buildDirectory());
  const port = await freePort();
  const child = track(
    spawnNode('server/start.ts', {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: opts.databaseUrl,
      SESSION_SECRET: TEST_SESSION_SECRET,
      DATA_DIR: path.join(opts.root, `data-${opts.name}`),
      WORKER: 'off',
      SEED_DEMO: '0',
      BUILD_ON_START: 'off',
      STORAGE_MIN_FREE_BYTES: '0',
      REMIX_BUILD_DIR: process.env.REMIX_BUILD_DIR ?? 'build',
      ...storageEnv(opts.root),
      ...opts.env,
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const exitedEarly = child.exited.then((code) => {
    throw new Error(`${opts.name} exited (${code}) before it served`);
  });
  await Promise.race([waitForHttp(`${url}/healthz`, 90_000), exitedEarly]).catch((e: Error) => {
    throw new Error(`${opts.name}: ${e.message}\n${child.output()}`);
  });
  exitedEarly.catch(() => {});
  return {
    child,
    url,
    port,
    async kill(signal = 'SIGKILL') {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
      child.proc.kill(signal);
      await child.exited;
    },
  };
}

/** `npm run worker` against `databaseUrl`, sweeping for dead workers every 500 ms. */
export async function startWorkerProcess(opts: { databaseUrl: string; root: string; env?: Record<string, string> }): Promise<Child> {
  const child = track(
    spawnNode('server/worker-main.ts', {
      DATABASE_URL: opts.databaseUrl,
      DATA_DIR: path.join(opts.root, 'data-worker'),
      WORKER_CONCURRENCY: '1',
      WORKER_SWEEP_INTERVAL_MS: '500',
      ...storageEnv(opts.root),
      ...opts.env,
    }),
  );
  await child.waitFor(/worker started/, 60_000);
  return child;
}

export async function waitUntil<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs: number, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The sha256 the server computed over the stored bytes of an upload (the process_upload job,
 * which reads through the storage of the instance running it): whatever the storage driver.
 */
export async function serverSha256(db: DB, uploadId: string, timeoutMs = 60_000): Promise<string> {
  return waitUntil(
    async () =>
      (await db.selectFrom('upload').select('sha256').where('id', '=', uploadId).executeTakeFirst())?.sha256,
    timeoutMs,
    `sha256 of upload ${uploadId}`,
  );
}

/** Deterministic bytes (not all alike, so a misplaced chunk changes the digest). */
export function patterned(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}
