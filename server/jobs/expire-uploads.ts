// expire_uploads (periodic): removes the bytes and rows of unfinished uploads that received
// nothing for UPLOAD_EXPIRY_HOURS, and files of the store that no upload row owns.
import type { Task } from 'graphile-worker';
import { expireUploads, removeOrphanBytes } from '../../app/domain/uploads/uploads.server';
import { storageOf } from '../storage';
import type { JobDeps } from './index';

export const expireUploadsTask =
  ({ db, config, logger }: JobDeps): Task =>
  async () => {
    const storage = storageOf(config, db);
    const removed = await expireUploads(db, storage);
    if (removed.length) logger.info({ n: removed.length }, 'expired uploads removed');
    // Bytes no row owns (their row went while the file could not): after a full expiry period.
    const orphans = await removeOrphanBytes(
      db,
      storage,
      config.UPLOAD_EXPIRY_HOURS * 3_600_000,
    );
    if (orphans.length) logger.warn({ n: orphans.length }, 'orphan upload files removed');
  };
