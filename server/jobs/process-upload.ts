// process_upload: the checks of a completed upload (checksum, real format, content), queued
// by the tus endpoint when the last byte arrives. Safe to run twice.
import type { Task } from 'graphile-worker';
import { processUpload } from '../../app/domain/uploads/process-upload.server';
import { storageOf } from '../storage';
import type { JobDeps } from './index';

export const processUploadTask =
  ({ db, config, logger }: JobDeps): Task =>
  async (payload) => {
    const { uploadId } = payload as { uploadId: string };
    const outcome = await processUpload(db, { storage: storageOf(config, db) }, uploadId);
    logger.info({ uploadId, outcome }, 'upload processed');
  };
