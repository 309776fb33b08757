// An S3-compatible server on 127.0.0.1 for the tests and the benchmarks: s3rver (npm), plus
// the two calls it lacks and @tus/s3-store needs, ListParts and AbortMultipartUpload, added in
// front of its router (test-only; decision 012). They read s3rver's own on-disk layout of
// pending multipart uploads: <root>/<bucket>/<s3rver uploads dir>/<uploadId>/{key,1,1.md5,…}.
// Like real S3 it checks signatures: only the access key below, with its secret, is accepted
// (the two added calls skip that check).
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { DB } from '../../db/client';
import { S3Storage } from '../../app/domain/storage/s3.server';
import { freePort } from '../support/process';

const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error') as new (code: string, message?: string, detail?: object) => Error;
// s3rver ships no types: the little of it used here.
interface S3rverInstance {
  middleware: unknown[];
  httpServer: Server;
  run(): Promise<unknown>;
}
const S3rver = require('s3rver') as new (opts: object) => S3rverInstance;
/** The few fields of a Koa context the added routes use. */
interface Ctx {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  store: FsStore;
}
type Next = () => Promise<unknown>;

export const S3_TEST_BUCKET = 'terridata-test';
export const S3_TEST_ACCESS_KEY = 'S3RVER';
export const S3_TEST_SECRET = 'S3RVER';

interface FsStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
}

/** ListParts (GET ?uploadId) and AbortMultipartUpload (DELETE ?uploadId) on s3rver's store. */
function multipartExtras() {
  return async (ctx: Ctx, next: Next) => {
    const uploadId = ctx.query.uploadId;
    const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (typeof uploadId !== 'string' || !m || !['GET', 'DELETE'].includes(ctx.method)) return next();
    const [, bucket, key] = m;
    const store = ctx.store;
    if (!/^[0-9a-f]+$/.test(uploadId)) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
    const dir = path.join(store.getResourcePath(bucket!, undefined, 'uploads'), uploadId);
    const names = await readdir(dir).catch(() => null);
    if (!names) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
    if (ctx.method === 'DELETE') {
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    const numbers = names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    const parts = [];
    for (const n of numbers) {
      const info = await stat(path.join(dir, String(n)));
      const md5 = await readFile(path.join(dir, `${n}.md5`), 'utf8').catch(() => '');
      parts.push({ PartNumber: n, LastModified: info.mtime.toISOString(), ETag: `"${md5}"`, Size: info.size });
    }
    ctx.body = {
      ListPartsResult: {
        Bucket: bucket,
        Key: decodeURIComponent(key!),
        UploadId: uploadId,
        PartNumberMarker: 0,
        NextPartNumberMarker: numbers.at(-1) ?? 0,
        MaxParts: 10000,
        IsTruncated: false,
        ...(parts.length ? { Part: parts } : {}),
      },
    };
  };
}

export interface TestS3 {
  endpoint: string;
  port: number;
  directory: string;
  /** The environment that points the app at this server (STORAGE_DRIVER=s3 …). */
  env: Record<string, string>;
  /** Stops answering (connections refused) without losing what it stores. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same data. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestS3(opts: { port?: number; directory?: string } = {}): Promise<TestS3> {
  const port = opts.port ?? (await freePort());
  const directory = opts.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'terridata-s3-')));
  let server: Server | null = null;
  const start = async () => {
    const s3 = new S3rver({
      address: '127.0.0.1',
      port,
      directory,
      silent: true,
      configureBuckets: [{ name: S3_TEST_BUCKET, configs: [] }],
    });
    // Before the router (the last middleware), after the XML encoder that wraps it.
    const stack = s3.middleware;
    stack.splice(stack.length - 1, 0, multipartExtras());
    await s3.run();
    server = s3.httpServer;
  };
  const stop = async () => {
    if (!server) return;
    const s = server;
    server = null;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    directory,
    env: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: S3_TEST_BUCKET,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: S3_TEST_ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: S3_TEST_SECRET,
      S3_FORCE_PATH_STYLE: 'true',
    },
    stop,
    start,
    async close() {
      await stop();
      if (!opts.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The S3 driver pointed at a test server (the same settings the app gets from s3.env). */
export async function testS3Storage(s3: TestS3, db: DB, partBytes = 5 * 1024 * 1024): Promise<S3Storage> {
  return new S3Storage(
    {
      endpoint: s3.endpoint,
      bucket: S3_TEST_BUCKET,
      region: 'us-east-1',
      accessKeyId: S3_TEST_ACCESS_KEY,
      secretAccessKey: S3_TEST_SECRET,
      forcePathStyle: true,
      partBytes,
    },
    db,
  );
}
