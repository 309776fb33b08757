// npm run db:codegen: regenerates db/types.generated.ts from a freshly migrated database
// (a throw-away database on TEST_DATABASE_URL's server, or on an embedded cluster).
// `--verify` only checks that the committed file is current (used by a test).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPool, withDatabase } from './client';
import { startEmbeddedPostgres } from './embedded';
import { migrateToLatest } from './migrate';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const generatedTypesFile = path.join(root, 'db/types.generated.ts');

export function codegenArgs(url: string, outFile: string, verify: boolean): string[] {
  return [
    '--dialect', 'postgres',
    '--url', url,
    '--out-file', outFile,
    '--include-pattern', 'public.*',
    '--exclude-pattern', 'public.kysely_*',
    '--numeric-parser', 'number',
    '--type-mapping', JSON.stringify({ int8: 'number' }),
    '--log-level', 'error',
    ...(verify ? ['--verify'] : []),
  ];
}

export async function withScratchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const e = await startEmbeddedPostgres({ dataDir: path.join(root, '.data/codegen') });
    adminUrl = e.url;
    stop = e.stop;
  }
  const name = `terridata_codegen_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = withDatabase(adminUrl, name);
  try {
    const pool = createPool(url, 2);
    await migrateToLatest(pool);
    await pool.end();
    return await fn(url);
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    if (stop) await stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const verify = process.argv.includes('--verify');
  await withScratchDatabase(async (url) => {
    execFileSync(path.join(root, 'node_modules/.bin/kysely-codegen'), codegenArgs(url, generatedTypesFile, verify), {
      stdio: 'inherit',
    });
  });
}
