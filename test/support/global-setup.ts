// Once per test run: a PostgreSQL server (TEST_DATABASE_URL, or an embedded one under
// .data/test-pg), and a template database migrated to the latest schema that each test
// file clones (CREATE DATABASE … TEMPLATE), so files never share state.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createPool, withDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrateToLatest } from '../../db/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDatabase: string;
    runPrefix: string;
  }
}

export default async function setup(project: TestProject) {
  const runPrefix = `td_${process.pid}_${Date.now().toString(36)}`;
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    // A throw-away embedded cluster for this run (initdb takes about a second).
    const dir = path.resolve('.data', 'test-pg', runPrefix);
    const e = await startEmbeddedPostgres({ dataDir: dir });
    adminUrl = e.url;
    stopEmbedded = async () => {
      await e.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const template = `${runPrefix}_tpl`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${template}`);
  const pool = createPool(withDatabase(adminUrl, template), 2);
  await migrateToLatest(pool);
  await pool.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('templateDatabase', template);
  project.provide('runPrefix', runPrefix);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [`${runPrefix}%`],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
    await stopEmbedded?.();
  };
}
