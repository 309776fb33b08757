import type { Task } from 'graphile-worker';
import { pruneRateLimits } from '../../app/domain/security/rate-limit.server';
import type { JobDeps } from './index';

export const pruneRateLimitsTask =
  ({ db, logger }: JobDeps): Task =>
  async () => {
    const n = await pruneRateLimits(db);
    if (n) logger.debug({ n }, 'pruned rate-limit windows');
  };
