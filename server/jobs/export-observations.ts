// export_observations: regenerates the open-data datasets of the observation categories
// whose published observations changed (and creates the missing ones). Every five minutes
// (crontab in ./index.ts); safe to run twice, one export per category at a time.
import type { Task } from 'graphile-worker';
import { exportChangedObservations } from '../../app/domain/observations/open-data.server';
import { storageOf } from '../storage';
import type { JobDeps } from './index';

export const exportObservationsTask =
  ({ db, config, logger }: JobDeps): Task =>
  async (payload) => {
    const all = Boolean((payload as { all?: boolean } | null)?.all);
    const origin = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
    const done = await exportChangedObservations(db, { storage: storageOf(config, db), origin, all });
    if (done.length) logger.info({ exported: done.map((d) => ({ category: d.category, rows: d.rows, created: d.created })) }, 'observation open data regenerated');
  };
