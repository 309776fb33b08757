// Runs the project's migrations (Kysely Migrator over db/migrations) and then the job
// queue's own schema (graphile-worker), so a migrated database is ready for both.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pathToFileURL } from 'node:url';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import type { Migration, MigrationProvider, MigrationResultSet } from 'kysely';
import { Logger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import type pg from 'pg';

export const migrationFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// Like Kysely's FileMigrationProvider, but the import() is ours, so that whichever loader
// runs this code (tsx, vitest) also loads the TypeScript migrations.
const folderProvider: MigrationProvider = {
  async getMigrations() {
    const files = (await fs.readdir(migrationFolder)).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
    const migrations: Record<string, Migration> = {};
    for (const f of files) {
      migrations[f.replace(/\.(ts|js)$/, '')] = (await import(pathToFileURL(path.join(migrationFolder, f)).href)) as Migration;
    }
    return migrations;
  },
};

function migrator(pool: pg.Pool) {
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return new Migrator({
    db,
    provider: folderProvider,
    // Work done in parallel lands migrations whose names sort before ones a developer's
    // database has already run; each migration touches its own objects, so run them anyway.
    allowUnorderedMigrations: true,
  });
}

export async function migrateToLatest(pool: pg.Pool): Promise<MigrationResultSet> {
  // Two processes starting together against one database must not both migrate.
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext('terridata:migrate'))");
    const result = await migrator(pool).migrateToLatest();
    if (result.error) throw result.error;
    await runWorkerMigrations({ pgPool: pool, logger: quietLogger });
    return result;
  } finally {
    await client.query("select pg_advisory_unlock(hashtext('terridata:migrate'))").catch(() => {});
    client.release();
  }
}

/** Names of migrations present in the code but not applied to the database. */
export async function pendingMigrations(pool: pg.Pool): Promise<string[]> {
  const all = await migrator(pool).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const { default: pgmod } = await import('pg');
  const client = new pgmod.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

// graphile-worker logs every migration at info level; the server has its own logger.
const quietLogger = new Logger(() => () => {});
