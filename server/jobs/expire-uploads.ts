// expire_uploads (periodic): removes the bytes and rows of unfinished uploads that received
// nothing for UPLOAD_EXPIRY_HOURS.
import type { Task } from 'graphile-worker';
import { expireUploads } from '../../app/domain/uploads/uploads.server';
import type { JobDeps } from './index';

export const expireUploadsTask =
  ({ db, config, logger }: JobDeps): Task =>
  async () => {
    const removed = await expireUploads(db, config.uploadsDir);
    if (removed.length) logger.info({ n: removed.length }, 'expired uploads removed');
  };
