// The job queue (graphile-worker, in PostgreSQL). Jobs are enqueued on the caller's
// transaction, so they exist exactly when the change that causes them is committed.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DB } from '#db/client';

export interface EnqueueOptions {
  /** A job with the same key replaces a pending one instead of queuing twice. */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  queueName?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function enqueueJob(
  trx: DB | AnyDb,
  task: string,
  payload: Record<string, unknown> = {},
  opts: EnqueueOptions = {},
): Promise<string> {
  const r = await sql<{ id: string }>`
    select (graphile_worker.add_job(
      ${task}, ${JSON.stringify(payload)}::json,
      queue_name => ${opts.queueName ?? null}::text,
      run_at => ${opts.runAt ?? null}::timestamptz,
      max_attempts => ${opts.maxAttempts ?? 10}::int,
      job_key => ${opts.jobKey ?? null}::text
    )).id::text as id`.execute(trx);
  return r.rows[0]!.id;
}

export interface JobRow {
  id: string;
  task: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  runAt: Date;
  lockedBy: string | null;
  lockedAt: Date | null;
  createdAt: Date;
}

/** Jobs that failed at least once (retrying or given up), for the admins' page. */
export async function listFailingJobs(db: DB, limit = 100): Promise<JobRow[]> {
  const r = await sql<JobRow>`
    select id::text, task_identifier as task, attempts, max_attempts as "maxAttempts",
           last_error as "lastError", run_at as "runAt", locked_by as "lockedBy",
           locked_at as "lockedAt", created_at as "createdAt"
    from graphile_worker.jobs
    where last_error is not null
    order by attempts >= max_attempts desc, updated_at desc
    limit ${limit}`.execute(db);
  return r.rows;
}

export async function countPendingJobs(db: DB): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where attempts < max_attempts`.execute(db);
  return r.rows[0]!.n;
}
