// The S3 driver: objects in one bucket of any S3-compatible store. The tus endpoint writes
// through @tus/s3-store (multipart uploads), its upload-info cache kept in PostgreSQL.
import type { Readable } from 'node:stream';
import type stream from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import { ERRORS } from '@tus/utils';
import type { DataStore } from '@tus/utils';
import type { DB } from '#db/client';
import { PostgresKvStore } from './pg-kv-store.server';
import {
  StorageConfigError,
  StorageNotFoundError,
  StorageUnavailableError,
  assertStorageKey,
  isStorageUnavailable,
} from './storage.server';
import type { ByteRange, ObjectStorage, StoredObject, TusStoreHooks } from './storage.server';

export interface S3Settings {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Size of the parts of multipart uploads (tus PATCHes and large puts); S3's minimum is 5 MiB. */
  partBytes?: number;
  /**
   * Objects larger than this are copied by streaming them into a multipart upload, since
   * one CopyObject is limited to 5 GiB by S3 (default: 5 GiB; lowered in tests).
   */
  copyObjectMaxBytes?: number;
}

const COPY_OBJECT_MAX = 5 * 1024 * 1024 * 1024;

const MIN_PART = 5 * 1024 * 1024;

type S3Error = { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
const errName = (e: unknown) => (e as S3Error)?.name ?? (e as S3Error)?.Code;
const httpStatus = (e: unknown) => (e as S3Error)?.$metadata?.httpStatusCode;
const isNotFound = (e: unknown) =>
  ['NoSuchKey', 'NotFound', 'NoSuchUpload'].includes(errName(e) ?? '') || httpStatus(e) === 404;

export class S3Storage implements ObjectStorage {
  readonly driver = 's3' as const;
  readonly description: string;
  readonly client: S3Client;
  private readonly clientConfig: S3ClientConfig;
  private readonly partBytes: number;
  private readonly cache: PostgresKvStore;

  constructor(
    private readonly settings: S3Settings,
    db: DB,
  ) {
    this.partBytes = Math.max(MIN_PART, settings.partBytes ?? 8 * 1024 * 1024);
    this.clientConfig = {
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // Servers that predate aws-chunked bodies with trailing checksums refuse them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // An unreachable store must fail a request in seconds (503, the client retries), not hang.
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 120_000 },
    };
    this.client = new S3Client(this.clientConfig);
    this.cache = new PostgresKvStore(db);
    this.description = `s3 ${settings.endpoint ?? `(AWS ${settings.region})`} bucket ${settings.bucket}`;
  }

  private get bucket() {
    return this.settings.bucket;
  }

  async put(key: string, body: Readable | Uint8Array | string, opts: { contentType?: string } = {}): Promise<number> {
    assertStorageKey(key);
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: opts.contentType }),
      );
      return bytes.length;
    }
    return this.putStream(key, body, opts.contentType);
  }

  /** A stream of unknown length: one PutObject when it fits a part, else a multipart upload. */
  private async putStream(key: string, body: Readable, contentType?: string): Promise<number> {
    let uploadId: string | undefined;
    const parts: { ETag?: string; PartNumber: number }[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    const flushPart = async () => {
      if (!uploadId) {
        const created = await this.client.send(
          new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
        );
        uploadId = created.UploadId;
      }
      const PartNumber = parts.length + 1;
      const chunk = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      const r = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber, Body: chunk }),
      );
      parts.push({ ETag: r.ETag, PartNumber });
    };
    try {
      for await (const c of body) {
        const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
        pending.push(b);
        pendingBytes += b.length;
        total += b.length;
        if (pendingBytes >= this.partBytes) await flushPart();
      }
      if (!uploadId) {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.concat(pending), ContentType: contentType }),
        );
        return total;
      }
      if (pendingBytes > 0) await flushPart();
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return total;
    } catch (e) {
      if (uploadId)
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
          .catch(() => undefined);
      throw e;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertStorageKey(key);
    try {
      const r = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      if (!r.Body) throw new StorageNotFoundError(key);
      return r.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new StorageNotFoundError(key);
      throw e;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      assertStorageKey(key);
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: r.ContentLength ?? 0, modifiedAt: r.LastModified ?? new Date(0) };
    } catch (e) {
      if (isNotFound(e) || e instanceof StorageNotFoundError) return null;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    assertStorageKey(fromKey);
    assertStorageKey(toKey);
    const source = await this.stat(fromKey);
    if (!source) throw new StorageNotFoundError(fromKey);
    if (source.size > (this.settings.copyObjectMaxBytes ?? COPY_OBJECT_MAX)) {
      // Past CopyObject's limit: read it and write it again in parts (a published file of
      // several GB; slower, but the server's memory stays at one part).
      await this.put(toKey, await this.get(fromKey));
      return;
    }
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    } catch (e) {
      if (isNotFound(e)) throw new StorageNotFoundError(fromKey);
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<{ key: string } & StoredObject> {
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? [])
        if (o.Key) yield { key: o.Key, size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  localPath(): string | null {
    return null;
  }

  /**
   * A listing of a prefix no object has: it needs the bucket and valid credentials, reads
   * nothing, and (unlike HeadBucket) its refusals carry an error code naming the cause.
   */
  private async probe(): Promise<void> {
    await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: '.terridata-readiness-probe/' }));
  }

  async check(): Promise<void> {
    try {
      await this.probe();
    } catch (e) {
      throw new StorageUnavailableError(this.reason(e));
    }
  }

  async verifyAtStart(): Promise<void> {
    try {
      await this.probe();
    } catch (e) {
      const name = errName(e);
      if (name === 'InvalidAccessKeyId')
        throw new StorageConfigError('S3_ACCESS_KEY_ID', `the object store does not know this access key (${this.description})`);
      if (name === 'SignatureDoesNotMatch')
        throw new StorageConfigError('S3_SECRET_ACCESS_KEY', `the object store refused the signature: wrong secret for this access key (${this.description})`);
      if (name === 'NoSuchBucket')
        throw new StorageConfigError('S3_BUCKET', `no bucket "${this.bucket}" in ${this.description}`);
      if (name === 'AccessDenied' || httpStatus(e) === 403)
        throw new StorageConfigError('S3_ACCESS_KEY_ID', `access denied to bucket "${this.bucket}" for this key (${this.description})`);
      // Unreachable: the start goes on, /readyz reports it until the store answers.
      if (!isStorageUnavailable(e)) throw e;
    }
  }

  private reason(e: unknown): string {
    const err = e as Error & { code?: string };
    const code = err.code ?? errName(e) ?? 'error';
    const status = httpStatus(e);
    return `object store ${this.settings.endpoint ?? 'AWS'} bucket ${this.bucket} ${
      isStorageUnavailable(e) ? 'unreachable' : 'refused the request'
    }: ${code}${status ? ` (HTTP ${status})` : ''}${err.message && err.message !== code ? ` ${err.message}` : ''}`;
  }

  tusKey(id: string): string {
    // @tus/s3-store names the object by the bare upload id.
    return id;
  }

  createTusStore(hooks: TusStoreHooks): DataStore {
    return new S3TusStore(this.tusOptions(), hooks);
  }

  private tusOptions(): ConstructorParameters<typeof S3Store>[0] {
    return {
      partSize: this.partBytes,
      cache: this.cache,
      // Expiry is ours (the upload row and the expire_uploads job), not object tags.
      expirationPeriodInMilliseconds: 0,
      useTags: false,
      s3ClientConfig: { ...this.clientConfig, bucket: this.bucket },
    };
  }

  async removeTusUpload(id: string): Promise<void> {
    // Aborts the pending multipart upload (its parts are not objects), then the objects.
    const store = new S3Store(this.tusOptions());
    try {
      await store.remove(id);
    } catch (e) {
      if (e !== ERRORS.FILE_NOT_FOUND && !isNotFound(e)) throw e;
    }
    for (const key of [id, `${id}.part`, `${id}.info`]) await this.delete(key);
    await this.cache.delete(id);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** @tus/s3-store with the upload row kept in step (offset, expiry) and removed with the bytes. */
class S3TusStore extends S3Store {
  constructor(
    options: ConstructorParameters<typeof S3Store>[0],
    private readonly hooks: TusStoreHooks,
  ) {
    super(options);
    // Every upload declares its length at creation: the limits are checked against it.
    this.extensions = this.extensions.filter((e) => e !== 'creation-defer-length');
  }

  override async write(src: stream.Readable, id: string, offset: number): Promise<number> {
    if (!/^[0-9a-f]{32}$/.test(id)) throw ERRORS.FILE_NOT_FOUND;
    const newOffset = await super.write(src, id, offset);
    if (newOffset > offset) await this.hooks.bytesReceived(id, newOffset);
    return newOffset;
  }

  override async remove(id: string): Promise<void> {
    await super.remove(id);
    await this.hooks.removed(id);
  }
}

