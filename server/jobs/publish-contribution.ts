// Publishes an approved dataset contribution into the catalogue (idempotent).
import type { Task } from 'graphile-worker';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { storageOf } from '../storage';
import type { JobDeps } from './index';

export const publishContributionTask =
  ({ db, config, logger }: JobDeps): Task =>
  async (payload) => {
    const { contributionId } = payload as { contributionId: string };
    const r = await publishApprovedContribution(db, contributionId, { storage: storageOf(config, db) });
    logger.info({ contributionId, ...r }, 'contribution published');
  };
