// The directory driver: every object is a file under one root (a local disk, or a shared
// filesystem mounted by every instance). Keys are paths relative to the root.
import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import type stream from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS } from '@tus/utils';
import type { DataStore } from '@tus/utils';
import {
  StorageNotFoundError,
  StorageUnavailableError,
  assertStorageKey,
} from './storage.server';
import type { ByteRange, ObjectStorage, StoredObject, TusStoreHooks } from './storage.server';

/** Where the tus store keeps bytes, under the root; storage keys of uploads start with it. */
export const TUS_SUBDIR = 'tus';

/**
 * Bytes the file writer may hold while the disk catches up. The body reaches tus through a
 * web stream that queues one chunk at a time; with FileStore's 16 KiB writer, reading the
 * socket waited for each disk write. A larger writer buffer lets both run at once.
 */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;
const READ_BUFFER_BYTES = 1024 * 1024;

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

export class DirectoryStorage implements ObjectStorage {
  readonly driver = 'directory' as const;
  readonly description: string;

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.description = `directory ${this.root}`;
  }

  private file(key: string): string {
    assertStorageKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, body: Readable | Uint8Array | string): Promise<number> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    // Written beside the target and renamed: a reader never sees half an object.
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    const out = createWriteStream(tmp, { highWaterMark: WRITE_BUFFER_BYTES });
    try {
      await pipeline(typeof body === 'string' || body instanceof Uint8Array ? Readable.from([body]) : body, out);
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return out.bytesWritten;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.file(key);
    const info = await stat(file).catch((e) => {
      if (isMissing(e)) throw new StorageNotFoundError(key);
      throw e;
    });
    if (!info.isFile()) throw new StorageNotFoundError(key);
    return createReadStream(file, {
      highWaterMark: READ_BUFFER_BYTES,
      ...(range ? { start: range.start, end: range.end } : {}),
    });
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const info = await stat(this.file(key));
      return info.isFile() ? { size: info.size, modifiedAt: info.mtime } : null;
    } catch (e) {
      if (isMissing(e) || e instanceof StorageNotFoundError) return null;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = this.file(fromKey);
    const target = this.file(toKey);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    try {
      // A hard link costs no space; objects are never rewritten in place once complete (put
      // replaces by rename), so the two names keep the same bytes. Else a copy.
      await link(source, tmp).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') throw e;
        await copyFile(source, tmp);
      });
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      if (isMissing(e)) throw new StorageNotFoundError(fromKey);
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<{ key: string } & StoredObject> {
    // Prefixes name a directory here ("tus/"): the sweep lists one folder, not the tree.
    const dirKey = prefix.endsWith('/') ? prefix.slice(0, -1) : path.posix.dirname(prefix);
    const dir = dirKey === '' || dirKey === '.' ? this.root : this.file(dirKey);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const key = dirKey === '' || dirKey === '.' ? name : `${dirKey}/${name}`;
      if (!key.startsWith(prefix)) continue;
      const info = await stat(path.join(dir, name)).catch(() => null);
      if (info?.isFile()) yield { key, size: info.size, modifiedAt: info.mtime };
    }
  }

  localPath(key: string): string | null {
    return this.file(key);
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, fsConstants.W_OK);
    } catch (e) {
      throw new StorageUnavailableError(`${this.root} is not writable (${(e as Error).message})`);
    }
  }

  async verifyAtStart(): Promise<void> {
    await this.check();
  }

  tusKey(id: string): string {
    return `${TUS_SUBDIR}/${id}`;
  }

  createTusStore(hooks: TusStoreHooks): DataStore {
    return new DirectoryTusStore(path.join(this.root, TUS_SUBDIR), hooks);
  }

  async removeTusUpload(id: string): Promise<void> {
    const file = this.file(this.tusKey(id));
    await rm(file, { force: true });
    await rm(`${file}.json`, { force: true });
  }

  async close(): Promise<void> {}
}

/**
 * The tus file store, with the upload row kept in step: after every write the row gets the
 * new offset (and the expiry restarts from that moment: tus itself counts expiry from
 * creation, so the store's own expiration is off); removing the bytes removes the row.
 */
class DirectoryTusStore extends FileStore {
  constructor(
    directory: string,
    private readonly hooks: TusStoreHooks,
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
    if (newOffset > offset) await this.hooks.bytesReceived(id, newOffset);
    return newOffset;
  }

  override async remove(id: string): Promise<void> {
    await super.remove(id);
    await this.hooks.removed(id);
  }
}
