import type { Task } from 'graphile-worker';
import { enforceRetention } from '../../app/domain/identity/personal-data.features.server';
import type { JobDeps } from './index';

/** Daily: deletes personal data past its retention period (see the registry). */
export const enforceRetentionTask =
  ({ db, logger }: JobDeps): Task =>
  async () => {
    const purged = await enforceRetention(db);
    logger.info({ purged }, 'personal-data retention enforced');
  };
