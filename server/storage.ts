// The storage driver of this process, made once from the configuration
// (docs/decisions/012-storage-drivers.md). The web app, the tus endpoint and the jobs share it.
import type { DB } from '#db/client';
import { createStorage } from '../app/domain/storage/create.server';
import type { StorageSettings } from '../app/domain/storage/create.server';
import { StorageConfigError } from '../app/domain/storage/storage.server';
import type { ObjectStorage } from '../app/domain/storage/storage.server';
import type { Config } from './config';
import type { Logger } from './logger';

export function storageSettings(config: Config): StorageSettings {
  if (config.STORAGE_DRIVER === 'directory') return { driver: 'directory', directory: config.uploadsDir };
  return {
    driver: 's3',
    s3: {
      endpoint: config.S3_ENDPOINT,
      bucket: config.S3_BUCKET!,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID!,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      partBytes: config.S3_PART_BYTES,
    },
  };
}

const made = new WeakMap<Config, ObjectStorage>();

/** The one storage of a configuration (the same object for the app, tus and the jobs). */
export function storageOf(config: Config, db: DB): ObjectStorage {
  let storage = made.get(config);
  if (!storage) {
    storage = createStorage(storageSettings(config), db);
    made.set(config, storage);
  }
  return storage;
}

/**
 * At start: credentials or a bucket the store refuses stop the process with the setting to
 * fix; a store that does not answer yet does not (it may come back; /readyz reports it).
 */
export async function verifyStorageAtStart(storage: ObjectStorage, logger: Logger): Promise<void> {
  try {
    await storage.verifyAtStart();
  } catch (e) {
    if (e instanceof StorageConfigError) {
      logger.fatal({ setting: e.setting }, `storage refused: ${e.message}`);
      console.error(`Invalid configuration:\n  ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  await storage.check().then(
    () => logger.info(`storage: ${storage.description}`),
    (e: Error) => logger.warn(`storage not reachable yet (${e.message}); /readyz fails until it is`),
  );
}
