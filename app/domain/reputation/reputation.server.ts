// Reading the ledger: standings and privileges, a subject's entries (paginated and for
// export), leaderboards, checkpoints and verification results. Read-only: the only writer
// is ledger.server.ts.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { CHAIN_FORMAT } from './chain';
import type { LedgerSubject } from './ledger.server';
import { privilegesOf } from './rules';
import type { PrivilegeKey, Privileges, SubjectType } from './rules';

export interface Standing {
  subject: LedgerSubject;
  balance: number;
  entries: number;
  headHash: string | null;
  privileges: Privileges;
}

/** O(1): the balance row, and the privileges it grants now. */
export async function getStanding(db: DB, subject: LedgerSubject): Promise<Standing> {
  const row = await db
    .selectFrom('reputation_balance')
    .select(['balance', 'last_seq', 'head_hash'])
    .where('subject_type', '=', subject.type)
    .where('subject_id', '=', subject.id)
    .executeTakeFirst();
  const balance = row?.balance ?? 0;
  return {
    subject,
    balance,
    entries: row?.last_seq ?? 0,
    headHash: row && row.last_seq > 0 ? row.head_hash : null,
    privileges: privilegesOf(balance, subject.type),
  };
}

/** Whether the subject holds a privilege right now (read at the time of the decision). */
export async function hasPrivilege(db: DB, subject: LedgerSubject, privilege: PrivilegeKey): Promise<boolean> {
  return (await getStanding(db, subject)).privileges.held.includes(privilege);
}

export interface PublicEntry {
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
  created_at: string;
  prev_hash: string;
  hash: string;
}

const entryColumns = [
  'id',
  'subject_type',
  'subject_id',
  'seq',
  'requested_delta',
  'effective_delta',
  'balance_after',
  'reason',
  'ref_type',
  'ref_id',
  'actor_id',
  'reverses_entry_id',
  'created_at',
  'prev_hash',
  'hash',
] as const;

type EntryRow = Omit<PublicEntry, 'created_at'> & { created_at: Date };
const toPublic = (r: EntryRow): PublicEntry => ({ ...r, created_at: r.created_at.toISOString() });

export interface EntryPage {
  entries: (PublicEntry & { reverses_seq: number | null })[];
  page: number;
  pages: number;
  total: number;
}

/** Newest first; pages by seq, so any page costs the same. */
export async function listSubjectEntries(db: DB, subject: LedgerSubject, page = 1, perPage = 25): Promise<EntryPage> {
  const standing = await getStanding(db, subject);
  const total = standing.entries;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const p = Math.min(Math.max(1, page), pages);
  const top = total - (p - 1) * perPage;
  const rows = await db
    .selectFrom('reputation_entry as e')
    .select(entryColumns.map((c) => `e.${c}` as const))
    .select((eb) =>
      eb.selectFrom('reputation_entry as r').select('r.seq').whereRef('r.id', '=', 'e.reverses_entry_id').as('reverses_seq'),
    )
    .where('e.subject_type', '=', subject.type)
    .where('e.subject_id', '=', subject.id)
    .where('e.seq', '<=', top)
    .where('e.seq', '>', top - perPage)
    .orderBy('e.seq', 'desc')
    .execute();
  return { entries: rows.map((r) => ({ ...toPublic(r), reverses_seq: r.reverses_seq })), page: p, pages, total };
}

/** The whole chain in order, in batches (for the CSV and JSON exports). */
export async function* streamSubjectEntries(db: DB, subject: LedgerSubject, batch = 1000): AsyncGenerator<PublicEntry> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('reputation_entry')
      .select(entryColumns)
      .where('subject_type', '=', subject.type)
      .where('subject_id', '=', subject.id)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(batch)
      .execute();
    for (const r of rows) yield toPublic(r);
    if (rows.length < batch) return;
    after = rows[rows.length - 1]!.seq;
  }
}

export const exportColumns = entryColumns;

/** The JSON export: the chain and what is needed to check it, streamed. */
export function subjectJsonExport(db: DB, subject: LedgerSubject): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const it = streamSubjectEntries(db, subject);
  let first = true;
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(
          enc.encode(`{"format":"${CHAIN_FORMAT}","subject_type":"${subject.type}","subject_id":"${subject.id}","entries":[\n`),
        );
        return;
      }
      const next = await it.next();
      if (next.done) {
        controller.enqueue(enc.encode('\n]}\n'));
        controller.close();
        return;
      }
      controller.enqueue(enc.encode(`${first ? '' : ',\n'}${JSON.stringify(next.value)}`));
      first = false;
    },
  });
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function subjectCsvExport(db: DB, subject: LedgerSubject): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const it = streamSubjectEntries(db, subject);
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(enc.encode(`${entryColumns.join(',')}\n`));
        return;
      }
      const next = await it.next();
      if (next.done) return controller.close();
      const e = next.value;
      controller.enqueue(enc.encode(`${entryColumns.map((c) => csvCell(e[c])).join(',')}\n`));
    },
  });
}

export interface SubjectLabel {
  name: string | null;
  /** An organisation's slug, for its page. */
  slug: string | null;
  deleted: boolean;
  exists: boolean;
}

/** What the pages show for a subject: a pseudonym or an organisation's name (the ledger holds neither). */
export async function subjectLabel(db: DB, subject: LedgerSubject): Promise<SubjectLabel> {
  if (subject.type === 'user') {
    const u = await db.selectFrom('users').select(['pseudonym', 'deleted_at']).where('id', '=', subject.id).executeTakeFirst();
    if (!u) return { name: null, slug: null, deleted: false, exists: false };
    return { name: u.deleted_at ? null : u.pseudonym, slug: null, deleted: u.deleted_at !== null, exists: true };
  }
  const o = await db.selectFrom('organization').select(['name', 'slug']).where('id', '=', subject.id).executeTakeFirst();
  return o ? { name: o.name, slug: o.slug, deleted: false, exists: true } : { name: null, slug: null, deleted: false, exists: false };
}

export interface LeaderboardRow {
  rank: number;
  subjectType: SubjectType;
  subjectId: string;
  name: string | null;
  deleted: boolean;
  points: number;
}

interface RankedRow {
  subject_id: string;
  points: number;
  name: string | null;
  deleted: boolean;
}

const ranked = (type: SubjectType, rows: RankedRow[]): LeaderboardRow[] =>
  rows.map((r, i) => ({ rank: i + 1, subjectType: type, subjectId: r.subject_id, name: r.deleted ? null : r.name, deleted: r.deleted, points: r.points }));

function labelJoin(type: SubjectType) {
  return type === 'user'
    ? sql`left join users n on n.id = x.subject_id`
    : sql`left join organization n on n.id = x.subject_id`;
}
const labelCols = (type: SubjectType) =>
  type === 'user' ? sql`n.pseudonym as name, (n.deleted_at is not null) as deleted` : sql`n.name as name, false as deleted`;

/** All-time: the balances (one pass over the balance table, which has no index on balance: see the T1101 migration). */
export async function leaderboard(db: DB, type: SubjectType, limit = 20): Promise<LeaderboardRow[]> {
  const { rows } = await sql<RankedRow>`
    select x.subject_id, x.balance as points, ${labelCols(type)}
    from (select subject_id, balance from reputation_balance where subject_type = ${type} and balance > 0
          order by balance desc, subject_id limit ${limit}) x
    ${labelJoin(type)}
    order by x.balance desc, x.subject_id
  `.execute(db);
  return ranked(type, rows);
}

/** Points earned in a calendar month (Europe/Paris), net of penalties and reversals. */
export async function monthlyLeaderboard(db: DB, type: SubjectType, month: string, limit = 20): Promise<LeaderboardRow[]> {
  const { rows } = await sql<RankedRow>`
    select x.subject_id, x.points, ${labelCols(type)}
    from (
      select subject_id, sum(effective_delta)::int as points from reputation_entry
      where subject_type = ${type}
        and created_at >= (${`${month}-01`}::date)::timestamp at time zone 'Europe/Paris'
        and created_at < ((${`${month}-01`}::date + interval '1 month')::timestamp at time zone 'Europe/Paris')
      group by subject_id having sum(effective_delta) > 0
      order by points desc, subject_id limit ${limit}
    ) x
    ${labelJoin(type)}
    order by x.points desc, x.subject_id
  `.execute(db);
  return ranked(type, rows);
}

/**
 * Organisations whose home territory is the commune. Citizens have no commune yet: that
 * ranking waits for observations (their commune comes from the point).
 */
export async function communeLeaderboard(db: DB, communeCode: string, limit = 20): Promise<LeaderboardRow[]> {
  const { rows } = await sql<RankedRow>`
    select o.id as subject_id, coalesce(b.balance, 0) as points, o.name as name, false as deleted
    from organization o
    join reputation_balance b on b.subject_type = 'organization' and b.subject_id = o.id
    where o.territory_code = ${communeCode} and b.balance > 0
    order by b.balance desc, o.id
    limit ${limit}
  `.execute(db);
  return ranked('organization', rows);
}

export async function listCommunes(db: DB): Promise<{ code: string; name: string }[]> {
  return db.selectFrom('territory').select(['code', 'name']).where('kind', '=', 'commune').orderBy('name').execute();
}

export interface CheckpointView {
  id: number;
  createdAt: string;
  digest: string;
  subjectCount: number;
  entryCount: number;
  fileName: string | null;
}

export async function listCheckpoints(db: DB, limit = 30): Promise<CheckpointView[]> {
  const rows = await db.selectFrom('ledger_checkpoint').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at.toISOString(),
    digest: r.digest,
    subjectCount: r.subject_count,
    entryCount: r.entry_count,
    fileName: r.file_name,
  }));
}

export async function getCheckpoint(db: DB, id: number): Promise<CheckpointView | null> {
  const r = await db.selectFrom('ledger_checkpoint').selectAll().where('id', '=', id).executeTakeFirst();
  return r
    ? { id: r.id, createdAt: r.created_at.toISOString(), digest: r.digest, subjectCount: r.subject_count, entryCount: r.entry_count, fileName: r.file_name }
    : null;
}

export interface VerificationView {
  id: number;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  source: string;
  subjectCount: number;
  entryCount: number;
  checkpointDigest: string | null;
  problemCount: number;
  problems: { kind: string; message: string }[];
}

export async function listVerifications(db: DB, limit = 20): Promise<VerificationView[]> {
  const rows = await db.selectFrom('ledger_verification').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => {
    const p = (typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems) as { count?: number; first?: { kind: string; message: string }[] };
    return {
      id: r.id,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at.toISOString(),
      ok: r.ok,
      source: r.source,
      subjectCount: r.subject_count,
      entryCount: r.entry_count,
      checkpointDigest: r.checkpoint_digest,
      problemCount: p.count ?? 0,
      problems: (p.first ?? []).map((x) => ({ kind: x.kind, message: x.message })),
    };
  });
}
