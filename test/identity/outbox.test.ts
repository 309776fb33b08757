// The email outbox: a row (and its send job) in the caller's transaction; the job sends it
// through SMTP when SMTP_URL is set, leaves it readable otherwise, records failures.
import nodemailer from 'nodemailer';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverEmail, listOutbox, sendEmail } from '../../app/domain/email/outbox.server';
import { freePort } from '../support/process';
import { parseConfig } from '../../server/config';
import { logger } from '../../server/logger';
import { sendEmailTask } from '../../server/jobs/send-email';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  logger.level = 'silent';
});
afterAll(async () => t?.close());

const jobsFor = async (id: string) =>
  (
    await sql<{
      n: number;
    }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'send_email' and key = ${'email:' + id}`.execute(
      t.db,
    )
  ).rows[0]!.n;

describe('email outbox', () => {
  it('writes the rendered email and its job in the same transaction (or neither)', async () => {
    const id = await t.db
      .transaction()
      .execute((trx) =>
        sendEmail(trx, {
          to: 'a@example.test',
          template: 'reset_password',
          locale: 'en',
          params: { pseudonym: 'Ana', url: 'https://x.test/r/1' },
        }),
      );
    const [row] = await listOutbox(t.db, { to: 'a@example.test' });
    expect(row).toMatchObject({ subject: 'Reset your password', status: 'pending', locale: 'en' });
    expect(row!.bodyText).toContain('https://x.test/r/1');
    expect(await jobsFor(id)).toBe(1);

    await expect(
      t.db.transaction().execute(async (trx) => {
        await sendEmail(trx, {
          to: 'rolled@example.test',
          template: 'verify_email',
          locale: 'fr',
          params: { pseudonym: 'B', url: 'u' },
        });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await listOutbox(t.db, { to: 'rolled@example.test' })).toHaveLength(0);
  });

  it('French template by default', async () => {
    await sendEmail(t.db, {
      to: 'fr@example.test',
      template: 'verify_email',
      locale: 'de',
      params: { pseudonym: 'Zoé', url: 'https://x.test/v' },
    });
    const [row] = await listOutbox(t.db, { to: 'fr@example.test' });
    expect(row!.subject).toBe('Confirmez votre adresse électronique');
    expect(row!.bodyText).toContain('Bonjour Zoé');
  });

  it('without SMTP_URL the job leaves the row pending for admins to read', async () => {
    const id = await sendEmail(t.db, {
      to: 'nosmtp@example.test',
      template: 'verify_email',
      locale: 'fr',
      params: { pseudonym: 'C', url: 'u' },
    });
    const task = sendEmailTask({ db: t.db, config: parseConfig({ NODE_ENV: 'test' }), logger });
    await task({ id }, {} as never);
    const [row] = await listOutbox(t.db, { to: 'nosmtp@example.test' });
    expect(row!.status).toBe('pending');
  });

  it('sends through a transport once (a second run does not send again)', async () => {
    const id = await sendEmail(t.db, {
      to: 'smtp@example.test',
      template: 'verify_email',
      locale: 'fr',
      params: { pseudonym: 'D', url: 'u' },
    });
    const transport = nodemailer.createTransport({ jsonTransport: true });
    const sent: string[] = [];
    const spy = {
      sendMail: async (m: nodemailer.SendMailOptions) => (
        sent.push(String(m.to)),
        transport.sendMail(m)
      ),
    };
    expect(await deliverEmail(t.db, id, spy, 'terridata <noreply@x.test>')).toBe('sent');
    expect(await deliverEmail(t.db, id, spy, 'terridata <noreply@x.test>')).toBe('already-sent');
    expect(sent).toEqual(['smtp@example.test']);
    const [row] = await listOutbox(t.db, { to: 'smtp@example.test' });
    expect(row!.status).toBe('sent');
    expect(row!.sentAt).not.toBeNull();
  });

  it('an unreachable SMTP server fails the job (to be retried) and records the error', async () => {
    const port = await freePort();
    const id = await sendEmail(t.db, {
      to: 'down@example.test',
      template: 'verify_email',
      locale: 'fr',
      params: { pseudonym: 'E', url: 'u' },
    });
    const task = sendEmailTask({
      db: t.db,
      config: parseConfig({ NODE_ENV: 'test', SMTP_URL: `smtp://127.0.0.1:${port}` }),
      logger,
    });
    await expect(task({ id }, {} as never)).rejects.toThrow();
    const [row] = await listOutbox(t.db, { to: 'down@example.test' });
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.lastError).toMatch(/ECONNREFUSED|connect/i);
  });
});
