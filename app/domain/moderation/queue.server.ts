// What the moderation screens read and do beyond the lifecycle services: the queue of a
// moderator's scopes with its filters and counts, claiming one chosen item, the review
// screen's data (revisions, metadata diff, files with a bounded CSV preview, the
// contributor's standing and history), and bulk decisions item by item.
import { open } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppLoadContext } from '@remix-run/node';
import { forbidden, requireModerator } from '../identity/permissions.server';
import type { DB } from '#db/client';
import { listContributionEvents } from '../contributions/contributions.server';
import type { ContributionEvent } from '../contributions/contributions.server';
import { revisionFiles } from '../contributions/files.server';
import type { FileItem } from '../contributions/files.server';
import { rejectionReasons } from '../contributions/state-machine';
import type { ContributionState } from '../contributions/state-machine';
import { applyTransition, lockContribution, TransitionError } from '../contributions/transitions.server';
import { getStanding } from '../reputation/reputation.server';
import type { Standing } from '../reputation/reputation.server';
import { ageLevel, workingDaysBetween } from './holidays';
import type { AgeLevel } from './holidays';
import {
  approveContribution,
  DEFAULT_CLAIM_MINUTES,
  expireClaims,
  hasConflict,
  inScope,
  loadModerator,
  METROPOLE_CODE,
  ModerationError,
  rejectContribution,
  releaseClaim,
  requestChanges,
} from './moderation.server';
import type { ModerationErrorCode, Moderator } from './moderation.server';

/** Working days after which a waiting item is overdue (MODERATION_OVERDUE_DAYS, default 3). */
export function overdueAfterDays(): number {
  const n = Number(process.env.MODERATION_OVERDUE_DAYS);
  return Number.isInteger(n) && n > 0 && n < 100 ? n : 3;
}

export const queueStates = ['waiting', 'submitted', 'in_review', 'second_review', 'tasks', 'report', 'audit'] as const;
export type QueueState = (typeof queueStates)[number];

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

/** The queue's filters, as they appear in the URL. Unknown values fall back to "all". */
export const queueFiltersSchema = z.object({
  state: z.preprocess(blankToUndefined, z.enum(queueStates).catch('waiting').default('waiting')),
  kind: z.preprocess(blankToUndefined, z.enum(['dataset', 'observation']).optional().catch(undefined)),
  commune: z.preprocess(blankToUndefined, z.string().regex(/^\d{5,9}$/).optional().catch(undefined)),
  theme: z.preprocess(blankToUndefined, z.string().regex(/^[a-z0-9_-]{1,60}$/).optional().catch(undefined)),
  orgKind: z.preprocess(blankToUndefined, z.string().regex(/^[a-z_-]{1,40}$/).optional().catch(undefined)),
  personalData: z.preprocess(blankToUndefined, z.enum(['yes', 'no']).optional().catch(undefined)),
  age: z.preprocess(blankToUndefined, z.enum(['overdue']).optional().catch(undefined)),
});
export type QueueFilters = z.infer<typeof queueFiltersSchema>;

export function parseQueueFilters(params: URLSearchParams): QueueFilters {
  return queueFiltersSchema.parse(Object.fromEntries(params));
}

export interface QueueItem {
  id: string;
  kind: string;
  state: ContributionState;
  version: number;
  title: string;
  communes: string[];
  themes: string[];
  organizationName: string | null;
  organizationKind: string | null;
  personalData: boolean;
  submitter: string;
  submittedAt: Date | null;
  claimedBy: string | null;
  claimedByMe: boolean;
  claimExpiresAt: Date | null;
  ageDays: number;
  age: AgeLevel;
}

export interface TaskItem {
  id: string;
  kind: 'audit' | 'report';
  state: string;
  contributionId: string;
  title: string;
  reason: string | null;
  comment: string | null;
  createdAt: Date;
  claimedBy: string | null;
  claimedByMe: boolean;
  claimExpiresAt: Date | null;
  ageDays: number;
  age: AgeLevel;
}

const allTerritories = (m: Moderator) => m.territories.length === 0 || m.territories.includes(METROPOLE_CODE);

/** Contributions in the moderator's scopes, without those they have a conflict of interest with. */
function scopedContributions(db: DB, m: Moderator) {
  let q = db
    .selectFrom('contribution as c')
    .where('c.submitter_id', '!=', m.id)
    .where((eb) =>
      eb.or([
        eb('c.organization_id', 'is', null),
        eb('c.organization_id', 'not in', eb.selectFrom('membership').select('organization_id').where('user_id', '=', m.id)),
      ]),
    );
  if (!allTerritories(m)) q = q.where(sql<boolean>`c.communes && ${sql.val(m.territories)}::text[]`);
  if (m.themes.length) q = q.where(sql<boolean>`c.themes && ${sql.val(m.themes)}::text[]`);
  return q;
}

export async function listQueue(db: DB, m: Moderator, f: QueueFilters, now = new Date()): Promise<{ items: QueueItem[]; tasks: TaskItem[] }> {
  const limit = overdueAfterDays();
  const isTasks = f.state === 'tasks' || f.state === 'report' || f.state === 'audit';
  let items: QueueItem[] = [];
  let tasks: TaskItem[] = [];
  if (!isTasks) {
    let q = scopedContributions(db, m)
      .innerJoin('users as u', 'u.id', 'c.submitter_id')
      .leftJoin('organization as o', 'o.id', 'c.organization_id')
      .leftJoin('users as h', 'h.id', 'c.claimed_by')
      .select([
        'c.id',
        'c.kind',
        'c.state',
        'c.version',
        'c.title',
        'c.communes',
        'c.themes',
        'c.personal_data',
        'c.submitted_at',
        'c.claimed_by',
        'c.claim_expires_at',
        'o.name as org_name',
        'o.kind as org_kind',
        'u.pseudonym as submitter',
        'h.pseudonym as holder',
      ])
      .where('c.state', 'in', f.state === 'waiting' ? ['submitted', 'in_review', 'second_review'] : [f.state]);
    if (f.kind === 'observation') q = q.where('c.kind', '=', 'observation');
    if (f.kind === 'dataset') q = q.where('c.kind', '!=', 'observation');
    if (f.commune) q = q.where(sql<boolean>`${f.commune} = any(c.communes)`);
    if (f.theme) q = q.where(sql<boolean>`${f.theme} = any(c.themes)`);
    if (f.orgKind === 'individual') q = q.where('c.organization_id', 'is', null);
    else if (f.orgKind) q = q.where('o.kind', '=', f.orgKind);
    if (f.personalData) q = q.where('c.personal_data', '=', f.personalData === 'yes');
    // Confirmed observations (queue_priority 1) first, then the oldest.
    const rows = await q.orderBy('c.queue_priority', 'desc').orderBy('c.submitted_at').orderBy('c.id').limit(500).execute();
    items = rows.map((r) => {
      const ageDays = r.submitted_at ? workingDaysBetween(r.submitted_at, now) : 0;
      return {
        id: r.id,
        kind: r.kind,
        state: r.state as ContributionState,
        version: r.version,
        title: r.title,
        communes: r.communes,
        themes: r.themes,
        organizationName: r.org_name,
        organizationKind: r.org_kind,
        personalData: r.personal_data,
        submitter: r.submitter,
        submittedAt: r.submitted_at,
        claimedBy: r.state === 'in_review' ? r.holder : null,
        claimedByMe: r.state === 'in_review' && r.claimed_by === m.id,
        claimExpiresAt: r.state === 'in_review' ? r.claim_expires_at : null,
        ageDays,
        age: ageLevel(ageDays, limit),
      };
    });
    if (f.age === 'overdue') items = items.filter((i) => i.age === 'overdue');
  } else {
    let q = scopedContributions(db, m)
      .innerJoin('review_task as t', 't.contribution_id', 'c.id')
      .leftJoin('content_report as r', 'r.id', 't.report_id')
      .leftJoin('users as h', 'h.id', 't.claimed_by')
      .select(['t.id', 't.kind', 't.state', 't.contribution_id', 'c.title', 'r.reason', 'r.comment', 't.created_at', 't.claimed_by', 't.claim_expires_at', 'h.pseudonym as holder'])
      .where('t.state', 'in', ['open', 'in_review']);
    if (f.state !== 'tasks') q = q.where('t.kind', '=', f.state);
    if (f.commune) q = q.where(sql<boolean>`${f.commune} = any(c.communes)`);
    if (f.theme) q = q.where(sql<boolean>`${f.theme} = any(c.themes)`);
    const rows = await q.orderBy('t.created_at').orderBy('t.id').limit(500).execute();
    tasks = rows.map((r) => {
      const ageDays = workingDaysBetween(r.created_at, now);
      return {
        id: r.id,
        kind: r.kind as TaskItem['kind'],
        state: r.state,
        contributionId: r.contribution_id,
        title: r.title,
        reason: r.reason,
        comment: r.comment,
        createdAt: r.created_at,
        claimedBy: r.state === 'in_review' ? r.holder : null,
        claimedByMe: r.state === 'in_review' && r.claimed_by === m.id,
        claimExpiresAt: r.state === 'in_review' ? r.claim_expires_at : null,
        ageDays,
        age: ageLevel(ageDays, limit),
      };
    });
    if (f.age === 'overdue') tasks = tasks.filter((i) => i.age === 'overdue');
  }
  return { items, tasks };
}

export interface QueueCounts {
  submitted: number;
  in_review: number;
  second_review: number;
  report: number;
  audit: number;
  mine: number;
}

/** Counts per state in the moderator's scopes (the queue refreshes them live). */
export async function queueCounts(db: DB, m: Moderator): Promise<QueueCounts> {
  const byState = await scopedContributions(db, m)
    .select(['c.state', (eb) => eb.fn.countAll<number>().as('n'), sql<number>`count(*) filter (where c.claimed_by = ${m.id})`.as('mine')])
    .where('c.state', 'in', ['submitted', 'in_review', 'second_review'])
    .groupBy('c.state')
    .execute();
  const tasks = await scopedContributions(db, m)
    .innerJoin('review_task as t', 't.contribution_id', 'c.id')
    .select(['t.kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('t.state', 'in', ['open', 'in_review'])
    .groupBy('t.kind')
    .execute();
  const get = (s: string) => Number(byState.find((r) => r.state === s)?.n ?? 0);
  return {
    submitted: get('submitted'),
    in_review: get('in_review'),
    second_review: get('second_review'),
    report: Number(tasks.find((t) => t.kind === 'report')?.n ?? 0),
    audit: Number(tasks.find((t) => t.kind === 'audit')?.n ?? 0),
    mine: byState.reduce((a, r) => a + Number(r.mine ?? 0), 0),
  };
}

/** Claims one chosen contribution (from the queue, or for a bulk decision). */
export async function claimContribution(db: DB, m: Moderator, id: string, opts: { claimMinutes?: number } = {}): Promise<{ version: number }> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ModerationError('not_found', 'contribution not found');
  await expireClaims(db);
  return db.transaction().execute(async (trx) => {
    const c = await lockContribution(trx, id).catch((e) => {
      if (e instanceof TransitionError) throw new ModerationError('not_found', 'contribution not found');
      throw e;
    });
    if (await hasConflict(trx, m.id, c)) throw new ModerationError('conflict_of_interest', 'your own contribution or your organisation’s');
    if (!(await inScope(trx, m, id))) throw new ModerationError('out_of_scope', 'outside your scopes');
    const row = await trx.selectFrom('contribution').select(['claimed_by', 'first_approver_id']).where('id', '=', id).executeTakeFirstOrThrow();
    if (c.state === 'in_review' && row.claimed_by === m.id) return { version: c.version };
    if (c.state === 'in_review') throw new ModerationError('not_holder', 'another moderator holds it', { state: c.state, version: c.version });
    if (c.state !== 'submitted' && c.state !== 'second_review') {
      throw new ModerationError('illegal', `the contribution is ${c.state}`, { state: c.state, version: c.version });
    }
    if (c.state === 'second_review' && row.first_approver_id === m.id) throw new ModerationError('same_approver', 'you gave the first approval');
    const expires = new Date(Date.now() + (opts.claimMinutes ?? DEFAULT_CLAIM_MINUTES) * 60_000);
    const after = await applyTransition(trx, c, {
      action: 'claim',
      to: 'in_review',
      actorId: m.id,
      set: { claimed_by: m.id, claimed_at: new Date(), claim_expires_at: expires, claimed_from: c.state },
    });
    return { version: after.version };
  });
}

/** Claims one chosen review task (report or audit). */
export async function claimTask(db: DB, m: Moderator, taskId: string, opts: { claimMinutes?: number } = {}): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(taskId)) throw new ModerationError('not_found', 'task not found');
  await db.transaction().execute(async (trx) => {
    const t = await trx.selectFrom('review_task').selectAll().where('id', '=', taskId).forUpdate().executeTakeFirst();
    if (!t) throw new ModerationError('not_found', 'task not found');
    const c = await trx.selectFrom('contribution').select(['submitter_id', 'organization_id']).where('id', '=', t.contribution_id).executeTakeFirstOrThrow();
    if (await hasConflict(trx, m.id, c)) throw new ModerationError('conflict_of_interest', 'your own contribution or your organisation’s');
    if (!(await inScope(trx, m, t.contribution_id))) throw new ModerationError('out_of_scope', 'outside your scopes');
    const expired = t.state === 'in_review' && t.claim_expires_at !== null && t.claim_expires_at < new Date();
    if (t.state === 'in_review' && t.claimed_by === m.id) return;
    if (t.state === 'in_review' && !expired) throw new ModerationError('not_holder', 'another moderator holds it');
    if (t.state !== 'open' && !expired) throw new ModerationError('illegal', `the task is ${t.state}`);
    const expires = new Date(Date.now() + (opts.claimMinutes ?? DEFAULT_CLAIM_MINUTES) * 60_000);
    await trx.updateTable('review_task').set({ state: 'in_review', claimed_by: m.id, claim_expires_at: expires }).where('id', '=', taskId).execute();
  });
}

export interface TaskDetail {
  id: string;
  kind: 'audit' | 'report';
  state: string;
  contributionId: string;
  contributionState: string;
  title: string;
  reason: string | null;
  comment: string | null;
  createdAt: Date;
  claimedBy: string | null;
  claimedByMe: boolean;
  claimExpiresAt: Date | null;
  decisionComment: string | null;
}

export async function getTask(db: DB, m: Moderator, taskId: string): Promise<TaskDetail | null> {
  if (!/^[0-9a-f-]{36}$/i.test(taskId)) return null;
  const r = await db
    .selectFrom('review_task as t')
    .innerJoin('contribution as c', 'c.id', 't.contribution_id')
    .leftJoin('content_report as r', 'r.id', 't.report_id')
    .leftJoin('users as h', 'h.id', 't.claimed_by')
    .select(['t.id', 't.kind', 't.state', 't.contribution_id', 'c.state as c_state', 'c.title', 'r.reason', 'r.comment', 't.created_at', 't.claimed_by', 't.claim_expires_at', 't.comment as decision', 'h.pseudonym as holder'])
    .where('t.id', '=', taskId)
    .executeTakeFirst();
  if (!r) return null;
  if (!(await inScope(db, m, r.contribution_id))) throw new ModerationError('out_of_scope', 'outside your scopes');
  return {
    id: r.id,
    kind: r.kind as TaskDetail['kind'],
    state: r.state,
    contributionId: r.contribution_id,
    contributionState: r.c_state,
    title: r.title,
    reason: r.reason,
    comment: r.comment,
    createdAt: r.created_at,
    claimedBy: r.state === 'in_review' ? r.holder : null,
    claimedByMe: r.state === 'in_review' && r.claimed_by === m.id,
    claimExpiresAt: r.state === 'in_review' ? r.claim_expires_at : null,
    decisionComment: r.decision,
  };
}

// ---------------------------------------------------------------------------------------
// The review screen.

export interface CsvPreview {
  header: string[];
  rows: string[][];
  types: ('integer' | 'decimal' | 'date' | 'boolean' | 'empty' | 'text')[];
  truncated: boolean;
}

/** Splits CSV text into records (RFC 4180 quotes, any of ; , tab |). Never evaluates anything. */
export function parseCsv(text: string, delimiter: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if ((field !== '' || row.length) && rows.length < maxRows) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function detectDelimiter(firstLine: string): string {
  const candidates = [';', ',', '\t', '|'];
  let best = ',';
  let bestCount = 0;
  for (const d of candidates) {
    const n = firstLine.split(d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

function columnType(values: string[]): CsvPreview['types'][number] {
  const v = values.map((x) => x.trim()).filter((x) => x !== '');
  if (!v.length) return 'empty';
  if (v.every((x) => /^[+-]?\d+$/.test(x))) return 'integer';
  if (v.every((x) => /^[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?$/.test(x))) return 'decimal';
  if (v.every((x) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/.test(x) || /^\d{2}\/\d{2}\/\d{4}$/.test(x))) return 'date';
  if (v.every((x) => /^(true|false|vrai|faux|oui|non|0|1)$/i.test(x))) return 'boolean';
  return 'text';
}

/**
 * The first rows of a stored CSV file: at most `maxBytes` read from disk (the file may be
 * huge), cut at the last complete line, parsed as text. The page renders every cell as
 * escaped text; nothing from the file is ever interpreted.
 */
export async function previewCsv(uploadsDir: string, storageKey: string, opts: { maxBytes?: number; maxRows?: number } = {}): Promise<CsvPreview | null> {
  const root = path.resolve(uploadsDir);
  const file = path.resolve(root, storageKey);
  if (!file.startsWith(root + path.sep)) return null;
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const maxRows = opts.maxRows ?? 20;
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buf, 0, maxBytes, 0);
    const size = (await handle.stat()).size;
    let bytes = buf.subarray(0, bytesRead);
    const truncatedBytes = size > bytesRead;
    if (truncatedBytes) {
      const lastNl = bytes.lastIndexOf(0x0a);
      if (lastNl > 0) bytes = bytes.subarray(0, lastNl + 1);
    }
    let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    if (text.includes('\uFFFD')) text = new TextDecoder('windows-1252').decode(bytes);
    text = text.replace(/^\uFEFF/, '');
    const firstLine = text.slice(0, text.search(/\r?\n|$/));
    const records = parseCsv(text, detectDelimiter(firstLine), maxRows + 1);
    const [header = [], ...rows] = records;
    const width = header.length;
    const types = header.map((_, i) => columnType(rows.map((r) => r[i] ?? '')));
    return {
      header: header.map((h) => h.slice(0, 200)),
      rows: rows.map((r) => Array.from({ length: width }, (_, i) => (r[i] ?? '').slice(0, 500))),
      types,
      truncated: truncatedBytes || records.length > maxRows,
    };
  } finally {
    await handle.close();
  }
}

export interface MetadataChange {
  field: string;
  before: string;
  after: string;
}

const show = (v: unknown): string => {
  if (v === undefined || v === null || v === '') return '';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** What changed in the metadata from one revision to the next, field by field. */
export function metadataDiff(before: Record<string, unknown>, after: Record<string, unknown>): MetadataChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => f !== 'rightsStatement');
  const changes: MetadataChange[] = [];
  for (const field of fields) {
    const a = show(before[field]);
    const b = show(after[field]);
    if (a !== b) changes.push({ field, before: a, after: b });
  }
  return changes;
}

export interface ReviewRevision {
  id: string;
  number: number;
  frozenAt: Date | null;
  metadata: Record<string, unknown>;
  files: (FileItem & { preview: CsvPreview | null })[];
}

export interface ReviewItem {
  id: string;
  kind: string;
  state: ContributionState;
  version: number;
  title: string;
  personalData: boolean;
  communes: string[];
  themes: string[];
  submittedAt: Date | null;
  firstApproverId: string | null;
  claimedBy: string | null;
  claimedByMe: boolean;
  claimExpiresAt: Date | null;
  conflict: boolean;
  submitter: { id: string; pseudonym: string; memberSince: Date; standing: Standing; history: Record<string, number> };
  organization: { name: string; kind: string; standing: Standing } | null;
  revisions: ReviewRevision[];
  /** Changes from the previous submitted revision to the current one (empty for a first submission). */
  diff: MetadataChange[];
  diffFrom: number | null;
  events: ContributionEvent[];
  openTasks: { id: string; kind: string; state: string }[];
}

/**
 * Everything the review screen shows. Out of the moderator's scopes → ModerationError
 * 'out_of_scope'; unknown → null. Drafts are nobody's business but their author's.
 */
export async function getReviewItem(db: DB, m: Moderator, id: string, opts: { uploadsDir: string }): Promise<ReviewItem | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const c = await db
    .selectFrom('contribution as c')
    .innerJoin('users as u', 'u.id', 'c.submitter_id')
    .leftJoin('organization as o', 'o.id', 'c.organization_id')
    .leftJoin('users as h', 'h.id', 'c.claimed_by')
    .selectAll('c')
    .select(['u.pseudonym', 'u.created_at as member_since', 'o.name as org_name', 'o.kind as org_kind', 'h.pseudonym as holder'])
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!c || c.state === 'draft') return null;
  if (!(await inScope(db, m, id))) throw new ModerationError('out_of_scope', 'outside your scopes');
  const conflict = await hasConflict(db, m.id, c);
  const revisions = await db
    .selectFrom('contribution_revision')
    .select(['id', 'number', 'metadata', 'frozen_at'])
    .where('contribution_id', '=', id)
    .where('frozen_at', 'is not', null)
    .orderBy('number', 'desc')
    .execute();
  const storage = await db
    .selectFrom('revision_upload as ru')
    .innerJoin('upload as u', 'u.id', 'ru.upload_id')
    .select(['u.id', 'u.storage_key', 'u.filename', 'u.detected_format'])
    .where(
      'ru.revision_id',
      'in',
      revisions.map((r) => r.id).concat(['00000000-0000-0000-0000-000000000000']),
    )
    .execute();
  const previews = new Map<string, CsvPreview | null>();
  const out: ReviewRevision[] = [];
  for (const [i, r] of revisions.entries()) {
    const files = await revisionFiles(db, r.id);
    out.push({
      id: r.id,
      number: r.number,
      frozenAt: r.frozen_at,
      metadata: (r.metadata ?? {}) as Record<string, unknown>,
      files: await Promise.all(
        files.map(async (f) => {
          // Previews for the current revision only (older ones keep their reports).
          const s = storage.find((x) => x.id === f.id);
          const csvLike = /\.(csv|tsv|txt)$/i.test(f.filename) || ['csv', 'tsv', 'text'].includes(f.detectedFormat ?? '');
          if (i === 0 && s && csvLike && f.status === 'verified' && !previews.has(f.id)) {
            previews.set(f.id, await previewCsv(opts.uploadsDir, s.storage_key));
          }
          return { ...f, preview: i === 0 ? (previews.get(f.id) ?? null) : null };
        }),
      ),
    });
  }
  const events = await listContributionEvents(db, id);
  const history = await db
    .selectFrom('contribution')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('submitter_id', '=', c.submitter_id)
    .where('state', '!=', 'draft')
    .groupBy('state')
    .execute();
  const openTasks = await db
    .selectFrom('review_task')
    .select(['id', 'kind', 'state'])
    .where('contribution_id', '=', id)
    .where('state', 'in', ['open', 'in_review'])
    .execute();
  const [current, previous] = out;
  return {
    id: c.id,
    kind: c.kind,
    state: c.state as ContributionState,
    version: c.version,
    title: c.title,
    personalData: c.personal_data,
    communes: c.communes,
    themes: c.themes,
    submittedAt: c.submitted_at,
    firstApproverId: c.first_approver_id,
    claimedBy: c.state === 'in_review' ? c.holder : null,
    claimedByMe: c.state === 'in_review' && c.claimed_by === m.id,
    claimExpiresAt: c.state === 'in_review' ? c.claim_expires_at : null,
    conflict,
    submitter: {
      id: c.submitter_id,
      pseudonym: c.pseudonym,
      memberSince: c.member_since,
      standing: await getStanding(db, { type: 'user', id: c.submitter_id }),
      history: Object.fromEntries(history.map((h) => [h.state, Number(h.n)])),
    },
    organization:
      c.organization_id && c.org_name
        ? { name: c.org_name, kind: c.org_kind ?? '', standing: await getStanding(db, { type: 'organization', id: c.organization_id }) }
        : null,
    revisions: out,
    diff: current && previous ? metadataDiff(previous.metadata, current.metadata) : [],
    diffFrom: previous ? previous.number : null,
    events,
    openTasks,
  };
}

// ---------------------------------------------------------------------------------------
// Decisions from forms, and bulk decisions.

export const decisionActions = ['approve', 'reject', 'request_changes'] as const;
export type DecisionAction = (typeof decisionActions)[number];

export const decisionSchema = z.object({
  decision: z.enum(decisionActions),
  reasonCode: z.preprocess(blankToUndefined, z.enum(rejectionReasons).optional()),
  comment: z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().max(4000)),
  version: z.preprocess(blankToUndefined, z.coerce.number().int().nonnegative().optional()),
});
export type DecisionInput = z.infer<typeof decisionSchema>;

export async function decide(db: DB, m: Moderator, id: string, d: DecisionInput): Promise<void> {
  // Only the holder decides: any other decision (unclaimed, held by someone else, already
  // decided, out of scope) is a forged or foreign one, refused before anything is written.
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ModerationError('not_found', 'contribution not found');
  const row = await db.selectFrom('contribution').select(['state', 'claimed_by']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new ModerationError('not_found', 'contribution not found');
  if (row.state !== 'in_review' || row.claimed_by !== m.id) throw new ModerationError('not_holder', 'you do not hold this contribution');
  if (d.decision === 'approve') await approveContribution(db, m, id, { expectedVersion: d.version, comment: d.comment || null });
  else if (d.decision === 'reject') await rejectContribution(db, m, id, { reasonCode: d.reasonCode ?? '', comment: d.comment, expectedVersion: d.version });
  else await requestChanges(db, m, id, { comment: d.comment, expectedVersion: d.version });
}

/** HTTP status of a refusal: forged or foreign decisions are 403, races 409, missing input 422. */
export function moderationStatus(code: ModerationErrorCode): number {
  switch (code) {
    case 'not_found':
      return 404;
    case 'illegal':
    case 'stale':
      return 409;
    case 'reason_required':
    case 'comment_required':
      return 422;
    default:
      return 403;
  }
}

export interface BulkResult {
  id: string;
  title: string;
  outcome: 'decided' | 'skipped';
  /** The new state when decided; the refusal code when skipped. */
  detail: string;
  holder?: string | null;
}

export const MAX_BULK = 100;

/**
 * One decision (one reason, one comment) on a selection: each item is claimed and decided
 * on its own (its own events, its own transaction), so items that someone else claimed or
 * decided meanwhile are skipped and reported with the reason while the others go through.
 */
export async function bulkDecide(db: DB, m: Moderator, ids: string[], d: DecisionInput): Promise<BulkResult[]> {
  if (d.decision === 'reject' && !d.reasonCode) throw new ModerationError('reason_required', 'a rejection needs a reason code');
  if (d.decision !== 'approve' && !d.comment) throw new ModerationError('comment_required', 'a comment is needed');
  const unique = [...new Set(ids)].filter((x) => /^[0-9a-f-]{36}$/i.test(x)).slice(0, MAX_BULK);
  const titles = new Map(
    (await db.selectFrom('contribution').select(['id', 'title']).where('id', 'in', unique.concat(['00000000-0000-0000-0000-000000000000'])).execute()).map((r) => [r.id, r.title]),
  );
  const results: BulkResult[] = [];
  for (const id of unique) {
    const title = titles.get(id) ?? '';
    let claimed = false;
    try {
      await claimContribution(db, m, id);
      claimed = true;
      await decide(db, m, id, { ...d, version: undefined });
      const after = await db.selectFrom('contribution').select('state').where('id', '=', id).executeTakeFirstOrThrow();
      results.push({ id, title, outcome: 'decided', detail: after.state });
    } catch (e) {
      if (!(e instanceof ModerationError)) throw e;
      let holder: string | null = null;
      if (e.code === 'not_holder') {
        const h = await db
          .selectFrom('contribution as c')
          .leftJoin('users as u', 'u.id', 'c.claimed_by')
          .select('u.pseudonym')
          .where('c.id', '=', id)
          .executeTakeFirst();
        holder = h?.pseudonym ?? null;
      }
      // A claim taken for this decision is given back when the decision itself failed.
      if (claimed) await releaseClaim(db, m, id).catch(() => undefined);
      results.push({ id, title, outcome: 'skipped', detail: e.code === 'illegal' && e.current ? `already_${e.current.state}` : e.code, holder });
    }
  }
  return results;
}

/** Route guard: a moderator (roles and second factor checked) with their scopes loaded. */
export async function requireModeratorScopes(context: AppLoadContext, request: Request): Promise<Moderator & { pseudonym: string }> {
  const user = await requireModerator(context, request);
  const m = await loadModerator(context.db, user.id);
  if (!m) throw forbidden(request);
  return { ...m, pseudonym: user.pseudonym };
}

/** A refusal thrown out of a route: 403 for forged or foreign decisions, etc. */
export function refusal(e: ModerationError): Response {
  return new Response(e.code, { status: moderationStatus(e.code) });
}

/** A file of a contribution in the moderator's scopes, for download (its bytes as stored). */
export async function reviewFile(db: DB, m: Moderator, contributionId: string, uploadId: string): Promise<{ storageKey: string; filename: string; size: number | null } | null> {
  if (!/^[0-9a-f-]{36}$/i.test(contributionId) || !/^[0-9a-zA-Z_-]{1,100}$/.test(uploadId)) return null;
  const row = await db
    .selectFrom('revision_upload as ru')
    .innerJoin('contribution_revision as r', 'r.id', 'ru.revision_id')
    .innerJoin('contribution as c', 'c.id', 'r.contribution_id')
    .innerJoin('upload as u', 'u.id', 'ru.upload_id')
    .select(['u.storage_key', 'u.filename', 'u.size', 'c.state'])
    .where('c.id', '=', contributionId)
    .where('u.id', '=', uploadId)
    .where('r.frozen_at', 'is not', null)
    .executeTakeFirst();
  if (!row || row.state === 'draft') return null;
  if (!(await inScope(db, m, contributionId))) throw new ModerationError('out_of_scope', 'outside your scopes');
  return { storageKey: row.storage_key, filename: row.filename, size: row.size };
}
