// One interface for the bytes of uploads, published files and photos. The rest of the app
// reads and writes through it and does not know which driver runs: a local or shared
// directory (default) or an S3-compatible object store (docs/decisions/012-storage-drivers.md).
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataStore } from '@tus/utils';

export interface StoredObject {
  size: number;
  modifiedAt: Date;
}

/** Inclusive byte positions, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What the tus store tells the app after each write and removal (the upload row). */
export interface TusStoreHooks {
  bytesReceived(id: string, offset: number): Promise<void>;
  removed(id: string): Promise<void>;
}

export interface ObjectStorage {
  readonly driver: 'directory' | 's3';
  /** For logs and the readiness report: where the bytes are, without secrets. */
  readonly description: string;
  /** Stores a whole object (replacing one with the same key); returns its size. */
  put(key: string, body: Readable | Uint8Array | string, opts?: { contentType?: string }): Promise<number>;
  /** The object's bytes, or the inclusive range of them; StorageNotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<StoredObject | null>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /** Copies inside the store (the server side does it where it can). */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Objects whose key starts with prefix (the orphan sweep of the tus store). */
  list(prefix: string): AsyncIterable<{ key: string } & StoredObject>;
  /** A real file path when the driver has one (random access without a copy), else null. */
  localPath(key: string): string | null;
  /** Readiness: resolves when the store answers, throws StorageUnavailableError with the reason. */
  check(): Promise<void>;
  /** Start-up: like check, but a refusal of the credentials throws StorageConfigError. */
  verifyAtStart(): Promise<void>;
  /** The storage key under which the tus store keeps the bytes of upload `id`. */
  tusKey(id: string): string;
  /** The tus DataStore writing into this storage, keeping the upload row in step through hooks. */
  createTusStore(hooks: TusStoreHooks): DataStore;
  /** Removes whatever the tus store keeps for an unfinished upload (expiry). */
  removeTusUpload(id: string): Promise<void>;
  close(): Promise<void>;
}

export class StorageNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored object ${key}`);
  }
}

/** The store cannot be reached or answers with a server error: retry later (HTTP 503). */
export class StorageUnavailableError extends Error {}

/** The store refuses the configured credentials or bucket: fix the named setting. */
export class StorageConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

/** Keys are relative, slash-separated, without `.`/`..` segments or empty parts. */
export function assertStorageKey(key: string): void {
  const parts = key.split('/');
  if (
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  )
    throw new StorageNotFoundError(key);
}

/**
 * Runs fn with a local file holding the object's bytes, for code that needs random access
 * (zip directories, Parquet footers, image decoding): the file itself on the directory
 * driver, a temporary copy otherwise (removed afterwards).
 */
export async function withLocalFile<T>(
  storage: ObjectStorage,
  key: string,
  fn: (file: string) => Promise<T>,
): Promise<T> {
  const local = storage.localPath(key);
  if (local) return fn(local);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'terridata-'));
  try {
    const file = path.join(dir, randomBytes(8).toString('hex'));
    await pipeline(await storage.get(key), createWriteStream(file));
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Errors of the network or of a store's 5xx, as opposed to refusals and missing objects. */
export function isStorageUnavailable(err: unknown): boolean {
  if (err instanceof StorageUnavailableError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: string; name?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH'];
  if (e.code && codes.includes(e.code)) return true;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (e.cause && e.cause !== err) return isStorageUnavailable(e.cause);
  if (err instanceof AggregateError) return err.errors.some(isStorageUnavailable);
  return false;
}
