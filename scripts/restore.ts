// `npm run restore -- DIR [--force]`: checks every file of a backup against its manifest
// (size and sha256) before touching anything, then restores the dump into the configured
// database with the pg_restore of the server's major version (in one transaction) and
// copies the stored files into the storage directory, checking each copy's sha256.
// The database and the storage directory must be empty, unless --force (the database's
// objects are then dropped and recreated, and files of the same name replaced).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import {
  BackupError,
  DUMP,
  FORMAT,
  MANIFEST,
  STORAGE,
  findPgTool,
  listFiles,
  loadConfig,
  main,
  openConfiguredDatabase,
  run,
  serverVersion,
  sha256File,
} from './backup-common';
import type { Manifest } from './backup-common';

function parseArgs(argv: string[]): { dir: string; force: boolean } {
  let dir: string | undefined;
  let force = false;
  for (const a of argv) {
    if (a === '--force') force = true;
    else if (!a.startsWith('--') && !dir) dir = a;
    else throw new BackupError(`unknown argument ${a}\nusage: npm run restore -- DIR [--force]`);
  }
  if (!dir) throw new BackupError('usage: npm run restore -- DIR [--force]');
  return { dir: path.resolve(dir), force };
}

function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) throw new BackupError(`${file} not found: not a terridata backup`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (m.format !== FORMAT) throw new BackupError(`${file}: unknown format ${String(m.format)} (expected ${FORMAT})`);
  for (const f of m.files) {
    if (path.isAbsolute(f.path) || f.path.split('/').includes('..')) throw new BackupError(`${file}: unsafe path ${f.path}`);
  }
  return m;
}

async function verify(dir: string, m: Manifest): Promise<void> {
  const bad: string[] = [];
  for (const f of m.files) {
    const p = path.join(dir, f.path);
    const s = await stat(p).catch(() => null);
    if (!s) bad.push(`${f.path}: missing`);
    else if (s.size !== f.size) bad.push(`${f.path}: ${s.size} bytes, manifest says ${f.size}`);
    else if ((await sha256File(p)) !== f.sha256) bad.push(`${f.path}: sha256 differs from the manifest`);
  }
  if (!m.files.some((f) => f.path === DUMP)) bad.push(`${DUMP}: not in the manifest`);
  if (bad.length) throw new BackupError(`the backup is damaged; nothing was restored:\n  ${bad.join('\n  ')}`);
}

async function databaseIsEmpty(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      "select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
    );
    return rows[0]!.n === 0;
  } finally {
    await c.end();
  }
}

/** Copies to a temporary name, checks the sha256 of what was written, then renames. */
async function copyChecked(from: string, to: string, sha256: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  const tmp = `${to}.restoring`;
  const hash = createHash('sha256');
  await pipeline(
    createReadStream(from),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
    createWriteStream(tmp),
  );
  if (hash.digest('hex') !== sha256) throw new BackupError(`${from}: changed while being restored`);
  await rename(tmp, to);
}

main(async () => {
  const { dir, force } = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  if (config.STORAGE_DRIVER === 's3')
    throw new BackupError('STORAGE_DRIVER=s3: restore the bucket with the object store\'s own means, then the database with pg_restore; see docs/operations.md.');
  const manifest = readManifest(dir);
  console.log(`checking ${manifest.files.length} files against ${MANIFEST}…`);
  await verify(dir, manifest);

  const present = await listFiles(config.uploadsDir);
  if (present.length && !force)
    throw new BackupError(`the storage directory ${config.uploadsDir} holds ${present.length} files: restore into an empty one, or pass --force`);

  const database = await openConfiguredDatabase(config, (m) => console.log(m));
  try {
    const version = await serverVersion(database.url);
    const pgRestore = findPgTool('pg_restore', version.major, config.PG_BIN_DIR);
    const empty = await databaseIsEmpty(database.url);
    if (!empty && !force) throw new BackupError('the database is not empty: restore into an empty database, or pass --force (its objects are then dropped)');
    console.log(`restoring the database (PostgreSQL ${version.text}; dumped from ${manifest.database.serverVersion}) with ${pgRestore.path}…`);
    run(
      pgRestore.path,
      [
        '--no-owner',
        '--no-privileges',
        '--exit-on-error',
        '--single-transaction',
        ...(empty ? [] : ['--clean', '--if-exists']),
        `--dbname=${database.url}`,
        path.join(dir, DUMP),
      ],
      'pg_restore',
    );
  } finally {
    await database.close();
  }

  const stored = manifest.files.filter((f) => f.path.startsWith(`${STORAGE}/`));
  console.log(`restoring ${stored.length} stored files into ${config.uploadsDir}…`);
  for (const f of stored) {
    await copyChecked(path.join(dir, f.path), path.join(config.uploadsDir, f.path.slice(STORAGE.length + 1)), f.sha256);
  }
  console.log(`restored ${dir} (last migration ${manifest.database.lastMigration ?? 'unknown'}); the server migrates further at start if it is newer`);
});
