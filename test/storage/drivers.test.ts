// The two storage drivers against the same contract: a directory, and an S3-compatible server
// on 127.0.0.1 (s3rver, test/storage/s3-server.ts). What publication, downloads and previews
// rely on: whole and ranged reads, stat, copy, delete, list, missing keys, key checks.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';
import { S3Storage } from '../../app/domain/storage/s3.server';
import { StorageNotFoundError, withLocalFile } from '../../app/domain/storage/storage.server';
import type { ObjectStorage } from '../../app/domain/storage/storage.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { S3_TEST_ACCESS_KEY, S3_TEST_BUCKET, S3_TEST_SECRET, startTestS3 } from './s3-server';
import type { TestS3 } from './s3-server';

let tdb: TestDatabase;
let s3: TestS3;
let dir: string;
const drivers: Record<string, ObjectStorage> = {};

beforeAll(async () => {
  tdb = await createTestDatabase();
  s3 = await startTestS3();
  dir = mkdtempSync(path.join(os.tmpdir(), 'td-storage-'));
  drivers.directory = new DirectoryStorage(dir);
  drivers.s3 = new S3Storage(
    {
      endpoint: s3.endpoint,
      bucket: S3_TEST_BUCKET,
      region: 'us-east-1',
      accessKeyId: S3_TEST_ACCESS_KEY,
      secretAccessKey: S3_TEST_SECRET,
      forcePathStyle: true,
      partBytes: 5 * 1024 * 1024,
    },
    tdb.db,
  );
});

afterAll(async () => {
  await drivers.s3?.close();
  await s3?.close();
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function text(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

describe.each(['directory', 's3'])('the %s driver', (name) => {
  const st = () => drivers[name]!;

  it('stores an object and reads it back whole, or a byte range of it', async () => {
    expect(await st().put('published/a/data.csv', 'commune;valeur\n69123;1\n')).toBe(23);
    expect(await text(await st().get('published/a/data.csv'))).toBe('commune;valeur\n69123;1\n');
    expect(await text(await st().get('published/a/data.csv', { start: 8, end: 13 }))).toBe('valeur');
    const info = await st().stat('published/a/data.csv');
    expect(info?.size).toBe(23);
    expect(await st().exists('published/a/data.csv')).toBe(true);
  });

  it('stores a stream of several parts (larger than one S3 part) intact', async () => {
    const part = Buffer.alloc(1024 * 1024, 7);
    const body = Readable.from((function* () {
      for (let i = 0; i < 12; i++) yield Buffer.alloc(part.length, i);
    })());
    expect(await st().put('big/file.bin', body)).toBe(12 * part.length);
    expect((await st().stat('big/file.bin'))?.size).toBe(12 * part.length);
    const tail = await st().get('big/file.bin', { start: 11 * part.length, end: 11 * part.length + 3 });
    const bytes: Buffer[] = [];
    for await (const c of tail) bytes.push(Buffer.from(c as Buffer));
    expect([...Buffer.concat(bytes)]).toEqual([11, 11, 11, 11]);
  });

  it('copies inside the store, and deletes (twice without error)', async () => {
    await st().put('tmp/source.txt', 'bonjour');
    await st().copy('tmp/source.txt', 'published/copy.txt');
    expect(await text(await st().get('published/copy.txt'))).toBe('bonjour');
    await st().delete('tmp/source.txt');
    await st().delete('tmp/source.txt');
    expect(await st().exists('tmp/source.txt')).toBe(false);
    expect(await st().stat('tmp/source.txt')).toBeNull();
  });

  it('answers a missing object with StorageNotFoundError, and refuses keys that leave the store', async () => {
    await expect(st().get('nothing/here')).rejects.toBeInstanceOf(StorageNotFoundError);
    await expect(st().copy('nothing/here', 'x/y')).rejects.toBeInstanceOf(StorageNotFoundError);
    await expect(st().get('../etc/passwd')).rejects.toBeInstanceOf(StorageNotFoundError);
    await expect(st().put('/abs/path', 'x')).rejects.toBeInstanceOf(StorageNotFoundError);
  });

  it('lists the objects under a prefix', async () => {
    await st().put('listing/one', '1');
    await st().put('listing/two', '22');
    const found = [];
    for await (const o of st().list('listing/')) found.push([o.key, o.size]);
    expect(found.sort()).toEqual([
      ['listing/one', 1],
      ['listing/two', 2],
    ]);
  });

  it('gives code that needs random access a local file with the bytes', async () => {
    await st().put('local/x.txt', 'contenu');
    const { readFile } = await import('node:fs/promises');
    expect(await withLocalFile(st(), 'local/x.txt', (f) => readFile(f, 'utf8'))).toBe('contenu');
  });

  it('is ready when the store answers', async () => {
    await expect(st().check()).resolves.toBeUndefined();
    await expect(st().verifyAtStart()).resolves.toBeUndefined();
  });
});

describe('the storage settings', () => {
  it('refuses STORAGE_DRIVER=s3 without its bucket and credentials, naming each setting', async () => {
    const { parseConfig } = await import('../../server/config');
    expect(() => parseConfig({ STORAGE_DRIVER: 's3' })).toThrow(/S3_BUCKET: required when STORAGE_DRIVER=s3[\s\S]*S3_ACCESS_KEY_ID: required[\s\S]*S3_SECRET_ACCESS_KEY: required/);
    expect(() => parseConfig({ STORAGE_DRIVER: 'ftp' })).toThrow(/STORAGE_DRIVER/);
    expect(() => parseConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_ENDPOINT: 'not a url' })).toThrow(/S3_ENDPOINT/);
    const ok = parseConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'bucket', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_FORCE_PATH_STYLE: 'true' });
    expect(ok).toMatchObject({ STORAGE_DRIVER: 's3', S3_FORCE_PATH_STYLE: true, S3_REGION: 'us-east-1' });
  });
});

describe('the s3 driver past the one-request copy limit', () => {
  it('copies an object past the one-request copy limit by streaming it in parts', async () => {
    const big = new S3Storage(
      {
        endpoint: s3.endpoint,
        bucket: S3_TEST_BUCKET,
        region: 'us-east-1',
        accessKeyId: S3_TEST_ACCESS_KEY,
        secretAccessKey: S3_TEST_SECRET,
        forcePathStyle: true,
        partBytes: 5 * 1024 * 1024,
        copyObjectMaxBytes: 1024, // stands for S3's 5 GiB, so that a 12 MiB file crosses it
      },
      tdb.db,
    );
    const source = Buffer.alloc(12 * 1024 * 1024 + 3);
    for (let i = 0; i < source.length; i++) source[i] = (i * 31) % 251;
    await big.put('tmp/large.bin', Readable.from([source]));
    // Which S3 calls the copy makes (the SDK's own middleware hook).
    const calls: string[] = [];
    big.client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    await big.copy('tmp/large.bin', 'published/large.bin');
    expect(calls).not.toContain('CopyObjectCommand');
    expect(calls).toContain('CreateMultipartUploadCommand');
    expect(calls.filter((c) => c === 'UploadPartCommand').length).toBeGreaterThanOrEqual(3);
    const copied: Buffer[] = [];
    for await (const c of await big.get('published/large.bin')) copied.push(Buffer.from(c as Buffer));
    expect(Buffer.concat(copied).equals(source)).toBe(true);
    await expect(big.copy('tmp/none.bin', 'published/none.bin')).rejects.toBeInstanceOf(StorageNotFoundError);
    await big.close();
  });
});
