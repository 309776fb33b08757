// What the backup tests share: scratch databases beside the test database (to restore into),
// and the backup / restore commands run in a child process as `npm run backup -- …` runs them.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from '../../db/client';

/** Creates an empty database `name` (recorded in `created`, for dropScratchDatabases) and returns its URL. */
export async function createScratchDatabase(name: string, created: string[]): Promise<string> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`create database ${name} template template0`);
  await admin.end();
  created.push(name);
  return withDatabase(inject('pgAdminUrl'), name);
}

export async function dropScratchDatabases(names: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

/** Runs scripts/<script>.ts with `args` and `env` (over this process's), as `npm run <script> -- …` runs it. */
export async function runBackupScript(
  script: 'backup' | 'restore',
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, output };
}
