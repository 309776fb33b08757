// The notification centre: every decision, request for changes, reply, report outcome and
// broken claim leaves an in-app notification for the right person, written in the same
// transaction as the change. The email side follows the person's preference: at once
// (through the outbox), in a daily digest, or not at all.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { sendEmail } from '../email/outbox.server';
import type { EmailRequest } from '../email/outbox.server';
import { registerPersonalData } from '../identity/personal-data.server';

export const notificationKinds = [
  'approved',
  'second_review',
  'rejected',
  'changes_requested',
  'published',
  'retracted',
  'claim_broken',
  'reply',
  'report_cleared',
  'report_retracted',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export const emailModes = ['immediate', 'digest', 'off'] as const;
export type EmailMode = (typeof emailModes)[number];

export interface NotifyInput {
  userId: string;
  kind: NotificationKind | string;
  contributionId?: string | null;
  /** The title of what it is about (a contribution's title). */
  title: string;
  /** Values the message of the kind is written with at display time, in the reader's language (e.g. `dueOn`). */
  params?: Record<string, string>;
  comment?: string | null;
  url: string;
  /** The email to queue when the user wants emails at once (the digest sends its own). */
  email?: Omit<EmailRequest, 'userId'>;
}

export async function emailModeOf(db: DB, userId: string): Promise<EmailMode> {
  const row = await db.selectFrom('notification_preference').select('email_mode').where('user_id', '=', userId).executeTakeFirst();
  return (row?.email_mode as EmailMode | undefined) ?? 'immediate';
}

/** Writes the in-app notification and, if the user wants it now, the email (caller's transaction). */
export async function notify(trx: DB, n: NotifyInput): Promise<void> {
  const mode = await emailModeOf(trx, n.userId);
  await trx
    .insertInto('notification')
    .values({
      user_id: n.userId,
      kind: n.kind,
      contribution_id: n.contributionId ?? null,
      title: n.title.slice(0, 400),
      params: n.params ? JSON.stringify(n.params) : null,
      comment: n.comment ? n.comment.slice(0, 4000) : null,
      url: n.url,
      // Only users on the daily digest have something left for it.
      digested_at: mode === 'digest' ? null : sql<Date>`now()`,
    })
    .execute();
  if (n.email && mode === 'immediate') {
    await sendEmail(trx, { ...n.email, userId: n.userId });
  }
}

export async function unreadCount(db: DB, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notification')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface NotificationItem {
  id: number;
  kind: string;
  title: string;
  params: Record<string, string>;
  comment: string | null;
  url: string;
  createdAt: Date;
  read: boolean;
}

export async function listNotifications(db: DB, userId: string, opts: { limit?: number; before?: number } = {}): Promise<NotificationItem[]> {
  let q = db
    .selectFrom('notification')
    .select(['id', 'kind', 'title', 'params', 'comment', 'url', 'created_at', 'read_at'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(Math.min(opts.limit ?? 50, 200));
  if (opts.before) q = q.where('id', '<', opts.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    title: r.title,
    params: (r.params ?? {}) as Record<string, string>,
    comment: r.comment,
    url: r.url,
    createdAt: r.created_at,
    read: r.read_at !== null,
  }));
}

/** Marks the user's notifications read (some, or all); never touches anyone else's. */
export async function markRead(db: DB, userId: string, ids: number[] | 'all'): Promise<number> {
  let q = db.updateTable('notification').set({ read_at: sql`now()` }).where('user_id', '=', userId).where('read_at', 'is', null);
  if (ids !== 'all') {
    if (ids.length === 0) return 0;
    q = q.where('id', 'in', ids);
  }
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function setEmailMode(db: DB, userId: string, mode: EmailMode): Promise<void> {
  await db
    .insertInto('notification_preference')
    .values({ user_id: userId, email_mode: mode })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ email_mode: mode, updated_at: sql`now()` }))
    .execute();
}

const digestLabels: Record<string, { fr: string; en: string }> = {
  approved: { fr: 'approuvée', en: 'approved' },
  second_review: { fr: 'en seconde relecture', en: 'in second review' },
  rejected: { fr: 'refusée', en: 'rejected' },
  changes_requested: { fr: 'modifications demandées', en: 'changes requested' },
  published: { fr: 'publiée', en: 'published' },
  retracted: { fr: 'dépubliée', en: 'retracted' },
  claim_broken: { fr: 'prise en charge retirée', en: 'claim broken' },
  reply: { fr: 'nouveau message', en: 'new message' },
  report_cleared: { fr: 'signalement examiné, contenu maintenu', en: 'report reviewed, item kept' },
  report_retracted: { fr: 'signalement examiné, contenu dépublié', en: 'report reviewed, item retracted' },
  obligation_upcoming: { fr: 'livraison de données à venir', en: 'data delivery coming up' },
  obligation_due_today: { fr: 'livraison de données attendue aujourd’hui', en: 'data delivery due today' },
  obligation_overdue: { fr: 'livraison de données en retard', en: 'data delivery overdue' },
};

/** A calendar day ('YYYY-MM-DD') the way each language writes it. */
const dayIn = (iso: string, l: 'fr' | 'en') => {
  const [y, m, d] = iso.split('-');
  return l === 'fr' ? `${d}/${m}/${y}` : iso;
};

/**
 * The daily digest: for each user on "digest", one email listing what they were notified
 * of since the last digest (at most 50 lines). Safe to run twice: notifications are marked
 * in the same transaction as the email is queued.
 */
export async function sendDigests(db: DB, opts: { publicUrl?: string } = {}): Promise<number> {
  const users = await db
    .selectFrom('notification_preference as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['u.id', 'u.email', 'u.pseudonym', 'u.locale'])
    .where('p.email_mode', '=', 'digest')
    .where('u.deleted_at', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('notification as n').select('n.id').whereRef('n.user_id', '=', 'u.id').where('n.digested_at', 'is', null)))
    .execute();
  let sent = 0;
  for (const u of users) {
    await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('notification')
        .select(['id', 'kind', 'title', 'params', 'url'])
        .where('user_id', '=', u.id)
        .where('digested_at', 'is', null)
        .orderBy('id')
        .forUpdate()
        .skipLocked()
        .execute();
      if (!rows.length) return;
      const line = (l: 'fr' | 'en') =>
        rows
          .slice(0, 50)
          .map((r) => {
            const dueOn = (r.params as { dueOn?: string } | null)?.dueOn;
            const when = dueOn ? ` (${dayIn(dueOn, l)})` : '';
            return `- « ${r.title} » : ${digestLabels[r.kind]?.[l] ?? r.kind}${when}`;
          })
          .join('\n');
      await sendEmail(trx, {
        to: u.email,
        template: 'notification_digest',
        locale: u.locale,
        userId: u.id,
        params: { pseudonym: u.pseudonym, count: String(rows.length), lines_fr: line('fr'), lines_en: line('en'), url: `${opts.publicUrl ?? ''}/notifications` },
      });
      await trx
        .updateTable('notification')
        .set({ digested_at: sql`now()` })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      sent++;
    });
  }
  return sent;
}

// The personal-data registry: notifications and preferences are exported with the account
// and deleted with it; thread messages are exported, and on erasure lose their author and
// their text (the conversation keeps its shape for the moderators).
registerPersonalData({
  name: 'notifications',
  table: 'notification',
  export: async (db, userId) => ({
    emailMode: await emailModeOf(db, userId),
    notifications: await db
      .selectFrom('notification')
      .select(['id', 'kind', 'title', 'params', 'comment', 'url', 'created_at', 'read_at'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
  }),
  erase: async (trx, userId) => {
    await trx.deleteFrom('notification').where('user_id', '=', userId).execute();
    await trx.deleteFrom('notification_preference').where('user_id', '=', userId).execute();
  },
  // Read notifications are kept a year.
  purge: async (db, now) => {
    const cutoff = new Date(now.getTime() - 365 * 86_400_000);
    const r = await db.deleteFrom('notification').where('created_at', '<', cutoff).where('read_at', 'is not', null).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  order: -10,
});

registerPersonalData({
  name: 'moderation_thread',
  table: 'comment',
  export: async (db, userId) =>
    db.selectFrom('comment').select(['id', 'contribution_id', 'author_role', 'body', 'created_at']).where('author_id', '=', userId).orderBy('id').execute(),
  erase: async (trx, userId) => {
    await trx.updateTable('comment').set({ author_id: null, body: '—' }).where('author_id', '=', userId).execute();
  },
  order: -10,
});
