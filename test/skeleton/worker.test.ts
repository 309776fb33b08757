// The job queue: jobs exist only if their transaction commits, failures are retried and
// shown with their error, and a job whose worker is killed is finished by another worker.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob, listFailingJobs } from '../../app/domain/jobs/jobs.server';
import { logger } from '../../server/logger';
import { startWorker } from '../../server/worker';
import { parseConfig } from '../../server/config';
import { buildTaskList } from '../../server/jobs/index';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { spawnNode } from '../support/process';
import type { Child } from '../support/process';

let t: TestDatabase;
const children: Child[] = [];
beforeAll(async () => {
  logger.level = 'silent'; // the in-process worker's expected failure logs
  t = await createTestDatabase();
  await sql`create table test_probe_started (name text, worker text, at timestamptz default now())`.execute(t.db);
  await sql`create table test_probe_done (name text, worker text, at timestamptz default now())`.execute(t.db);
});
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  await t?.close();
});

async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await fn())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const jobCount = async () =>
  (await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs`.execute(t.db)).rows[0]!.n;

function spawnWorker(): Child {
  const child = spawnNode('server/worker-main.ts', {
    DATABASE_URL: t.url,
    WORKER_TEST_TASKS: '1',
    WORKER_CONCURRENCY: '1',
    WORKER_SWEEP_INTERVAL_MS: '500',
  });
  children.push(child);
  return child;
}

describe('background jobs', () => {
  it('enqueues a job only when the transaction that causes it commits', async () => {
    const before = await jobCount();
    await t.db
      .transaction()
      .execute(async (trx) => {
        await enqueueJob(trx, 'test_probe', { name: 'rolled-back' });
        throw new Error('abort');
      })
      .catch(() => {});
    expect(await jobCount()).toBe(before);
    await t.db.transaction().execute((trx) => enqueueJob(trx, 'test_probe', { name: 'committed' }));
    expect(await jobCount()).toBe(before + 1);
    await sql`delete from graphile_worker._private_jobs`.execute(t.db);
  });

  it('retries a failing job with backoff and shows it to admins with its last error', async () => {
    await t.db.transaction().execute((trx) => enqueueJob(trx, 'no_such_task_yet', { x: 1 }, { maxAttempts: 3 }));
    process.env.WORKER_TEST_TASKS = '1';
    const config = parseConfig({ DATABASE_URL: t.url });
    const worker = await startWorker({
      db: t.db,
      pool: t.pool,
      databaseUrl: t.url,
      taskList: { ...buildTaskList({ db: t.db, config, logger }), no_such_task_yet: async () => { throw new Error('remote service down'); } },
      concurrency: 1,
      sweepIntervalMs: 60_000,
      logger,
      pollInterval: 200,
    });
    try {
      await waitUntil(async () => (await listFailingJobs(t.db)).length > 0, 20_000);
      const [job] = await listFailingJobs(t.db);
      expect(job!.task).toBe('no_such_task_yet');
      expect(job!.lastError).toContain('remote service down');
      expect(job!.attempts).toBe(1);
      expect(job!.runAt.getTime()).toBeGreaterThan(Date.now()); // retried later, not at once
    } finally {
      await worker.stop();
      await sql`delete from graphile_worker._private_jobs`.execute(t.db);
    }
  });

  it('hands the job of a worker killed with SIGKILL to another worker, which completes it once', async () => {
    const a = spawnWorker();
    await a.waitFor(/worker started/);
    await t.db.transaction().execute((trx) => enqueueJob(trx, 'test_probe', { name: 'survivor', waitMs: 4000 }));
    await waitUntil(
      async () => (await sql`select 1 from test_probe_started where name = 'survivor'`.execute(t.db)).rows.length > 0,
      30_000,
    );
    a.proc.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();

    const b = spawnWorker();
    await b.waitFor(/worker started/);
    await waitUntil(
      async () => (await sql`select 1 from test_probe_done where name = 'survivor'`.execute(t.db)).rows.length > 0,
      120_000,
    );
    const tookOverInMs = Date.now() - killedAt;
    expect(tookOverInMs).toBeLessThan(120_000);
    const done = await sql<{ worker: string }>`select worker from test_probe_done where name = 'survivor'`.execute(t.db);
    const started = await sql<{ worker: string }>`select worker from test_probe_started where name = 'survivor' order by at`.execute(t.db);
    expect(done.rows).toHaveLength(1); // completed once
    expect(started.rows).toHaveLength(2); // begun by the killed worker, then by the survivor
    expect(done.rows[0]!.worker).not.toBe(started.rows[0]!.worker);
    expect(b.output()).toMatch(/took over the jobs of a dead worker/);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 200_000);
});
