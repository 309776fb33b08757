// Nightly: verify the whole reputation ledger (the result is shown to admins), then publish
// a checkpoint of every chain head (table + file under <DATA_DIR>/ledger-checkpoints/, shown
// on /registre/points-de-controle). A ledger that fails verification gets no checkpoint:
// publishing one would certify the damage. Safe to run twice (two checkpoints, both valid).
import type { Task } from 'graphile-worker';
import { flagMutualConfirmations } from '../../app/domain/reputation/confirmations.server';
import { createCheckpoint, recordVerification, verifyLedger } from '../../app/domain/reputation/verify.server';
import type { JobDeps } from './index';

export const ledgerCheckpointTask =
  ({ db, config, logger }: JobDeps): Task =>
  async () => {
    const report = await verifyLedger(db);
    await recordVerification(db, report, 'job');
    if (!report.ok) {
      logger.error({ problems: report.problems.slice(0, 5), count: report.problemCount }, 'ledger verification failed: no checkpoint published');
      return;
    }
    const cp = await createCheckpoint(db, config.dataDir);
    logger.info({ id: cp.id, digest: cp.digest, subjects: cp.subjectCount, entries: cp.entryCount }, 'ledger checkpoint published');
  };

/** Hourly: flag pairs of accounts that confirm each other too often (admins decide). */
export const reputationFlagMutualTask =
  ({ db, logger }: JobDeps): Task =>
  async () => {
    const ids = await flagMutualConfirmations(db);
    if (ids.length) logger.warn({ flags: ids }, 'mutual confirmations flagged for admins');
  };
