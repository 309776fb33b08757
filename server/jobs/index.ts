// Every background job, by name. Each job is thin (it calls a domain service) and safe to
// run twice. Periodic jobs are declared in the crontab below.
import type { TaskList } from 'graphile-worker';
import type { DB } from '../../db/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { expireUploadsTask } from './expire-uploads';
import { processUploadTask } from './process-upload';
import { enforceRetentionTask } from './enforce-retention';
import { pruneRateLimitsTask } from './prune-rate-limits';
import { sendEmailTask } from './send-email';
import { testProbeTask } from './test-probe';

export interface JobDeps {
  db: DB;
  config: Config;
  logger: Logger;
}

export function buildTaskList(deps: JobDeps): TaskList {
  const tasks: TaskList = {
    prune_rate_limits: pruneRateLimitsTask(deps),
    process_upload: processUploadTask(deps),
    expire_uploads: expireUploadsTask(deps),
    send_email: sendEmailTask(deps),
    enforce_retention: enforceRetentionTask(deps),
  };
  // A probe used by the worker-failure tests only; never registered in normal runs.
  if (process.env.WORKER_TEST_TASKS === '1') tasks.test_probe = testProbeTask(deps);
  return tasks;
}

// graphile-worker crontab format: minute hour day month weekday task ?opts
export const crontab = [
  '17 * * * * prune_rate_limits ?max=1',
  '23 3 * * * enforce_retention ?max=1', // personal data past its retention period
  '*/10 * * * * expire_uploads ?max=1', // unfinished uploads past their expiry
].join('\n');
