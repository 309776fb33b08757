// The tus file store, with the upload row kept in step: after every write the row gets the
// new offset and the expiry restarts from that moment (tus itself counts expiry from
// creation, so the store's own expiration is off); removing the bytes removes the row.
import type stream from 'node:stream';
import type http from 'node:http';
import { FileStore } from '@tus/file-store';
import type { DB } from '#db/client';
import { deleteUploadRecord, recordBytesReceived } from '../../app/domain/uploads/uploads.server';

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
    const newOffset = await super.write(readable, id, offset);
    if (newOffset > offset) await recordBytesReceived(this.db, id, newOffset, this.expiryMs);
    return newOffset;
  }

  override async remove(id: string): Promise<void> {
    await super.remove(id);
    await deleteUploadRecord(this.db, id);
  }
}
