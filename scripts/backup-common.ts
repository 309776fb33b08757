// What `npm run backup` and `npm run restore` share: the database the configuration names
// (DATABASE_URL, or the embedded PostgreSQL under DATA_DIR, started for the occasion when
// the server is not running), PostgreSQL client tools of the server's major version, and
// the manifest of a backup (size and sha256 of every file).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { withDatabase } from '../db/client';
import { startEmbeddedPostgres } from '../db/embedded';
import { ensureDatabase } from '../db/migrate';
import { ConfigError, parseConfig } from '../server/config';
import type { Config } from '../server/config';

export const MANIFEST = 'manifest.json';
export const DUMP = 'database.dump';
export const STORAGE = 'storage';
export const FORMAT = 'terridata-backup/1';

export class BackupError extends Error {}

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  createdAt: string;
  database: { serverVersion: string; dumpedWith: string; lastMigration: string | null; file: string };
  storage: {
    driver: string;
    source: string;
    directory: string;
    files: number;
    bytes: number;
    /** Storage keys the dump refers to, each checked to be in the backup (absent in old backups). */
    referenced?: number;
    /** What the check found wrong (objects the dump refers to but the store lacked, sizes or sha256 that differ). */
    problems?: string[];
  };
  files: ManifestFile[];
}

export function loadConfig(): Config {
  try {
    return parseConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new BackupError(e.message);
    throw e;
  }
}

export interface OpenedDatabase {
  url: string;
  /** Stops the embedded PostgreSQL if this command started it. */
  close(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** The configured database; the embedded one is started only when nothing answers on its port. */
export async function openConfiguredDatabase(config: Config, log: (m: string) => void): Promise<OpenedDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, close: async () => {} };
  const portFile = path.join(config.dataDir, 'pg-port');
  if (existsSync(portFile)) {
    const port = Number(readFileSync(portFile, 'utf8').trim());
    const admin = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    if (await reachable(admin)) {
      await ensureDatabase(admin, 'terridata');
      return { url: withDatabase(admin, 'terridata'), close: async () => {} };
    }
  }
  log(`starting the embedded PostgreSQL under ${config.dataDir}`);
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.EMBEDDED_PG_PORT });
  await ensureDatabase(embedded.url, 'terridata');
  return { url: withDatabase(embedded.url, 'terridata'), close: () => embedded.stop() };
}

export async function serverVersion(url: string): Promise<{ text: string; major: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version: string; num: string }>(
      "select current_setting('server_version') as server_version, current_setting('server_version_num') as num",
    );
    return { text: rows[0]!.server_version, major: Math.floor(Number(rows[0]!.num) / 10_000) };
  } finally {
    await c.end();
  }
}

/**
 * A PostgreSQL client program (pg_dump, pg_restore) of the given major version: from
 * PG_BIN_DIR when set (and only there), else Debian's /usr/lib/postgresql/<major>/bin, else
 * the PATH. The embedded PostgreSQL package ships no client tools.
 */
export function findPgTool(tool: 'pg_dump' | 'pg_restore', major: number, explicit: string | undefined): { path: string; version: string } {
  const candidates = explicit ? [path.join(explicit, tool)] : [`/usr/lib/postgresql/${major}/bin/${tool}`, tool];
  const found: string[] = [];
  for (const candidate of candidates) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) continue;
    const version = r.stdout.trim();
    const m = /\s(\d+)(\.\d+)?/.exec(version);
    if (m && Number(m[1]) === major) return { path: candidate, version };
    found.push(`${candidate} (${version})`);
  }
  const where = explicit ? `in PG_BIN_DIR=${explicit}` : `in /usr/lib/postgresql/${major}/bin or on the PATH`;
  throw new BackupError(
    [
      `${tool} ${major} not found ${where}${found.length ? `; found only ${found.join(', ')}` : ''}.`,
      `The database server runs PostgreSQL ${major}, and its backups need the client tools of that major version`,
      `(the embedded PostgreSQL package ships none). On Debian or Ubuntu: apt-get install postgresql-client-${major}`,
      `(from the PostgreSQL apt repository when your release has another version), or set PG_BIN_DIR to the directory holding ${tool}.`,
    ].join('\n'),
  );
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under dir, as slash-separated paths relative to it, sorted. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

export function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new BackupError(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new BackupError(`${what} failed (exit ${r.status}):\n${r.stderr.trim()}`);
  if (r.stderr.trim()) process.stderr.write(r.stderr);
}

/** Runs a command's main and turns a BackupError into a message and exit code 1. */
export function main(fn: () => Promise<void>): void {
  fn().then(
    () => process.exit(0),
    (e: unknown) => {
      if (e instanceof BackupError) console.error(e.message);
      else console.error(e);
      process.exit(1);
    },
  );
}
