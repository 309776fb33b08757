// ledger:verify against tampering done the way an attacker with superuser rights would:
// triggers disabled, rows altered or deleted, and even every later hash, the balances and
// the stored checkpoint rewritten. The script is run as a child process (exit code, output).
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/client';
import { entryHash } from '../../app/domain/reputation/chain';
import { checkpointDirectory, createCheckpoint, readCheckpointFile } from '../../app/domain/reputation/verify.server';
import { parseConfig } from '../../server/config';
import { logger } from '../../server/logger';
import { ledgerCheckpointTask } from '../../server/jobs/ledger-checkpoint';
import { buildTaskList, crontab } from '../../server/jobs/index';
import { Logger, parseCrontab, runOnce } from 'graphile-worker';

const quietLogger = new Logger(() => () => {});
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { append, newSubject, runLedgerVerify } from './helpers';

const dbs: TestDatabase[] = [];
let dataDir: string;
let elsewhere: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ledger-data-'));
  elsewhere = await mkdtemp(path.join(os.tmpdir(), 'ledger-kept-elsewhere-'));
});
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.close()));
  await rm(dataDir, { recursive: true, force: true });
  await rm(elsewhere, { recursive: true, force: true });
});

async function freshLedger() {
  const t = await createTestDatabase();
  dbs.push(t);
  const subjects = [newSubject(), newSubject('organization'), newSubject()];
  for (const s of subjects) {
    for (let i = 0; i < 6; i++) {
      await append(t.db, {
        subject: s,
        reason: i % 3 === 2 ? 'rejected_other' : 'reuse_declared',
        ref: { type: 'reuse', id: `r-${i}` },
      });
    }
  }
  return { t, subjects };
}

/** What a superuser can do: switch the append-only trigger off around a change. */
async function asSuperuser(db: DB, change: string) {
  await sql.raw(`alter table reputation_entry disable trigger reputation_entry_append_only; ${change};
    alter table reputation_entry enable trigger reputation_entry_append_only`).execute(db);
}

describe('npm run ledger:verify', () => {
  it('passes an intact ledger (exit 0) and records the result for admins', async () => {
    const { t } = await freshLedger();
    const { code, out } = await runLedgerVerify(t.url);
    expect(out).toContain('18 entries in 3 chains');
    expect(out).toContain('OK');
    expect(code).toBe(0);
    const last = await t.db.selectFrom('ledger_verification').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect([last.ok, last.entry_count, last.subject_count, last.source]).toEqual([true, 18, 3, 'cli']);
  });

  it('finds a row altered with the trigger disabled, and names its subject and seq', async () => {
    const { t, subjects } = await freshLedger();
    const victim = subjects[1]!;
    await asSuperuser(t.db, `update reputation_entry set effective_delta = 500 where subject_id = '${victim.id}' and seq = 4`);
    const { code, out } = await runLedgerVerify(t.url);
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`BROKEN \\[hash_mismatch\\] organization ${victim.id}: seq 4 was altered`));
    expect(out).toContain('FAILED: 1 problem');
    const last = await t.db.selectFrom('ledger_verification').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(last.ok).toBe(false);
  });

  it('finds a chain whose last entries were deleted, and names the first missing seq', async () => {
    const { t, subjects } = await freshLedger();
    const victim = subjects[2]!;
    await asSuperuser(t.db, `delete from reputation_entry where subject_id = '${victim.id}' and seq >= 5`);
    const { code, out } = await runLedgerVerify(t.url);
    expect(code).toBe(1);
    expect(out).toContain(`BROKEN [missing_tail] user ${victim.id}: chain ends at seq 4 but its head records seq 6: entries 5–6 are missing`);
  });

  it('finds an entry deleted in the middle of a chain, and a chain deleted whole', async () => {
    const { t, subjects } = await freshLedger();
    await asSuperuser(t.db, `delete from reputation_entry where subject_id = '${subjects[0]!.id}' and seq = 2`);
    await asSuperuser(t.db, `delete from reputation_entry where subject_id = '${subjects[1]!.id}'`);
    const { code, out } = await runLedgerVerify(t.url);
    expect(code).toBe(1);
    expect(out).toContain(`BROKEN [seq_gap] user ${subjects[0]!.id}: entries 2–2 are missing before seq 3`);
    expect(out).toContain(`BROKEN [missing_chain] organization ${subjects[1]!.id}: head records seq 6 but no entry is left`);
  });

  it('catches a rewrite of a row plus every later hash, the balances and the stored checkpoint, against a checkpoint file published before', async () => {
    const { t, subjects } = await freshLedger();
    const cp = await createCheckpoint(t.db, dataDir);
    // Someone keeps a copy of the published file elsewhere.
    const kept = path.join(elsewhere, cp.fileName!);
    await copyFile(path.join(checkpointDirectory(dataDir), cp.fileName!), kept);
    // The ledger goes on after the checkpoint.
    for (const s of subjects) await append(t.db, { subject: s, reason: 'dataset_update_approved' });

    // The attacker rewrites seq 2 of one chain and recomputes everything after it.
    const victim = subjects[0]!;
    const rows = await t.db.selectFrom('reputation_entry').selectAll().where('subject_id', '=', victim.id).orderBy('seq').execute();
    let prev = rows[0]!.hash;
    let balance = rows[0]!.balance_after;
    const changes: string[] = [];
    for (const r of rows.slice(1)) {
      const effective = r.seq === 2 ? 400 : r.effective_delta;
      balance += effective;
      const fields = {
        id: r.id,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        seq: r.seq,
        requestedDelta: r.seq === 2 ? 400 : r.requested_delta,
        effectiveDelta: effective,
        balanceAfter: balance,
        reason: r.reason,
        refType: r.ref_type,
        refId: r.ref_id,
        actorId: r.actor_id,
        reversesEntryId: r.reverses_entry_id,
        createdAt: r.created_at.toISOString(),
        prevHash: prev,
      };
      const hash = entryHash(fields);
      changes.push(
        `update reputation_entry set requested_delta = ${fields.requestedDelta}, effective_delta = ${effective}, balance_after = ${balance}, prev_hash = '${prev}', hash = '${hash}' where id = ${r.id}`,
      );
      prev = hash;
    }
    await asSuperuser(t.db, changes.join(';\n'));
    await sql`update reputation_balance set balance = ${balance}, head_hash = ${prev} where subject_id = ${victim.id}`.execute(t.db);
    // …and replaces the checkpoint stored in the database (and the file beside it) with one of the rewritten ledger.
    await sql.raw(`alter table ledger_checkpoint disable trigger ledger_checkpoint_append_only; delete from ledger_checkpoint;
      alter table ledger_checkpoint enable trigger ledger_checkpoint_append_only`).execute(t.db);
    await createCheckpoint(t.db, dataDir);

    // Internally the ledger is now consistent: verification alone cannot see it…
    const inside = await runLedgerVerify(t.url);
    expect(inside.code).toBe(0);
    // …but the checkpoint file published before the rewrite does.
    const { code, out } = await runLedgerVerify(t.url, ['--checkpoint', kept]);
    expect(code).toBe(1);
    expect(out).toContain(
      `BROKEN [checkpoint_mismatch] user ${victim.id}: seq 6 no longer has the hash published in the checkpoint of ${cp.createdAt.toISOString()}: the chain was rewritten`,
    );
    expect(out).not.toContain(subjects[1]!.id);
  });

  it('refuses a checkpoint file that was itself edited', async () => {
    const { t } = await freshLedger();
    const cp = await createCheckpoint(t.db, dataDir);
    const file = path.join(elsewhere, `edited-${cp.fileName}`);
    const text = await readFile(path.join(checkpointDirectory(dataDir), cp.fileName!), 'utf8');
    const parsed = JSON.parse(text) as { heads: { seq: number }[] };
    parsed.heads[0]!.seq = 5;
    await (await import('node:fs/promises')).writeFile(file, JSON.stringify(parsed));
    const { code, out } = await runLedgerVerify(t.url, ['--checkpoint', file]);
    expect(code).toBe(1);
    expect(out).toContain('[checkpoint_file_corrupt]');
  });
});

describe('checkpoints', () => {
  it('the nightly job verifies, records, then publishes a checkpoint whose digest anyone can recompute with jq and sha256sum', async () => {
    const { t } = await freshLedger();
    const config = parseConfig({ DATABASE_URL: 'postgres://unused/db', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    await ledgerCheckpointTask({ db: t.db, config, logger: logger.child({}, { level: 'silent' }) })({}, {} as never);
    const row = await t.db.selectFrom('ledger_checkpoint').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect([row.subject_count, row.entry_count]).toEqual([3, 18]);
    const verification = await t.db.selectFrom('ledger_verification').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect([verification.ok, verification.source]).toEqual([true, 'job']);
    const file = path.join(checkpointDirectory(dataDir), row.file_name!);
    const parsed = await readCheckpointFile(file);
    expect(parsed.digest).toBe(row.digest);
    // The recipe of /registre/points-de-controle, with standard tools.
    const digest = execFileSync('sh', ['-c', `jq -r '.heads[] | "\\(.subject_type)|\\(.subject_id)|\\(.seq)|\\(.hash)"' "$1" | sha256sum | cut -d' ' -f1`, 'sh', file])
      .toString()
      .trim();
    expect(digest).toBe(row.digest);
  });

  it('runs nightly from the crontab, through the real job queue', async () => {
    expect(parseCrontab(crontab).map((i) => i.task)).toContain('ledger_checkpoint');
    expect(crontab).toContain('30 2 * * * ledger_checkpoint');
    const { t } = await freshLedger();
    const config = parseConfig({ DATABASE_URL: 'postgres://unused/db', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    await sql`select graphile_worker.add_job('ledger_checkpoint', '{}'::json)`.execute(t.db);
    await runOnce({ pgPool: t.pool, taskList: buildTaskList({ db: t.db, config, logger: logger.child({}, { level: 'silent' }) }), logger: quietLogger });
    const row = await t.db.selectFrom('ledger_checkpoint').selectAll().executeTakeFirstOrThrow();
    expect([row.subject_count, row.entry_count]).toEqual([3, 18]);
  });

  it('publishes no checkpoint for a ledger that fails verification', async () => {
    const { t, subjects } = await freshLedger();
    await asSuperuser(t.db, `update reputation_entry set reason = 'obligation_on_time' where subject_id = '${subjects[0]!.id}' and seq = 1`);
    const config = parseConfig({ DATABASE_URL: 'postgres://unused/db', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    await ledgerCheckpointTask({ db: t.db, config, logger: logger.child({}, { level: 'silent' }) })({}, {} as never);
    expect(await t.db.selectFrom('ledger_checkpoint').selectAll().execute()).toHaveLength(0);
    const verification = await t.db.selectFrom('ledger_verification').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(verification.ok).toBe(false);
  });
});
