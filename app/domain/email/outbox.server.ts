// The email outbox: every email is a row written in the caller's transaction, with a job
// that sends it through SMTP when SMTP_URL is set. Without SMTP the row stays pending and
// admins read it at /admin/courriels (tests read it too).
import type { Transporter } from 'nodemailer';
import type { DB } from '#db/client';
import { enqueueJob } from '../jobs/jobs.server';
import { renderEmail } from './templates';
import type { EmailTemplate } from './templates';

export const SEND_EMAIL_TASK = 'send_email';

export interface EmailRequest {
  to: string;
  template: EmailTemplate;
  locale: string;
  params: Record<string, string>;
  /** The account the email concerns (export, erasure). */
  userId?: string | null;
}

export async function sendEmail(trx: DB, req: EmailRequest): Promise<string> {
  const { subject, text } = renderEmail(req.template, req.locale, req.params);
  const row = await trx
    .insertInto('email_outbox')
    .values({
      user_id: req.userId ?? null,
      to_address: req.to,
      template: req.template,
      locale: req.locale === 'en' ? 'en' : 'fr',
      params: JSON.stringify(req.params),
      subject,
      body_text: text,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = String(row.id);
  await enqueueJob(trx, SEND_EMAIL_TASK, { id }, { jobKey: `email:${id}`, maxAttempts: 8 });
  return id;
}

export type DeliveryResult = 'sent' | 'already-sent' | 'missing' | 'no-smtp';

/** Sends one queued email; throws on an SMTP failure so that the job is retried. */
export async function deliverEmail(
  db: DB,
  id: string,
  transport: Pick<Transporter, 'sendMail'> | null,
  from: string,
): Promise<DeliveryResult> {
  const row = await db
    .selectFrom('email_outbox')
    .selectAll()
    .where('id', '=', Number(id))
    .executeTakeFirst();
  if (!row) return 'missing';
  if (row.status === 'sent') return 'already-sent';
  if (!transport) return 'no-smtp';
  try {
    await transport.sendMail({
      from,
      to: row.to_address,
      subject: row.subject,
      text: row.body_text,
    });
  } catch (e) {
    await db
      .updateTable('email_outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: String((e as Error).message).slice(0, 500),
        status: 'failed',
      }))
      .where('id', '=', row.id)
      .execute();
    throw e;
  }
  await db
    .updateTable('email_outbox')
    .set((eb) => ({
      status: 'sent',
      sent_at: new Date(),
      attempts: eb('attempts', '+', 1),
      last_error: null,
    }))
    .where('id', '=', row.id)
    .execute();
  return 'sent';
}

export interface OutboxRow {
  id: number;
  toAddress: string;
  template: string;
  locale: string;
  subject: string;
  bodyText: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export async function listOutbox(
  db: DB,
  opts: { to?: string; limit?: number } = {},
): Promise<OutboxRow[]> {
  let q = db
    .selectFrom('email_outbox')
    .select([
      'id',
      'to_address as toAddress',
      'template',
      'locale',
      'subject',
      'body_text as bodyText',
      'status',
      'attempts',
      'last_error as lastError',
      'created_at as createdAt',
      'sent_at as sentAt',
    ])
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 100);
  if (opts.to)
    q = q.where('to_address', 'ilike', `%${opts.to.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
  return q.execute();
}
