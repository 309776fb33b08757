// Chooses the storage driver from the settings parsed in server/config.ts. The only module
// that knows both drivers; everything else holds an ObjectStorage.
import type { DB } from '#db/client';
import { DirectoryStorage } from './directory.server';
import { S3Storage } from './s3.server';
import type { S3Settings } from './s3.server';
import type { ObjectStorage } from './storage.server';

export type StorageSettings =
  | { driver: 'directory'; directory: string }
  | { driver: 's3'; s3: S3Settings };

export function createStorage(settings: StorageSettings, db: DB): ObjectStorage {
  return settings.driver === 's3' ? new S3Storage(settings.s3, db) : new DirectoryStorage(settings.directory);
}
