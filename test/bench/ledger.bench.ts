// `npm run bench:ledger`: the reputation ledger at 1 000 000 entries over 10 000 subjects,
// generated in SQL (hash chains computed by PostgreSQL's pgcrypto, so the Node verifier is
// also checked against an independent implementation), in a scratch database on
// TEST_DATABASE_URL's server or on an embedded cluster. Measures, each next to a baseline
// taken in the same run:
//   - append rate through appendLedgerEntry   vs plain INSERTs into the same table
//   - balance lookup p95 (balance table)       vs SUM over the subject's entries
//   - full verification (streaming)            vs reading the same rows without checking them
// Appends a section to docs/benchmarks.md (BENCH_DOC=0 to skip).
// Sizes: BENCH_SUBJECTS (10000), BENCH_PER_SUBJECT (100), BENCH_APPENDS (5000),
// BENCH_LOOKUPS (5000), BENCH_CONCURRENCY (8).
import { appendFile, existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, withDatabase } from '../../db/client';
import type { DB } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrateToLatest } from '../../db/migrate';
import { appendLedgerEntry } from '../../app/domain/reputation/ledger.server';
import { getStanding } from '../../app/domain/reputation/reputation.server';
import { createCheckpoint, verifyLedger } from '../../app/domain/reputation/verify.server';

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 10_000);
const PER_SUBJECT = Number(process.env.BENCH_PER_SUBJECT ?? 100);
const APPENDS = Number(process.env.BENCH_APPENDS ?? 5000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

/** Runs `count` jobs with `concurrency` workers; returns the elapsed milliseconds. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return performance.now() - t0;
}

/** One level of every chain per statement: seq n for all subjects, hashed by pgcrypto. */
async function generate(db: DB): Promise<void> {
  await sql`
    insert into reputation_balance (subject_type, subject_id)
    select case when i % 10 = 0 then 'organization' else 'user' end, gen_random_uuid()
    from generate_series(1, ${SUBJECTS}) i
  `.execute(db);
  for (let level = 1; level <= PER_SUBJECT; level++) {
    await sql`
      with src as (
        select nextval(pg_get_serial_sequence('reputation_entry', 'id')) as id, b.subject_type, b.subject_id,
               b.last_seq + 1 as seq, b.balance, b.head_hash as prev_hash,
               case when (hashtext(b.subject_id::text) + b.last_seq) % 10 = 0 then 'rejected_other' else 'observation_published' end as reason,
               date_trunc('milliseconds', timestamptz '2026-01-01 00:00:00+00' + (b.last_seq + 1) * interval '1 hour'
                 + (abs(hashtext(b.subject_id::text)) % 3600000) * interval '1 millisecond') as created_at
        from reputation_balance b
      ), d as (
        select src.*, case when reason = 'rejected_other' then -2 else 2 end as requested,
               greatest(case when reason = 'rejected_other' then -2 else 2 end, -balance) as effective
        from src
      ), l as (
        select d.*, d.balance + d.effective as balance_after,
               concat_ws('|', 'terridata-ledger-v1', d.id, d.subject_type, d.subject_id, d.seq, d.requested, d.effective,
                 d.balance + d.effective, d.reason, 'observation', 'o' || d.seq, '', '',
                 to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), d.prev_hash) as line
        from d
      ), e as (
        insert into reputation_entry (id, subject_type, subject_id, seq, requested_delta, effective_delta, balance_after,
                                      reason, ref_type, ref_id, actor_id, reverses_entry_id, created_at, prev_hash, hash)
        overriding system value
        select id, subject_type, subject_id, seq, requested, effective, balance_after, reason, 'observation', 'o' || seq,
               null, null, created_at, prev_hash, encode(digest(line, 'sha256'), 'hex')
        from l
        returning subject_type, subject_id, seq, balance_after, hash
      )
      update reputation_balance b
      set last_seq = e.seq, balance = e.balance_after, head_hash = e.hash
      from e where b.subject_type = e.subject_type and b.subject_id = e.subject_id
    `.execute(db);
    if (level % 10 === 0) process.stdout.write(`  generated ${level * SUBJECTS} entries\r`);
  }
  process.stdout.write('\n');
  await sql`analyze reputation_entry`.execute(db);
  await sql`analyze reputation_balance`.execute(db);
}

async function main(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const e = await startEmbeddedPostgres({ dataDir: path.resolve('.data/bench-ledger') });
    adminUrl = e.url;
    stop = e.stop;
  }
  const name = `terridata_bench_ledger_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = withDatabase(adminUrl, name);
  const { db, pool: pgPool } = createDb(url, CONCURRENCY + 2);
  const lines: string[] = [];
  const say = (l: string) => {
    console.log(l);
    lines.push(l);
  };
  try {
    await migrateToLatest(pgPool);
    const { rows: v } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
    console.log(`generating ${SUBJECTS * PER_SUBJECT} entries over ${SUBJECTS} subjects in SQL…`);
    const [, genMs] = await timed(() => generate(db));
    say(`- Generated ${(SUBJECTS * PER_SUBJECT).toLocaleString('en')} entries over ${SUBJECTS.toLocaleString('en')} subjects in SQL (pgcrypto sha256, one chain level per statement): ${s(genMs)}`);

    const { rows: subjects } = await sql<{ subject_type: 'user' | 'organization'; subject_id: string }>`
      select subject_type, subject_id from reputation_balance order by random() limit ${Math.max(LOOKUPS, 2000)}
    `.execute(db);
    const pick = (i: number) => subjects[(i * 7919) % subjects.length]!;

    // Balance lookups: O(1) read of the balance table vs summing the chain.
    const lookup: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) {
      const x = pick(i + 13);
      const t0 = performance.now();
      await getStanding(db, { type: x.subject_type, id: x.subject_id });
      lookup.push(performance.now() - t0);
    }
    const summed: number[] = [];
    for (let i = 0; i < Math.min(LOOKUPS, 2000); i++) {
      const x = pick(i + 13);
      const t0 = performance.now();
      await sql`select coalesce(sum(effective_delta), 0) from reputation_entry where subject_type = ${x.subject_type} and subject_id = ${x.subject_id}`.execute(db);
      summed.push(performance.now() - t0);
    }
    lookup.sort((a, b) => a - b);
    summed.sort((a, b) => a - b);
    say(
      `- Balance lookup (getStanding, ${LOOKUPS} random subjects, one at a time): p50 ${pct(lookup, 50).toFixed(2)} ms, **p95 ${pct(lookup, 95).toFixed(2)} ms** ` +
        `vs SUM over the chain p50 ${pct(summed, 50).toFixed(2)} ms, p95 ${pct(summed, 95).toFixed(2)} ms`,
    );

    // Full verification, streaming, vs reading the same rows in the same batches unchecked.
    const { rows: countRows } = await sql<{ n: number }>`select count(*)::int as n from reputation_entry`.execute(db);
    const total = countRows[0]!.n;
    const readAll = async () => {
      let after: [string, string, number] | null = null;
      let n = 0;
      for (;;) {
        const rows: { subject_type: string; subject_id: string; seq: number }[] = (
          await sql<{ subject_type: string; subject_id: string; seq: number }>`
            select * from reputation_entry
            where ${after ? sql`(subject_type, subject_id, seq) > (${after[0]}, ${after[1]}::uuid, ${after[2]})` : sql`true`}
            order by subject_type, subject_id, seq limit 5000`.execute(db)
        ).rows;
        if (!rows.length) break;
        n += rows.length;
        const last: { subject_type: string; subject_id: string; seq: number } = rows[rows.length - 1]!;
        after = [last.subject_type, last.subject_id, last.seq];
      }
      return n;
    };
    await readAll(); // warm the cache, so that both measures read alike
    const [readRows, readMs] = await timed(readAll);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const cpu0 = process.cpuUsage();
    const [report, verifyMs] = await timed(() => verifyLedger(db));
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    if (!report.ok) throw new Error(`verification failed: ${JSON.stringify(report.problems.slice(0, 3))}`);
    say(
      `- Full verification of ${total.toLocaleString('en')} entries in ${report.subjects.toLocaleString('en')} chains (ledger:verify's walk, batches of 5000): ` +
        `**${s(verifyMs)}** (${(total / (verifyMs / 1000)).toFixed(0)} entries/s, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of Node CPU), ` +
        `vs reading the same ${readRows.toLocaleString('en')} rows unchecked ${s(readMs)}; RSS peak growth ${((peak - rss0) / 1024 / 1024).toFixed(0)} MiB. ` +
        `Every chain generated by pgcrypto verified in Node: the two implementations of the encoding agree.`,
    );
    const [cp, cpMs] = await timed(() => createCheckpoint(db, path.join(tmpdir(), `ledger-bench-${process.pid}`)));
    say(`- Checkpoint of ${cp.subjectCount.toLocaleString('en')} chain heads (file + row): ${s(cpMs)}`);
    // Append rate (after verification, so the baseline's rows do not disturb it): the real writer (lock head, cap, hash, insert, move head), one transaction each.
    const appendMs = await pool(APPENDS, CONCURRENCY, async (i) => {
      const x = pick(i);
      await db.transaction().execute((trx) =>
        appendLedgerEntry(trx, {
          subject: { type: x.subject_type, id: x.subject_id },
          reason: 'observation_published',
          ref: { type: 'observation', id: `bench-${i}` },
        }),
      );
    });
    // Baseline: the same number of plain INSERTs into the same table (same size, same
    // indexes), one transaction each, without lock, hash or balance (fresh subjects, seq 1,
    // dummy hashes: done after the verification, which they would fail).
    const plainMs = await pool(APPENDS, CONCURRENCY, async (i) => {
      await db.transaction().execute((trx) =>
        sql`insert into reputation_entry (subject_type, subject_id, seq, requested_delta, effective_delta, balance_after, reason, ref_type, ref_id, created_at, prev_hash, hash)
            values ('user', gen_random_uuid(), 1, 2, 2, 2, 'observation_published', 'observation', ${`plain-${i}`}, now(), ${'0'.repeat(64)}, ${'0'.repeat(64)})`.execute(trx),
      );
    });
    const appendRate = APPENDS / (appendMs / 1000);
    const plainRate = APPENDS / (plainMs / 1000);
    say(
      `- Append rate (${APPENDS} appends, ${CONCURRENCY} connections, random subjects): **${appendRate.toFixed(0)} entries/s** ` +
        `vs plain INSERT baseline ${plainRate.toFixed(0)} rows/s (${((appendRate / plainRate) * 100).toFixed(0)} % of baseline)`,
    );
    // One subject, serialised: the worst case for a single chain.
    const one = pick(0);
    const oneMs = await pool(Math.min(APPENDS, 1000), CONCURRENCY, async (i) => {
      await db.transaction().execute((trx) =>
        appendLedgerEntry(trx, { subject: { type: one.subject_type, id: one.subject_id }, reason: 'observation_published', ref: { type: 'observation', id: `one-${i}` } }),
      );
    });
    say(`- Appends to one single subject (${Math.min(APPENDS, 1000)}, ${CONCURRENCY} connections queueing on its head): ${(Math.min(APPENDS, 1000) / (oneMs / 1000)).toFixed(0)} entries/s`);

    say(`- Machine: ${cpus().length} cores shared with other work (load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')}), PostgreSQL ${v[0]!.v}, Node ${process.version}`);

    if (process.env.BENCH_DOC !== '0') {
      const doc = path.resolve('docs/benchmarks.md');
      if (!existsSync(doc)) writeFileSync(doc, '# Benchmarks\n');
      const section = `\n## Reputation ledger (\`npm run bench:ledger\`, ${new Date().toISOString().slice(0, 16)}Z)\n\n${lines.join('\n')}\n`;
      await promisify(appendFile)(doc, section);
      console.log(`appended to ${doc}`);
    }
  } finally {
    await db.destroy();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    if (stop) await stop();
  }
}

await main();
