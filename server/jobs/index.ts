// Every background job, by name. Each job is thin (it calls a domain service) and safe to
// run twice. Periodic jobs are declared in the crontab below.
import type { TaskList } from 'graphile-worker';
import type { DB } from '../../db/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { expireUploadsTask } from './expire-uploads';
import { processUploadTask } from './process-upload';
import { ledgerCheckpointTask, reputationFlagMutualTask } from './ledger-checkpoint';
import { enforceRetentionTask } from './enforce-retention';
import { pruneRateLimitsTask } from './prune-rate-limits';
import { publishContributionTask } from './publish-contribution';
import { expireClaimsTask } from './expire-claims';
import { sendEmailTask } from './send-email';
import { notificationDigestTask } from './notification-digest';
import { testProbeTask } from './test-probe';
import { processPhotoTask } from './process-photo';
import { exportObservationsTask } from './export-observations';
import { contractRemindersTask } from './contract-reminders';

export interface JobDeps {
  db: DB;
  config: Config;
  logger: Logger;
}

export function buildTaskList(deps: JobDeps): TaskList {
  const tasks: TaskList = {
    prune_rate_limits: pruneRateLimitsTask(deps),
    publish_contribution: publishContributionTask(deps),
    expire_claims: expireClaimsTask(deps),
    send_email: sendEmailTask(deps),
    enforce_retention: enforceRetentionTask(deps),
    ledger_checkpoint: ledgerCheckpointTask(deps),
    reputation_flag_mutual: reputationFlagMutualTask(deps),
    process_upload: processUploadTask(deps),
    expire_uploads: expireUploadsTask(deps),
    notification_digest: notificationDigestTask(deps),
    process_photo: processPhotoTask(deps),
    export_observations: exportObservationsTask(deps),
    contract_reminders: contractRemindersTask(deps),
  };
  // A probe used by the worker-failure tests only; never registered in normal runs.
  if (process.env.WORKER_TEST_TASKS === '1') tasks.test_probe = testProbeTask(deps);
  return tasks;
}

// graphile-worker crontab format: minute hour day month weekday task ?opts
export const crontab = [
  '30 2 * * * ledger_checkpoint ?max=1', // nightly reputation ledger verification + checkpoint
  '41 * * * * reputation_flag_mutual ?max=1',
  '17 * * * * prune_rate_limits ?max=1',
  '* * * * * expire_claims ?max=1', // moderation claims past their expiry
  '23 3 * * * enforce_retention ?max=1', // personal data past its retention period
  '*/10 * * * * expire_uploads ?max=1', // unfinished uploads past their expiry
  '0 7 * * * notification_digest ?max=1', // daily digest of notifications (users who chose it)
  '10 5,6 * * * contract_reminders ?max=1', // obligation reminders (after 07:00 Paris; the second run is a no-op)
  '*/5 * * * * export_observations ?max=1', // open data of the observation categories that changed
].join('\n');
