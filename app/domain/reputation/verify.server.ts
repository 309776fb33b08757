// Verification of the whole ledger and published checkpoints (docs/ledger.md).
// The walk reads every chain in (subject, seq) order in keyset batches, so its memory does
// not grow with the ledger: it holds one batch and the state of one chain at a time.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { CHAIN_FORMAT, GENESIS_HASH, checkpointLine, entryHash } from './chain';

export const CHECKPOINT_FORMAT = 'terridata-ledger-checkpoint-v1';
export const checkpointDirectory = (dataDir: string) => path.join(dataDir, 'ledger-checkpoints');

export type ProblemKind =
  | 'seq_gap'
  | 'broken_link'
  | 'hash_mismatch'
  | 'balance_after_mismatch'
  | 'negative_balance'
  | 'missing_tail'
  | 'head_ahead'
  | 'head_mismatch'
  | 'balance_mismatch'
  | 'missing_balance'
  | 'missing_chain'
  | 'checkpoint_file_corrupt'
  | 'checkpoint_entry_missing'
  | 'checkpoint_mismatch';

export interface LedgerProblem {
  kind: ProblemKind;
  subjectType: string | null;
  subjectId: string | null;
  seq: number | null;
  message: string;
}

export interface VerificationReport {
  ok: boolean;
  startedAt: Date;
  finishedAt: Date;
  subjects: number;
  entries: number;
  /** The first problems found (at most `maxProblems`), in walk order: one per chain at most. */
  problems: LedgerProblem[];
  problemCount: number;
  checkpoint: { digest: string; createdAt: string; heads: number } | null;
}

export interface CheckpointFile {
  format: string;
  created_at: string;
  heads: { subject_type: string; subject_id: string; seq: number; hash: string }[];
  subject_count: number;
  entry_count: number;
  digest: string;
}

interface EntryRow {
  id: number;
  subject_type: string;
  subject_id: string;
  seq: number;
  requested_delta: number;
  effective_delta: number;
  balance_after: number;
  reason: string;
  ref_type: string | null;
  ref_id: string | null;
  actor_id: string | null;
  reverses_entry_id: number | null;
  created_at: Date;
  prev_hash: string;
  hash: string;
}

interface BalanceRow {
  subject_type: string;
  subject_id: string;
  balance: number;
  last_seq: number;
  head_hash: string;
}

interface HeadRow {
  subject_type: string;
  subject_id: string;
  last_seq: number;
  head_hash: string;
}

interface ChainState {
  type: string;
  id: string;
  nextSeq: number;
  prevHash: string;
  balance: number;
  broken: boolean;
  stored: BalanceRow | undefined;
}

export async function verifyLedger(
  db: DB,
  opts: { batchSize?: number; maxProblems?: number; checkpoint?: CheckpointFile | null } = {},
): Promise<VerificationReport> {
  const batchSize = opts.batchSize ?? 5000;
  const maxProblems = opts.maxProblems ?? 100;
  const startedAt = new Date();
  const problems: LedgerProblem[] = [];
  let problemCount = 0;
  const report = (p: LedgerProblem) => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(p);
  };
  let subjects = 0;
  let entries = 0;
  let chain: ChainState | null = null;

  const finish = (c: ChainState) => {
    if (c.broken) return;
    const last = c.nextSeq - 1;
    const at = { subjectType: c.type, subjectId: c.id };
    const s = c.stored;
    if (!s) {
      report({ kind: 'missing_balance', ...at, seq: last, message: `${c.type} ${c.id}: no balance row for a chain of ${last} entries` });
    } else if (s.last_seq > last) {
      report({
        kind: 'missing_tail',
        ...at,
        seq: last + 1,
        message: `${c.type} ${c.id}: chain ends at seq ${last} but its head records seq ${s.last_seq}: entries ${last + 1}–${s.last_seq} are missing`,
      });
    } else if (s.last_seq < last) {
      report({ kind: 'head_ahead', ...at, seq: s.last_seq + 1, message: `${c.type} ${c.id}: head records seq ${s.last_seq} but the chain goes on to seq ${last}` });
    } else if (s.head_hash !== c.prevHash) {
      report({ kind: 'head_mismatch', ...at, seq: last, message: `${c.type} ${c.id}: head hash differs from the hash of seq ${last}` });
    } else if (s.balance !== c.balance) {
      report({
        kind: 'balance_mismatch',
        ...at,
        seq: last,
        message: `${c.type} ${c.id}: stored balance ${s.balance} but the entries sum to ${c.balance} (at seq ${last})`,
      });
    }
  };

  let after: [string, string, number] | null = null;
  for (;;) {
    const rows: EntryRow[] = (
      await sql<EntryRow>`
      select id, subject_type, subject_id, seq, requested_delta, effective_delta, balance_after, reason,
             ref_type, ref_id, actor_id, reverses_entry_id, created_at, prev_hash, hash
      from reputation_entry
      where ${after ? sql`(subject_type, subject_id, seq) > (${after[0]}, ${after[1]}::uuid, ${after[2]})` : sql`true`}
      order by subject_type, subject_id, seq
      limit ${batchSize}
    `.execute(db)
    ).rows;
    if (rows.length === 0) break;
    const ids = [...new Set(rows.map((r) => r.subject_id))];
    const { rows: balances } = await sql<BalanceRow>`
      select subject_type, subject_id, balance, last_seq, head_hash from reputation_balance
      where subject_id = any(${ids}::uuid[])
    `.execute(db);
    const stored = new Map(balances.map((b) => [`${b.subject_type}|${b.subject_id}`, b]));

    for (const r of rows) {
      entries++;
      if (!chain || chain.type !== r.subject_type || chain.id !== r.subject_id) {
        if (chain) finish(chain);
        subjects++;
        chain = {
          type: r.subject_type,
          id: r.subject_id,
          nextSeq: 1,
          prevHash: GENESIS_HASH,
          balance: 0,
          broken: false,
          stored: stored.get(`${r.subject_type}|${r.subject_id}`),
        };
      }
      if (chain.broken) continue;
      const at = { subjectType: r.subject_type, subjectId: r.subject_id, seq: r.seq };
      const who = `${r.subject_type} ${r.subject_id}`;
      const fail = (kind: ProblemKind, message: string) => {
        report({ kind, ...at, message: `${who}: ${message}` });
        chain!.broken = true;
      };
      if (r.seq !== chain.nextSeq) {
        fail('seq_gap', r.seq > chain.nextSeq ? `entries ${chain.nextSeq}–${r.seq - 1} are missing before seq ${r.seq}` : `seq ${r.seq} out of order`);
        continue;
      }
      if (r.prev_hash !== chain.prevHash) {
        fail('broken_link', `seq ${r.seq} does not link to the hash of seq ${r.seq - 1}`);
        continue;
      }
      const computed = entryHash({
        id: r.id,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        seq: r.seq,
        requestedDelta: r.requested_delta,
        effectiveDelta: r.effective_delta,
        balanceAfter: r.balance_after,
        reason: r.reason,
        refType: r.ref_type,
        refId: r.ref_id,
        actorId: r.actor_id,
        reversesEntryId: r.reverses_entry_id,
        createdAt: r.created_at.toISOString(),
        prevHash: r.prev_hash,
      });
      if (computed !== r.hash) {
        fail('hash_mismatch', `seq ${r.seq} was altered: its content does not match its hash`);
        continue;
      }
      if (chain.balance + r.effective_delta !== r.balance_after) {
        fail('balance_after_mismatch', `seq ${r.seq}: ${chain.balance} + ${r.effective_delta} ≠ ${r.balance_after}`);
        continue;
      }
      if (r.balance_after < 0) {
        fail('negative_balance', `seq ${r.seq}: balance below 0`);
        continue;
      }
      chain.nextSeq++;
      chain.prevHash = r.hash;
      chain.balance = r.balance_after;
    }
    const last: EntryRow = rows[rows.length - 1]!;
    after = [last.subject_type, last.subject_id, last.seq];
    if (rows.length < batchSize) break;
  }
  if (chain) finish(chain);

  // Heads whose whole chain is gone.
  const { rows: orphans } = await sql<BalanceRow>`
    select b.subject_type, b.subject_id, b.balance, b.last_seq, b.head_hash from reputation_balance b
    where b.last_seq > 0 and not exists (
      select 1 from reputation_entry e where e.subject_type = b.subject_type and e.subject_id = b.subject_id
    )
    order by b.subject_type, b.subject_id
    limit ${maxProblems}
  `.execute(db);
  for (const o of orphans) {
    report({
      kind: 'missing_chain',
      subjectType: o.subject_type,
      subjectId: o.subject_id,
      seq: 1,
      message: `${o.subject_type} ${o.subject_id}: head records seq ${o.last_seq} but no entry is left`,
    });
  }

  let checkpoint: VerificationReport['checkpoint'] = null;
  if (opts.checkpoint) {
    checkpoint = { digest: opts.checkpoint.digest, createdAt: opts.checkpoint.created_at, heads: opts.checkpoint.heads.length };
    await compareWithCheckpoint(db, opts.checkpoint, report);
  }
  return { ok: problemCount === 0, startedAt, finishedAt: new Date(), subjects, entries, problems, problemCount, checkpoint };
}

export function checkpointDigest(heads: CheckpointFile['heads']): string {
  const h = createHash('sha256');
  for (const x of heads) h.update(checkpointLine({ subjectType: x.subject_type, subjectId: x.subject_id, seq: x.seq, hash: x.hash }));
  return h.digest('hex');
}

async function compareWithCheckpoint(db: DB, file: CheckpointFile, report: (p: LedgerProblem) => void) {
  const when = file.created_at;
  if (file.format !== CHECKPOINT_FORMAT || checkpointDigest(file.heads) !== file.digest) {
    report({
      kind: 'checkpoint_file_corrupt',
      subjectType: null,
      subjectId: null,
      seq: null,
      message: `the checkpoint file of ${when} does not match its own digest: it cannot be trusted`,
    });
    return;
  }
  for (let i = 0; i < file.heads.length; i += 1000) {
    const batch = file.heads.slice(i, i + 1000);
    const { rows } = await sql<{ subject_type: string; subject_id: string; seq: number; hash: string }>`
      select e.subject_type, e.subject_id, e.seq, e.hash
      from unnest(${batch.map((h) => h.subject_type)}::text[], ${batch.map((h) => h.subject_id)}::uuid[], ${batch.map((h) => h.seq)}::int[])
        as h(subject_type, subject_id, seq)
      join reputation_entry e on e.subject_type = h.subject_type and e.subject_id = h.subject_id and e.seq = h.seq
    `.execute(db);
    const now = new Map(rows.map((r) => [`${r.subject_type}|${r.subject_id}|${r.seq}`, r.hash]));
    for (const h of batch) {
      const current = now.get(`${h.subject_type}|${h.subject_id}|${h.seq}`);
      const at = { subjectType: h.subject_type, subjectId: h.subject_id, seq: h.seq };
      if (current === undefined) {
        report({
          kind: 'checkpoint_entry_missing',
          ...at,
          message: `${h.subject_type} ${h.subject_id}: seq ${h.seq}, the head published in the checkpoint of ${when}, is missing`,
        });
      } else if (current !== h.hash) {
        report({
          kind: 'checkpoint_mismatch',
          ...at,
          message: `${h.subject_type} ${h.subject_id}: seq ${h.seq} no longer has the hash published in the checkpoint of ${when}: the chain was rewritten`,
        });
      }
    }
  }
}

export async function readCheckpointFile(file: string): Promise<CheckpointFile> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as CheckpointFile;
  if (!parsed || !Array.isArray(parsed.heads) || typeof parsed.digest !== 'string') {
    throw new Error(`${file} is not a ledger checkpoint file`);
  }
  return parsed;
}

export async function recordVerification(db: DB, r: VerificationReport, source: 'cli' | 'job'): Promise<void> {
  await db
    .insertInto('ledger_verification')
    .values({
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      ok: r.ok,
      source,
      subject_count: r.subjects,
      entry_count: r.entries,
      checkpoint_digest: r.checkpoint?.digest ?? null,
      problems: JSON.stringify({ count: r.problemCount, first: r.problems.slice(0, 20) }),
    })
    .execute();
}

export interface CheckpointRecord {
  id: number;
  createdAt: Date;
  digest: string;
  subjectCount: number;
  entryCount: number;
  fileName: string | null;
}

/**
 * Computes a checkpoint (a digest over every chain head, read in one snapshot), writes it
 * as a file under `<dataDir>/ledger-checkpoints/`, and records it in ledger_checkpoint.
 */
export async function createCheckpoint(db: DB, dataDir: string): Promise<CheckpointRecord> {
  const dir = checkpointDirectory(dataDir);
  await mkdir(dir, { recursive: true });
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const createdAt = (await sql<{ now: Date }>`select date_trunc('milliseconds', now()) as now`.execute(trx)).rows[0]!.now;
      const fileName = `checkpoint-${createdAt.toISOString().replace(/[:.]/g, '-')}.json`;
      const tmp = path.join(dir, `.${fileName}.tmp`);
      const out = await open(tmp, 'w');
      const digest = createHash('sha256');
      let subjects = 0;
      let entries = 0;
      try {
        await out.write(`{"format":"${CHECKPOINT_FORMAT}","created_at":"${createdAt.toISOString()}","heads":[\n`);
        let after: [string, string] | null = null;
        for (;;) {
          const rows: HeadRow[] = (
            await sql<HeadRow>`
              select subject_type, subject_id, last_seq, head_hash from reputation_balance
              where last_seq > 0 and ${after ? sql`(subject_type, subject_id) > (${after[0]}, ${after[1]}::uuid)` : sql`true`}
              order by subject_type, subject_id
              limit 10000
            `.execute(trx)
          ).rows;
          if (rows.length === 0) break;
          let chunk = '';
          for (const r of rows) {
            const head = { subject_type: r.subject_type, subject_id: r.subject_id, seq: r.last_seq, hash: r.head_hash };
            digest.update(checkpointLine({ subjectType: r.subject_type, subjectId: r.subject_id, seq: r.last_seq, hash: r.head_hash }));
            chunk += `${subjects ? ',\n' : ''}${JSON.stringify(head)}`;
            subjects++;
            entries += r.last_seq;
          }
          await out.write(chunk);
          const last: HeadRow = rows[rows.length - 1]!;
          after = [last.subject_type, last.subject_id];
        }
        const hex = digest.digest('hex');
        await out.write(`\n],"subject_count":${subjects},"entry_count":${entries},"digest":"${hex}"}\n`);
        await out.sync();
        await out.close();
        await rename(tmp, path.join(dir, fileName));
        const row = await trx
          .insertInto('ledger_checkpoint')
          .values({ created_at: createdAt, subject_count: subjects, entry_count: entries, digest: hex, file_name: fileName })
          .returning('id')
          .executeTakeFirstOrThrow();
        return { id: row.id, createdAt, digest: hex, subjectCount: subjects, entryCount: entries, fileName };
      } catch (e) {
        await out.close().catch(() => {});
        throw e;
      }
    });
}

/** A readable stream of a published checkpoint file, or null if it is not (or no longer) on disk. */
export function checkpointFileStream(dataDir: string, fileName: string) {
  if (!/^checkpoint-[0-9TZ-]+\.json$/.test(fileName)) return null;
  return createReadStream(path.join(checkpointDirectory(dataDir), fileName));
}

export { CHAIN_FORMAT };
