// The stored objects in `npm run backup` and `npm run restore`, for either storage driver,
// through the app's ObjectStorage: the configured store, a listing of every object, copies
// that stream (an object of several GB never sits in memory) while hashing, a progress line,
// and the storage keys the database refers to (to check a backup holds every one of them).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { createDb } from '../db/client';
import { createStorage } from '../app/domain/storage/create.server';
import { DirectoryStorage } from '../app/domain/storage/directory.server';
import { StorageConfigError, StorageNotFoundError, assertStorageKey, isStorageUnavailable } from '../app/domain/storage/storage.server';
import type { ObjectStorage } from '../app/domain/storage/storage.server';
import { storageSettings } from '../server/storage';
import type { Config } from '../server/config';
import { BackupError, listFiles } from './backup-common';

export interface OpenedStorage {
  storage: ObjectStorage;
  close(): Promise<void>;
}

/**
 * The store the configuration names. The S3 driver wants a database for the tus upload
 * cache, which these commands never use; it gets a one-connection pool on `databaseUrl`.
 * Credentials or a bucket the store refuses stop here, naming the setting.
 */
export async function openStorage(config: Config, databaseUrl: string): Promise<OpenedStorage> {
  const { db } = createDb(databaseUrl, 1);
  const storage = createStorage(storageSettings(config), db);
  const close = async () => {
    await storage.close();
    await db.destroy();
  };
  try {
    await storage.verifyAtStart();
    await storage.check();
  } catch (e) {
    await close();
    if (e instanceof StorageConfigError) throw new BackupError(`the object store refused the configuration: ${e.message}`);
    throw new BackupError(`the store cannot be reached: ${(e as Error).message}`);
  }
  return { storage, close };
}

export interface ListedObject {
  key: string;
  size: number;
}

/** A file `put` of the directory driver is still writing (renamed to its key when done). */
const DIRECTORY_TEMP = /\.\d+\.\d+\.tmp$/;

/**
 * Every object of the store, sorted by key. The directory driver's own listing covers one
 * folder (the tus sweep's need), so its tree is walked here; half-written temporary files
 * are left out. Keys the app could not have written (S3 "folder" markers ending in "/",
 * `..` segments) are returned apart, to be reported and skipped.
 */
export async function listObjects(storage: ObjectStorage): Promise<{ objects: ListedObject[]; unusable: string[] }> {
  const objects: ListedObject[] = [];
  const unusable: string[] = [];
  if (storage instanceof DirectoryStorage) {
    for (const key of await listFiles(storage.root)) {
      if (DIRECTORY_TEMP.test(key)) continue;
      const info = await stat(path.join(storage.root, key)).catch(() => null);
      if (info) objects.push({ key, size: info.size });
    }
  } else {
    for await (const o of storage.list('')) {
      try {
        assertStorageKey(o.key);
        objects.push({ key: o.key, size: o.size });
      } catch {
        unusable.push(o.key);
      }
    }
  }
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { objects, unusable };
}

/** Whether the store holds at least one object (restore wants an empty target). */
export async function countSome(storage: ObjectStorage): Promise<number> {
  if (storage instanceof DirectoryStorage) return (await listFiles(storage.root)).length;
  let n = 0;
  for await (const _ of storage.list('')) if (++n >= 1000) break;
  return n;
}

const MB = 1e6;
const fmtBytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / MB).toFixed(1)} MB`);

/** Objects and bytes done out of a total, printed every few seconds and at the end. */
export class Progress {
  objects = 0;
  bytes = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly what: string,
    private readonly totalObjects: number,
    private readonly totalBytes: number,
    private readonly log: (m: string) => void,
    intervalMs = 5_000,
  ) {
    if (totalObjects > 0) {
      this.timer = setInterval(() => this.print(), intervalMs);
      this.timer.unref();
    }
  }

  line(): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const pct = this.totalBytes > 0 ? ` (${Math.floor((100 * this.bytes) / this.totalBytes)} %)` : '';
    return `${this.what} ${this.objects}/${this.totalObjects} objects, ${fmtBytes(this.bytes)}/${fmtBytes(this.totalBytes)}${pct}, ${fmtBytes(this.bytes / seconds)}/s`;
  }

  print(): void {
    this.log(`  ${this.line()}`);
  }

  /**
   * A transform that counts the bytes passing through (progress inside a large object);
   * undo takes them back when the copy fails and is tried again.
   */
  counter(): { transform: Transform; undo: () => void } {
    let n = 0;
    const transform = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        this.bytes += chunk.length;
        n += chunk.length;
        done(null, chunk);
      },
    });
    return { transform, undo: () => (this.bytes -= n) };
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.totalObjects > 0) this.print();
  }
}

function hasher(): { transform: Transform; result: () => { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let size = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { transform, result: () => ({ size, sha256: hash.digest('hex') }) };
}

/**
 * Streams an object of the store into a file, hashing it on the way; null when the object
 * is gone (deleted since the listing).
 */
export async function objectToFile(
  storage: ObjectStorage,
  key: string,
  file: string,
  progress: Progress,
): Promise<{ size: number; sha256: string } | null> {
  let body;
  try {
    body = await storage.get(key);
  } catch (e) {
    if (e instanceof StorageNotFoundError) return null;
    throw e;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.copying`;
  const h = hasher();
  const counted = progress.counter();
  try {
    await pipeline(body, h.transform, counted.transform, createWriteStream(tmp));
    await rename(tmp, file);
  } catch (e) {
    counted.undo();
    await rm(tmp, { force: true });
    // The directory driver opens the file lazily: a file removed in between is a missing object.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !(await storage.exists(key))) return null;
    throw e;
  }
  return h.result();
}

/** Streams a file of the backup into the store under key; the sha256 of what was sent. */
export async function fileToObject(
  storage: ObjectStorage,
  file: string,
  key: string,
  progress: Progress,
): Promise<{ size: number; sha256: string }> {
  const h = hasher();
  const counted = progress.counter();
  const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
  // put consumes the stream; the hash and the counter see every byte it reads.
  const body = source.pipe(h.transform).pipe(counted.transform);
  source.on('error', (e) => body.destroy(e));
  try {
    await storage.put(key, body);
  } catch (e) {
    counted.undo();
    source.destroy();
    throw e;
  }
  return h.result();
}

/**
 * fn, tried again (after 1 s, then 2 s) when the store is unreachable or answers a server
 * error: one dropped connection must not end a backup of several hours.
 */
export async function withRetries<T>(what: string, fn: () => Promise<T>, log: (m: string) => void, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !isStorageUnavailable(e)) throw e;
      log(`  ${what}: ${(e as Error).message}; trying again (${i}/${attempts - 1})`);
      await new Promise((r) => setTimeout(r, 1000 * i));
    }
  }
}

/** Runs fn over items, at most `parallel` at a time; the first error stops the rest. */
export async function eachLimited<T>(items: T[], parallel: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (failed === null && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  if (failed !== null) throw failed;
}

/** What the database expects of an object it refers to (size and sha256 where it keeps them). */
export interface Reference {
  what: string;
  size: number | null;
  sha256: string | null;
}

/**
 * Every storage key the database refers to: published files (distributions, with size and
 * sha256), finished uploads (their bytes, with size and sha256 once checked), observation
 * photos and reuse images. Unfinished uploads are left out: their bytes are still coming (on
 * S3 a pending multipart upload, not an object yet) and the upload expires if it never ends.
 */
const REFERENCES_SQL = `
  select storage_key as key, 'published file' as what, size::bigint as size, sha256 from distribution
  union all
  select storage_key, 'upload', size::bigint, sha256 from upload where status <> 'uploading'
  union all
  select photo_key, 'observation photo', null, null from observation where photo_key is not null
  union all
  select image_key, 'reuse image', null, null from reuse where image_key is not null`;

/** The references as the client's transaction sees them (a cursor: the table may be large). */
export async function referencedKeys(client: pg.Client): Promise<Map<string, Reference>> {
  const refs = new Map<string, Reference>();
  await client.query(`declare terridata_refs no scroll cursor for ${REFERENCES_SQL}`);
  for (;;) {
    const { rows } = await client.query<{ key: string; what: string; size: number | null; sha256: string | null }>(
      'fetch 10000 from terridata_refs',
    );
    for (const r of rows) if (!refs.has(r.key)) refs.set(r.key, { what: r.what, size: r.size === null ? null : Number(r.size), sha256: r.sha256 });
    if (rows.length < 10000) break;
  }
  await client.query('close terridata_refs');
  return refs;
}

/** Which of keys the database refers to now (outside any snapshot). */
export async function stillReferenced(client: pg.Client, keys: string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ key: string }>(`select distinct key from (${REFERENCES_SQL}) r where key = any($1)`, [keys]);
  return new Set(rows.map((r) => r.key));
}

/**
 * Storage keys of upload bytes differ between drivers: the directory driver keeps them under
 * `tus/<id>` (info in `tus/<id>.json`), @tus/s3-store at the bucket's root as `<id>` (info in
 * `<id>.info`, the unfinished tail in `<id>.part`). Restoring into the other driver moves the
 * bytes to the key that driver uses and drops the tus bookkeeping, which only an unfinished
 * upload needs (those cannot resume across drivers; they expire). Null: not restored.
 */
export function keyForDriver(key: string, from: string, to: string): string | null {
  if (from === to) return key;
  if (from === 'directory' && to === 's3') {
    const m = /^tus\/([0-9a-f]{32})(\.json)?$/.exec(key);
    if (m) return m[2] ? null : m[1]!;
  }
  if (from === 's3' && to === 'directory') {
    const m = /^([0-9a-f]{32})(\.info|\.part)?$/.exec(key);
    if (m) return m[2] ? null : `tus/${m[1]}`;
  }
  return key;
}

/** The same move for the upload rows of the restored database (idempotent). */
export function uploadKeysSql(from: string, to: string): string | null {
  if (from === 'directory' && to === 's3')
    return `update upload set storage_key = substr(storage_key, 5) where storage_key ~ '^tus/[0-9a-f]{32}$'`;
  if (from === 's3' && to === 'directory')
    return `update upload set storage_key = 'tus/' || storage_key where storage_key ~ '^[0-9a-f]{32}$'`;
  return null;
}

export { fmtBytes };
