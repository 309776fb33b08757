// The job worker: graphile-worker runners in this process, plus the sweeper that takes
// over the jobs of workers that died. graphile-worker leaves a dead worker's jobs locked
// for 4 hours; here each instance holds a PostgreSQL advisory lock while it lives, and
// any instance whose lock can be taken is dead: its jobs are unlocked at once.
import { randomBytes } from 'node:crypto';
import { run } from 'graphile-worker';
import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import type { Runner, TaskList, WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import type { DB } from '../db/client';
import type { Logger } from './logger';

export interface WorkerHandle {
  instanceId: string;
  stop(): Promise<void>;
  /** One sweep now (tests call it; it also runs on its interval). */
  sweep(): Promise<string[]>;
}

const lockKey = (instance: string) => `terridata-worker:${instance}`;

export async function startWorker(opts: {
  db: DB;
  pool: pg.Pool;
  databaseUrl: string;
  taskList: TaskList;
  concurrency: number;
  sweepIntervalMs: number;
  logger: Logger;
  crontab?: string;
  pollInterval?: number;
}): Promise<WorkerHandle> {
  const instanceId = `w${randomBytes(6).toString('hex')}`;
  const log = opts.logger.child({ component: 'worker', instanceId });

  // The liveness lock lives on its own connection: it goes when the process goes. If the
  // connection is lost while the process lives (PostgreSQL restarted), it is taken again
  // as soon as the database answers.
  let lockClient: pg.Client | undefined;
  let stopped = false;
  let relocking: Promise<void> | undefined;
  const holdLivenessLock = async () => {
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    client.on('error', (e) => {
      if (stopped || lockClient !== client) return;
      log.error({ err: e }, 'worker liveness connection lost: taking the lock again when the database is back');
      relocking ??= (async () => {
        lockClient = undefined;
        await client.end().catch(() => {});
        while (!stopped) {
          try {
            await holdLivenessLock();
            log.info('worker liveness lock held again');
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        relocking = undefined;
      })();
    });
    try {
      await client.connect();
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [lockKey(instanceId)]);
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    lockClient = client;
  };
  await holdLivenessLock();

  // graphile-worker locks jobs in the name of its worker pool, whose id is random: record
  // it against this instance as soon as the pool exists.
  const events = new EventEmitter() as WorkerEvents;
  const registered: Promise<unknown>[] = [];
  events.on('pool:create', ({ workerPool }) => {
    registered.push(
      opts.db
        .insertInto('job_worker')
        .values({ worker_id: workerPool.id, instance_id: instanceId })
        .onConflict((oc) => oc.doNothing())
        .execute()
        .catch((e) => log.error({ err: e }, 'could not register the worker pool')),
    );
  });

  const graphileLogger = (await import('graphile-worker')).Logger;
  const runner: Runner = await run({
    pgPool: opts.pool,
    taskList: opts.taskList,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: opts.pollInterval ?? 2000,
    crontab: opts.crontab,
    events,
    logger: new graphileLogger((scope) => (level, message, meta) => {
      const l = level === 'warning' ? 'warn' : level === 'error' ? 'error' : 'debug';
      log[l]({ ...scope, ...meta }, message);
    }),
  });
  await Promise.all(registered);

  async function sweep(): Promise<string[]> {
    const others = await opts.db
      .selectFrom('job_worker')
      .select('instance_id')
      .distinct()
      .where('instance_id', '!=', instanceId)
      .execute();
    const dead: string[] = [];
    for (const { instance_id } of others) {
      const client = await opts.pool.connect();
      try {
        const { rows } = await client.query<{ got: boolean }>(
          'select pg_try_advisory_lock(hashtextextended($1, 0)) as got',
          [lockKey(instance_id)],
        );
        if (!rows[0]?.got) continue; // alive
        try {
          const ids = await opts.db.selectFrom('job_worker').select('worker_id').where('instance_id', '=', instance_id).execute();
          const workerIdsOfDead = ids.map((r) => r.worker_id);
          await client.query('select graphile_worker.force_unlock_workers($1::text[])', [workerIdsOfDead]);
          await opts.db.deleteFrom('job_worker').where('instance_id', '=', instance_id).execute();
          dead.push(instance_id);
          log.warn({ deadInstance: instance_id }, 'took over the jobs of a dead worker');
        } finally {
          await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(instance_id)]);
        }
      } finally {
        client.release();
      }
    }
    // Jobs locked by a pool that no live instance registered (its process died before it
    // could) are released once their lock is clearly stale.
    const stale = await sql<{ locked_by: string }>`
      select distinct locked_by from graphile_worker._private_jobs
      where locked_by is not null
        and locked_at < now() - make_interval(secs => ${Math.max(60, (3 * opts.sweepIntervalMs) / 1000)})
        and locked_by not in (select worker_id from job_worker)`.execute(opts.db);
    if (stale.rows.length) {
      await sql`select graphile_worker.force_unlock_workers(${stale.rows.map((r) => r.locked_by)}::text[])`.execute(opts.db);
      dead.push(...stale.rows.map((r) => r.locked_by));
      log.warn({ pools: stale.rows.map((r) => r.locked_by) }, 'released stale job locks of unknown workers');
    }
    return dead;
  }

  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweep().catch((e) => log.error({ err: e }, 'worker sweep failed'));
  }, opts.sweepIntervalMs);
  timer.unref();
  await sweep();
  log.info({ concurrency: opts.concurrency }, 'worker started');

  return {
    instanceId,
    sweep,
    async stop() {
      clearInterval(timer);
      await sweeping;
      await runner.stop();
      await opts.db.deleteFrom('job_worker').where('instance_id', '=', instanceId).execute().catch(() => {});
      stopped = true;
      await lockClient?.end().catch(() => {});
      log.info('worker stopped');
    },
  };
}
