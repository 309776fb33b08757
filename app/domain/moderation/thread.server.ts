// The conversation on a contribution between its contributor (and their organisation) and
// the moderators. Messages are plain text, bounded, stored as typed and always rendered as
// text. Each message notifies the other side.
import type { DB } from '#db/client';
import { hasConflict, inScope, loadModerator } from './moderation.server';
import { notify } from './notifications.server';

export const MAX_COMMENT_LENGTH = 4000;

export type ThreadErrorCode = 'not_found' | 'forbidden' | 'empty' | 'too_long' | 'closed';

export class ThreadError extends Error {
  constructor(
    readonly code: ThreadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ThreadMessage {
  id: number;
  author: string | null;
  role: 'contributor' | 'moderator';
  body: string;
  at: Date;
  mine: boolean;
}

type Role = 'contributor' | 'moderator';

/** Who the user is in this conversation: the contributor's side, a moderator in scope, or nobody. */
async function roleIn(db: DB, userId: string, c: { id: string; submitter_id: string; organization_id: string | null; state: string }): Promise<Role | null> {
  if (c.submitter_id === userId) return 'contributor';
  if (c.organization_id) {
    const member = await db.selectFrom('membership').select('user_id').where('user_id', '=', userId).where('organization_id', '=', c.organization_id).executeTakeFirst();
    if (member) return c.state === 'draft' ? null : 'contributor';
  }
  if (c.state === 'draft') return null;
  const m = await loadModerator(db, userId);
  if (!m || (await hasConflict(db, m.id, c)) || !(await inScope(db, m, c.id))) return null;
  return 'moderator';
}

async function loadContribution(db: DB, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return db.selectFrom('contribution').select(['id', 'submitter_id', 'organization_id', 'state', 'title', 'claimed_by']).where('id', '=', id).executeTakeFirst();
}

export async function listThread(db: DB, userId: string, contributionId: string): Promise<ThreadMessage[]> {
  const c = await loadContribution(db, contributionId);
  if (!c || !(await roleIn(db, userId, c))) throw new ThreadError('not_found', 'contribution not found');
  const rows = await db
    .selectFrom('comment as m')
    .leftJoin('users as u', 'u.id', 'm.author_id')
    .select(['m.id', 'm.author_id', 'm.author_role', 'm.body', 'm.created_at', 'u.pseudonym'])
    .where('m.contribution_id', '=', contributionId)
    .orderBy('m.id')
    .limit(1000)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    author: r.pseudonym ?? null,
    role: r.author_role as Role,
    body: r.body,
    at: r.created_at,
    mine: r.author_id === userId,
  }));
}

/** Normalises a message: line endings, no control characters, trimmed; refuses empty or too long. */
export function cleanMessage(body: unknown): string {
  const s = (typeof body === 'string' ? body : '')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .trim();
  if (!s) throw new ThreadError('empty', 'the message is empty');
  if (s.length > MAX_COMMENT_LENGTH) throw new ThreadError('too_long', `at most ${MAX_COMMENT_LENGTH} characters`);
  return s;
}

/**
 * Posts a message. The contributor's side writes to the moderators who handled the item
 * (its holder, those who decided or wrote on it); a moderator writes to the contributor.
 */
export async function postMessage(db: DB, userId: string, contributionId: string, body: unknown, opts: { baseUrl?: string } = {}): Promise<{ id: number; role: Role }> {
  const text = cleanMessage(body);
  const c = await loadContribution(db, contributionId);
  if (!c) throw new ThreadError('not_found', 'contribution not found');
  const role = await roleIn(db, userId, c);
  if (!role) throw new ThreadError('not_found', 'contribution not found');
  if (c.state === 'draft' || c.state === 'withdrawn') throw new ThreadError('closed', 'no conversation on this contribution');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('comment')
      .values({ contribution_id: c.id, author_id: userId, author_role: role, body: text })
      .returning('id')
      .executeTakeFirstOrThrow();
    const recipients = new Set<string>();
    if (role === 'moderator') {
      recipients.add(c.submitter_id);
    } else {
      if (c.claimed_by && c.state === 'in_review') recipients.add(c.claimed_by);
      const deciders = await trx
        .selectFrom('moderation_event')
        .select('actor_id')
        .distinct()
        .where('contribution_id', '=', c.id)
        .where('action', 'in', ['claim', 'approve', 'reject', 'request_changes'])
        .where('actor_id', 'is not', null)
        .execute();
      for (const d of deciders) recipients.add(d.actor_id!);
      const writers = await trx
        .selectFrom('comment')
        .select('author_id')
        .distinct()
        .where('contribution_id', '=', c.id)
        .where('author_role', '=', 'moderator')
        .where('author_id', 'is not', null)
        .execute();
      for (const w of writers) recipients.add(w.author_id!);
    }
    recipients.delete(userId);
    const people = recipients.size
      ? await trx
          .selectFrom('users')
          .select(['id', 'email', 'pseudonym', 'locale'])
          .where('id', 'in', [...recipients])
          .where('deleted_at', 'is', null)
          .execute()
      : [];
    const author = await trx.selectFrom('users').select('pseudonym').where('id', '=', userId).executeTakeFirst();
    const base = (opts.baseUrl ?? '').replace(/\/+$/, '');
    for (const p of people) {
      // The contributor's side gets its contribution's page; a moderator, the review screen
      // and the moderators' own wording.
      const toContributor = role === 'moderator';
      const url = toContributor ? `/compte/contributions/${c.id}#fil` : `/moderation/${c.id}#fil`;
      await notify(trx, {
        userId: p.id,
        kind: 'reply',
        contributionId: c.id,
        title: c.title,
        comment: text,
        url,
        email: toContributor
          ? {
              to: p.email,
              template: 'contribution_event',
              locale: p.locale,
              params: { pseudonym: p.pseudonym, title: c.title, event: 'reply', comment: text, url: base + url },
            }
          : {
              to: p.email,
              template: 'moderation_event',
              locale: p.locale,
              params: { pseudonym: p.pseudonym, title: c.title, event: 'reply', author: author?.pseudonym ?? '', comment: text, url: base + url },
            },
      });
    }
    return { id: Number(row.id), role };
  });
}

export interface Publication {
  datasetSlug: string;
  versionNumber: number;
  publishedAt: Date;
  autoApproved: boolean;
  approvers: string[];
  state: string;
}

/** Where a published contribution went in the catalogue, and who approved it (its provenance). */
export async function publicationOf(db: DB, contributionId: string): Promise<Publication | null> {
  if (!/^[0-9a-f-]{36}$/i.test(contributionId)) return null;
  const v = await db
    .selectFrom('dataset_version as v')
    .innerJoin('dataset as d', 'd.id', 'v.dataset_id')
    .select(['d.slug', 'v.number', 'v.published_at', 'v.auto_approved', 'v.approver_ids', 'v.state'])
    .where('v.contribution_id', '=', contributionId)
    .executeTakeFirst();
  if (!v) return null;
  const approvers = v.approver_ids.length
    ? await db.selectFrom('users').select(['id', 'pseudonym']).where('id', 'in', v.approver_ids).execute()
    : [];
  return {
    datasetSlug: v.slug,
    versionNumber: v.number,
    publishedAt: v.published_at,
    autoApproved: v.auto_approved,
    approvers: v.approver_ids.map((id) => approvers.find((a) => a.id === id)?.pseudonym ?? '—'),
    state: v.state,
  };
}
