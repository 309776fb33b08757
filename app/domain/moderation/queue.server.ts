// What the moderation screens read and do beyond the lifecycle services: the queue of a
// moderator's scopes with its filters and counts, claiming one chosen item, the review
// screen's data (revisions, metadata diff, files with a bounded CSV preview, the
// contributor's standing and history), and bulk decisions item by item.
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppLoadContext } from '@remix-run/node';
import { forbidden, requireModerator } from '../identity/permissions.server';
import type { DB } from '#db/client';
import { previewStoredFile } from '../catalogue/file-preview.server';
import type { FilePreview } from '../catalogue/file-preview.server';
import type { ObjectStorage } from '../storage/storage.server';
import { listContributionEvents } from '../contributions/contributions.server';
import type { ContributionEvent } from '../contributions/contributions.server';
import { revisionFiles } from '../contributions/files.server';
import type { FileItem } from '../contributions/files.server';
import { rejectionReasons } from '../contributions/state-machine';
import type { ContributionState } from '../contributions/state-machine';
import { applyTransition, lockContribution, TransitionError } from '../contributions/transitions.server';
import { getStanding } from '../reputation/reputation.server';
import type { Standing } from '../reputation/reputation.server';
import { ageLevel, overdueCutoffDay, workingDaysBetween } from './holidays';
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

/** Working days after which a waiting item is overdue, when the caller does not say (MODERATION_OVERDUE_DAYS). */
export const DEFAULT_OVERDUE_DAYS = 3;
/** Items per queue page (keyset pagination: `after` / `before` carry the id of a page's edge). */
export const QUEUE_PAGE_SIZE = 100;

export const queueStates = ['waiting', 'submitted', 'in_review', 'second_review', 'tasks', 'report', 'audit'] as const;
export type QueueState = (typeof queueStates)[number];

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

/** The queue's filters and page cursor, as they appear in the URL. Unknown values fall back to "all". */
export const queueFiltersSchema = z.object({
  state: z.preprocess(blankToUndefined, z.enum(queueStates).catch('waiting').default('waiting')),
  kind: z.preprocess(blankToUndefined, z.enum(['dataset', 'observation']).optional().catch(undefined)),
  commune: z.preprocess(blankToUndefined, z.string().regex(/^\d{5,9}$/).optional().catch(undefined)),
  theme: z.preprocess(blankToUndefined, z.string().regex(/^[a-z0-9_-]{1,60}$/).optional().catch(undefined)),
  orgKind: z.preprocess(blankToUndefined, z.string().regex(/^[a-z_-]{1,40}$/).optional().catch(undefined)),
  personalData: z.preprocess(blankToUndefined, z.enum(['yes', 'no']).optional().catch(undefined)),
  age: z.preprocess(blankToUndefined, z.enum(['overdue']).optional().catch(undefined)),
  // Keyset cursors: the id of the last item of the previous page, or of the first of the next.
  after: z.preprocess(blankToUndefined, z.string().regex(/^[0-9a-f-]{36}$/i).optional().catch(undefined)),
  before: z.preprocess(blankToUndefined, z.string().regex(/^[0-9a-f-]{36}$/i).optional().catch(undefined)),
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

export interface QueuePage {
  items: QueueItem[];
  tasks: TaskItem[];
  /** Items (or tasks) matching the filters, on every page. */
  total: number;
  /** Position (from 1) of the first one shown. */
  from: number;
  /** Cursor of the next page (`after=`), of the previous one (`before=`). */
  next: string | null;
  prev: string | null;
}

export interface QueueOptions {
  now?: Date;
  overdueAfter?: number;
  pageSize?: number;
}

/**
 * One page of the queue: items of the moderator's scopes matching the filters, confirmed
 * observations first, then the oldest; or the open review tasks, the oldest first. Pages are
 * cut by keyset (the sort key of the edge item), so a page costs the same wherever it is and
 * an item decided meanwhile never shifts the next page.
 */

/** The fields a review task shows in the list and on its own page (a claim only while in review). */
function taskFields(
  r: {
    id: string;
    kind: string;
    state: TaskItem['state'];
    contribution_id: string;
    title: string;
    reason: TaskItem['reason'];
    comment: TaskItem['comment'];
    created_at: Date;
    claimed_by: string | null;
    claim_expires_at: Date | null;
    holder: string | null;
  },
  moderatorId: string,
) {
  const inReview = r.state === 'in_review';
  return {
    id: r.id,
    kind: r.kind as TaskItem['kind'],
    state: r.state,
    contributionId: r.contribution_id,
    title: r.title,
    reason: r.reason,
    comment: r.comment,
    createdAt: r.created_at,
    claimedBy: inReview ? r.holder : null,
    claimedByMe: inReview && r.claimed_by === moderatorId,
    claimExpiresAt: inReview ? r.claim_expires_at : null,
  };
}

export async function listQueue(db: DB, m: Moderator, f: QueueFilters, opts: QueueOptions = {}): Promise<QueuePage> {
  const now = opts.now ?? new Date();
  const limit = opts.overdueAfter ?? DEFAULT_OVERDUE_DAYS;
  const size = opts.pageSize ?? QUEUE_PAGE_SIZE;
  // Overdue means "dates from before this Paris day began", which the database can filter.
  const cutoff = sql<Date>`(${overdueCutoffDay(now, limit)}::date::timestamp at time zone 'Europe/Paris')`;
  const isTasks = f.state === 'tasks' || f.state === 'report' || f.state === 'audit';
  const backwards = !f.after && Boolean(f.before);
  const cursorId = f.after ?? f.before;
  if (!isTasks) {
    let q = scopedContributions(db, m)
      .leftJoin('organization as o', 'o.id', 'c.organization_id')
      .where('c.state', 'in', f.state === 'waiting' ? ['submitted', 'in_review', 'second_review'] : [f.state]);
    if (f.kind === 'observation') q = q.where('c.kind', '=', 'observation');
    if (f.kind === 'dataset') q = q.where('c.kind', '!=', 'observation');
    if (f.commune) q = q.where(sql<boolean>`${f.commune} = any(c.communes)`);
    if (f.theme) q = q.where(sql<boolean>`${f.theme} = any(c.themes)`);
    if (f.orgKind === 'individual') q = q.where('c.organization_id', 'is', null);
    else if (f.orgKind) q = q.where('o.kind', '=', f.orgKind);
    if (f.personalData) q = q.where('c.personal_data', '=', f.personalData === 'yes');
    if (f.age === 'overdue') q = q.where('c.submitted_at', '<', cutoff);
    // The sort key (confirmed observations first, then the oldest), as one comparable row.
    const key = sql`(-c.queue_priority, c.submitted_at, c.id)`;
    const edge = cursorId
      ? await db.selectFrom('contribution').select(['queue_priority', sql<string>`submitted_at::text`.as('at')]).where('id', '=', cursorId).executeTakeFirst()
      : undefined;
    const edgeKey = edge ? sql`(${-edge.queue_priority}::int, ${edge.at}::timestamptz, ${cursorId}::uuid)` : null;
    let page = q
      .innerJoin('users as u', 'u.id', 'c.submitter_id')
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
      ]);
    if (edgeKey) page = page.where(backwards ? sql<boolean>`${key} < ${edgeKey}` : sql<boolean>`${key} > ${edgeKey}`);
    page = backwards
      ? page.orderBy('c.queue_priority', 'asc').orderBy('c.submitted_at', 'desc').orderBy('c.id', 'desc')
      : page.orderBy('c.queue_priority', 'desc').orderBy('c.submitted_at', 'asc').orderBy('c.id', 'asc');
    const [fetched, total] = await Promise.all([
      page.limit(size + 1).execute(),
      q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const more = fetched.length > size;
    const rows = fetched.slice(0, size);
    if (backwards) rows.reverse();
    const first = rows[0];
    const before = first
      ? await q
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where(sql<boolean>`${key} < (select -x.queue_priority, x.submitted_at, x.id from contribution x where x.id = ${first.id})`)
          .executeTakeFirstOrThrow()
      : { n: '0' };
    const items = rows.map((r): QueueItem => {
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
    return pageOf(items, [], Number(total.n), Number(before.n), backwards ? more : Boolean(edgeKey), backwards ? Boolean(edgeKey) : more);
  }
  let q = scopedContributions(db, m)
    .innerJoin('review_task as t', 't.contribution_id', 'c.id')
    .leftJoin('organization as o', 'o.id', 'c.organization_id')
    .where('t.state', 'in', ['open', 'in_review']);
  if (f.state !== 'tasks') q = q.where('t.kind', '=', f.state);
  // The same filters as the items', on the reviewed contribution.
  if (f.kind === 'observation') q = q.where('c.kind', '=', 'observation');
  if (f.kind === 'dataset') q = q.where('c.kind', '!=', 'observation');
  if (f.commune) q = q.where(sql<boolean>`${f.commune} = any(c.communes)`);
  if (f.theme) q = q.where(sql<boolean>`${f.theme} = any(c.themes)`);
  if (f.orgKind === 'individual') q = q.where('c.organization_id', 'is', null);
  else if (f.orgKind) q = q.where('o.kind', '=', f.orgKind);
  if (f.personalData) q = q.where('c.personal_data', '=', f.personalData === 'yes');
  if (f.age === 'overdue') q = q.where('t.created_at', '<', cutoff);
  const key = sql`(t.created_at, t.id)`;
  const edge = cursorId ? await db.selectFrom('review_task').select(sql<string>`created_at::text`.as('at')).where('id', '=', cursorId).executeTakeFirst() : undefined;
  const edgeKey = edge ? sql`(${edge.at}::timestamptz, ${cursorId}::uuid)` : null;
  let page = q
    .leftJoin('content_report as r', 'r.id', 't.report_id')
    .leftJoin('users as h', 'h.id', 't.claimed_by')
    .select(['t.id', 't.kind', 't.state', 't.contribution_id', 'c.title', 'r.reason', 'r.comment', 't.created_at', 't.claimed_by', 't.claim_expires_at', 'h.pseudonym as holder']);
  if (edgeKey) page = page.where(backwards ? sql<boolean>`${key} < ${edgeKey}` : sql<boolean>`${key} > ${edgeKey}`);
  page = backwards ? page.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc') : page.orderBy('t.created_at', 'asc').orderBy('t.id', 'asc');
  const [fetched, total] = await Promise.all([page.limit(size + 1).execute(), q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()]);
  const more = fetched.length > size;
  const rows = fetched.slice(0, size);
  if (backwards) rows.reverse();
  const first = rows[0];
  const before = first
    ? await q
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where(sql<boolean>`${key} < (select x.created_at, x.id from review_task x where x.id = ${first.id})`)
        .executeTakeFirstOrThrow()
    : { n: '0' };
  const tasks = rows.map((r): TaskItem => {
    const ageDays = workingDaysBetween(r.created_at, now);
    return {
      ...taskFields(r, m.id),
      ageDays,
      age: ageLevel(ageDays, limit),
    };
  });
  return pageOf([], tasks, Number(total.n), Number(before.n), backwards ? more : Boolean(edgeKey), backwards ? Boolean(edgeKey) : more);
}

function pageOf(items: QueueItem[], tasks: TaskItem[], total: number, skipped: number, hasPrev: boolean, hasNext: boolean): QueuePage {
  const shown: { id: string }[] = items.length ? items : tasks;
  return {
    items,
    tasks,
    total,
    from: shown.length ? skipped + 1 : 0,
    // "Previous" also when a cursor led here but nothing lies before (the first page then).
    prev: hasPrev && shown.length && skipped > 0 ? shown[0]!.id : null,
    next: hasNext && shown.length ? shown[shown.length - 1]!.id : null,
  };
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
    ...taskFields(r, m.id),
    contributionState: r.c_state,
    decisionComment: r.decision,
  };
}

// ---------------------------------------------------------------------------------------
// The review screen.

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

/**
 * What the review screen reads of each file: the first 20 rows of a CSV (64 KiB at most), the
 * first 500 features of a GeoJSON (1 MiB at most), however large the file.
 */
export const REVIEW_PREVIEW_LIMITS = { tableBytes: 64 * 1024, geoBytes: 1024 * 1024, maxRows: 20, maxFeatures: 500 } as const;

export interface ReviewRevision {
  id: string;
  number: number;
  frozenAt: Date | null;
  metadata: Record<string, unknown>;
  files: (FileItem & { preview: FilePreview | null })[];
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
export async function getReviewItem(db: DB, m: Moderator, id: string, opts: { storage: ObjectStorage }): Promise<ReviewItem | null> {
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
  const previews = new Map<string, FilePreview | null>();
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
          if (i === 0 && s && f.status === 'verified' && !previews.has(f.id)) {
            previews.set(
              f.id,
              await previewStoredFile(opts.storage, { storageKey: s.storage_key, filename: f.filename, detectedFormat: f.detectedFormat, facts: f.facts }, REVIEW_PREVIEW_LIMITS),
            );
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
