// Opens the database the configuration names: DATABASE_URL, or else the embedded
// PostgreSQL under DATA_DIR; then brings its schema to the latest migration.
import type pg from 'pg';
import { createDb, withDatabase } from '../db/client';
import type { DB } from '../db/client';
import { startEmbeddedPostgres } from '../db/embedded';
import { ensureDatabase, migrateToLatest } from '../db/migrate';
import type { Config } from './config';

export interface DatabaseHandle {
  db: DB;
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  migrated: string[];
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log: (m: string) => void): Promise<DatabaseHandle> {
  let url = config.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.EMBEDDED_PG_PORT,
      log: (m) => {
        if (/FATAL|PANIC|ERROR|orphaned/.test(m)) log(m);
      },
    });
    await ensureDatabase(embedded.url, 'terridata');
    url = withDatabase(embedded.url, 'terridata');
    stopEmbedded = embedded.stop;
    log(`embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${config.dataDir}/pg)`);
  }
  const { db, pool } = createDb(url, 20);
  const result = await migrateToLatest(pool);
  const migrated = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return {
    db,
    pool,
    url,
    embedded: Boolean(stopEmbedded),
    migrated,
    async close() {
      await db.destroy();
      if (stopEmbedded) await stopEmbedded();
    },
  };
}
