// The daily digest of notifications, for users who chose it over immediate emails.
import type { Task } from 'graphile-worker';
import { sendDigests } from '../../app/domain/moderation/notifications.server';
import type { JobDeps } from './index';

export const notificationDigestTask =
  ({ db, config, logger }: JobDeps): Task =>
  async () => {
    const n = await sendDigests(db, { publicUrl: config.PUBLIC_URL });
    if (n) logger.info({ n }, 'notification digests queued');
  };
