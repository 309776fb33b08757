// Reminders of contract obligations (7 days before, on the day, weekly while overdue);
// idempotent: each reminder is recorded once per occurrence and kind.
import type { Task } from 'graphile-worker';
import { sendObligationReminders } from '../../app/domain/contracts/reminders.server';
import type { JobDeps } from './index';

export const contractRemindersTask =
  ({ db, config, logger }: JobDeps): Task =>
  async () => {
    const n = await sendObligationReminders(db, new Date(), { publicUrl: config.PUBLIC_URL });
    if (n) logger.info({ n }, 'obligation reminders sent');
  };
