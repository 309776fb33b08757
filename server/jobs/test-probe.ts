// Test-only job: waits, then records that it ran (in a table the test creates), so that
// tests can kill a worker mid-job and check the job completes once, elsewhere.
import { sql } from 'kysely';
import type { Task } from 'graphile-worker';
import type { JobDeps } from './index';

export const testProbeTask =
  ({ db }: JobDeps): Task =>
  async (payload, helpers) => {
    const { name, waitMs } = payload as { name: string; waitMs?: number };
    await sql`insert into test_probe_started (name, worker) values (${name}, ${helpers.job.locked_by})`.execute(db);
    await new Promise((r) => setTimeout(r, waitMs ?? 0));
    await sql`insert into test_probe_done (name, worker) values (${name}, ${helpers.job.locked_by})`.execute(db);
  };
