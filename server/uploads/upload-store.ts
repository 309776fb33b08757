// The tus file store, with the upload row kept in step: after every write the row gets the
// new offset and the expiry restarts from that moment (tus itself counts expiry from
// creation, so the store's own expiration is off); removing the bytes removes the row.
import { createWriteStream } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type stream from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS } from '@tus/utils';
import type { DB } from '#db/client';
import { deleteUploadRecord, recordBytesReceived } from '../../app/domain/uploads/uploads.server';

/**
 * Bytes the file writer may hold while the disk catches up. The body reaches tus through a
 * web stream that queues one chunk at a time; with FileStore's 16 KiB writer, reading the
 * socket waited for each disk write. A larger writer buffer lets both run at once.
 */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

export class UploadStore extends FileStore {
  constructor(
    directory: string,
    private readonly db: DB,
    private readonly expiryMs: number,
  ) {
    super({ directory, expirationPeriodInMilliseconds: 0 });
    // Every upload declares its length at creation: the limits are checked against it.
    this.extensions = this.extensions.filter((e) => e !== 'creation-defer-length');
  }

  override async write(
    readable: http.IncomingMessage | stream.Readable,
    id: string,
    offset: number,
  ): Promise<number> {
    // Ids are ours (hex, see namingFunction): no path can leave the directory.
    if (!/^[0-9a-f]{32}$/.test(id)) throw ERRORS.FILE_NOT_FOUND;
    const out = createWriteStream(path.join(this.directory, id), {
      flags: 'r+',
      start: offset,
      highWaterMark: WRITE_BUFFER_BYTES,
    });
    try {
      await pipeline(readable, out);
    } catch {
      throw ERRORS.FILE_WRITE_ERROR;
    }
    const newOffset = offset + out.bytesWritten;
    if (newOffset > offset) await recordBytesReceived(this.db, id, newOffset, this.expiryMs);
    return newOffset;
  }

  override async remove(id: string): Promise<void> {
    await super.remove(id);
    await deleteUploadRecord(this.db, id);
  }
}
