// Returns moderation claims past their expiry to the queue.
import type { Task } from 'graphile-worker';
import { expireClaims } from '../../app/domain/moderation/moderation.server';
import type { JobDeps } from './index';

export const expireClaimsTask =
  ({ db, logger }: JobDeps): Task =>
  async () => {
    const n = await expireClaims(db);
    if (n) logger.info({ n }, 'expired moderation claims returned to the queue');
  };
