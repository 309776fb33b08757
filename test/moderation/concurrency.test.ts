// 20 moderators working the queue at once until it is empty (real PostgreSQL, separate
// connections): no item claimed twice, none lost, each decided exactly once. And a crash
// between approval and publication ends with the item published once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { approveContribution, claimNextContribution, rejectContribution } from '../../app/domain/moderation/moderation.server';
import { parseConfig } from '../../server/config';
import { buildTaskList } from '../../server/jobs/index';
import { logger } from '../../server/logger';
import { startWorker } from '../../server/worker';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { prepareReferences } from '../contributions/helpers';
import { bulkSubmitted, makeModerator, submitted } from './helpers';

let t: TestDatabase;
let refs: ReferenceLists;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-concurrency-'));
beforeAll(async () => {
  logger.level = 'silent';
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
});
afterAll(async () => {
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('the moderation queue under load', () => {
  it('serves 1 000 items to 20 concurrent moderators: none twice, none lost, each decided once', async () => {
    const ids = await bulkSubmitted(t.db, 1000);
    const moderators = await Promise.all(Array.from({ length: 20 }, () => makeModerator(t.db)));
    const pool = createDb(t.url, 25);
    const claimedBy = new Map<string, string[]>();
    try {
      await Promise.all(
        moderators.map(async (m, i) => {
          for (;;) {
            const item = await claimNextContribution(pool.db, m);
            if (!item) return;
            claimedBy.set(item.id, [...(claimedBy.get(item.id) ?? []), m.id]);
            // Rejections keep the ledger quiet (floored at 0); every fifth is approved.
            if (i % 5 === 0) await approveContribution(pool.db, m, item.id, { expectedVersion: item.version });
            else await rejectContribution(pool.db, m, item.id, { reasonCode: 'duplicate', comment: 'Doublon.', expectedVersion: item.version });
          }
        }),
      );
    } finally {
      await pool.db.destroy();
    }
    expect(claimedBy.size).toBe(1000);
    expect([...claimedBy.values()].every((holders) => holders.length === 1)).toBe(true);
    expect(new Set(claimedBy.keys())).toEqual(new Set(ids));
    const decisions = await sql<{ contribution_id: string; n: number }>`
      select contribution_id, count(*)::int as n from moderation_event
      where action in ('approve', 'reject') group by contribution_id`.execute(t.db);
    expect(decisions.rows).toHaveLength(1000);
    expect(decisions.rows.every((r) => r.n === 1)).toBe(true);
    const left = await sql<{ n: number }>`select count(*)::int as n from contribution where state in ('submitted', 'in_review')`.execute(t.db);
    expect(left.rows[0]!.n).toBe(0);
    // Work spread over the moderators (SKIP LOCKED did not serialise them behind one).
    const perModerator = new Map<string, number>();
    for (const [, [m]] of claimedBy) perModerator.set(m!, (perModerator.get(m!) ?? 0) + 1);
    expect(perModerator.size).toBeGreaterThan(10);
  }, 240_000);

  it('publishes once after a crash between approval and publication', async () => {
    const item = await submitted(t.db, refs, uploadsDir);
    const m = await makeModerator(t.db);
    await sql`update contribution set state = 'withdrawn' where state = 'submitted' and id <> ${item.id}`.execute(t.db);
    await claimNextContribution(t.db, m);
    await approveContribution(t.db, m, item.id);
    // Only this item's job matters here (the load test above left publish jobs for rows made in SQL).
    await sql`delete from graphile_worker._private_jobs where key is distinct from ${`publish:${item.id}`}`.execute(t.db);
    // The first publication attempt dies in the middle of its transaction.
    await sql`create function crash_once() returns trigger language plpgsql as $$ begin raise exception 'simulated crash'; end $$`.execute(t.db);
    await sql`create trigger crash_once before insert on dataset_version for each row execute function crash_once()`.execute(t.db);
    const config = parseConfig({ DATABASE_URL: t.url, UPLOADS_DIR: uploadsDir });
    const tasks = buildTaskList({ db: t.db, config, logger });
    const worker = await startWorker({ db: t.db, pool: t.pool, databaseUrl: t.url, taskList: tasks, concurrency: 1, sweepIntervalMs: 60_000, logger, pollInterval: 100 });
    try {
      const failed = async () =>
        (await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'publish_contribution' and last_error like '%simulated crash%'`.execute(t.db)).rows[0]!.n;
      for (let i = 0; i < 600 && (await failed()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await failed()).toBe(1);
      expect(await t.db.selectFrom('dataset_version').select('id').where('contribution_id', '=', item.id).execute()).toHaveLength(0);
      // Restart: the job is retried and publishes, once.
      await sql`drop trigger crash_once on dataset_version`.execute(t.db);
      await sql`update graphile_worker._private_jobs set run_at = now() where key = ${`publish:${item.id}`}`.execute(t.db);
      const published = async () => (await t.db.selectFrom('contribution').select('state').where('id', '=', item.id).executeTakeFirstOrThrow()).state;
      for (let i = 0; i < 600 && (await published()) !== 'published'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await published()).toBe('published');
      expect(await t.db.selectFrom('dataset_version').select('id').where('contribution_id', '=', item.id).execute()).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  }, 120_000);
});
