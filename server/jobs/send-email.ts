import type { Task } from 'graphile-worker';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { deliverEmail } from '../../app/domain/email/outbox.server';
import type { JobDeps } from './index';

const payload = z.object({ id: z.string().regex(/^\d+$/) });

/** Sends one outbox row through SMTP_URL; without SMTP the row stays readable by admins. */
export const sendEmailTask = ({ db, config, logger }: JobDeps): Task => {
  const transport = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : null;
  return async (raw) => {
    const { id } = payload.parse(raw);
    const result = await deliverEmail(db, id, transport, config.MAIL_FROM);
    logger.debug({ id, result }, 'email job');
  };
};
