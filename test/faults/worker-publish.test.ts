// kill -9 of a worker (`npm run worker`) in the middle of a publish job: another worker
// takes the job over (its sweeper finds the dead worker's liveness lock gone), finishes it,
// and the catalogue holds exactly one version of the dataset.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import { prepareReferences } from '../contributions/helpers';
import { makeModerator, submitted } from '../moderation/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { killAll, startWorkerProcess, storageEnv, waitUntil } from './support';

let tdb: TestDatabase;
let root: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  root = mkdtempSync(path.join(os.tmpdir(), 'td-faults-worker-'));
});

afterAll(async () => {
  await killAll();
  await tdb?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a worker killed during a publish job', () => {
  it('is replaced by another worker, which publishes the dataset once', async () => {
    const { UPLOADS_DIR } = storageEnv(root);
    const refs = await prepareReferences(tdb.db);
    const { id } = await submitted(tdb.db, refs, UPLOADS_DIR, { draft: { title: 'Stations Vélo’v' } });
    const moderator = await makeModerator(tdb.db);
    const claim = await claimNextContribution(tdb.db, moderator);
    expect(claim?.id).toBe(id);
    expect(await approveContribution(tdb.db, moderator, id, { expectedVersion: claim!.version })).toBe('approved');

    // Hold the contribution's row: the publish job, once started, waits inside its
    // transaction, so the worker is surely killed in the middle of it.
    const holder = new pg.Client({ connectionString: tdb.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('select id from contribution where id = $1 for update', [id]);
    const { rows: me } = await holder.query<{ pid: number }>('select pg_backend_pid() as pid');

    const a = await startWorkerProcess({ databaseUrl: tdb.url, root });
    const lockedBy = await waitUntil(
      async () =>
        (
          await sql<{ locked_by: string | null }>`select locked_by from graphile_worker.jobs where key = ${`publish:${id}`}`.execute(tdb.db)
        ).rows[0]?.locked_by,
      30_000,
      'worker a took the publish job',
    );
    await waitUntil(
      async () =>
        (
          await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where ${me[0]!.pid}::int = any(pg_blocking_pids(pid))`.execute(tdb.db)
        ).rows[0]!.n > 0,
      30_000,
      'the publish transaction waiting',
    );
    a.proc.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    await holder.query('rollback');
    await holder.end();

    const b = await startWorkerProcess({ databaseUrl: tdb.url, root });
    await waitUntil(
      async () => (await tdb.db.selectFrom('contribution').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state === 'published',
      120_000,
      'publication by worker b',
    );
    expect(Date.now() - killedAt).toBeLessThan(120_000);
    expect(b.output()).toMatch(/took over the jobs of a dead worker/);

    const versions = await tdb.db.selectFrom('dataset_version').select(['id', 'dataset_id']).where('contribution_id', '=', id).execute();
    expect(versions).toHaveLength(1);
    const datasets = await tdb.db.selectFrom('dataset').select('id').where('id', '=', versions[0]!.dataset_id).execute();
    expect(datasets).toHaveLength(1);
    const job = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where key = ${`publish:${id}`}`.execute(tdb.db);
    expect(job.rows[0]!.n).toBe(0); // done, not left to run again
    // The dead worker's registration was swept away with its jobs' locks.
    const live = await tdb.db.selectFrom('job_worker').select('worker_id').execute();
    expect(live.map((r) => r.worker_id)).not.toContain(lockedBy);
  }, 240_000);
});
