// `npm run restore -- DIR [--force]`: checks every file of a backup against its manifest
// (size and sha256) before touching anything; then puts the stored objects into the store
// the configuration names (the storage directory or an S3 bucket, whichever driver made the
// backup), checking the sha256 of the bytes sent against the manifest and the size of every
// object the store then lists; then restores the dump into the configured database with the
// pg_restore of the server's major version (in one transaction), and checks that every object
// the restored database refers to is in the store, with the size and sha256 it records.
// The database and the store must be empty, unless --force (the database's objects are then
// dropped and recreated, and objects of the same key replaced).
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import {
  BackupError,
  DUMP,
  FORMAT,
  MANIFEST,
  STORAGE,
  findPgTool,
  loadConfig,
  main,
  openConfiguredDatabase,
  run,
  serverVersion,
  sha256File,
} from './backup-common';
import type { Manifest, ManifestFile } from './backup-common';
import {
  Progress,
  countSome,
  eachLimited,
  fileToObject,
  fmtBytes,
  keyForDriver,
  listObjects,
  openStorage,
  referencedKeys,
  uploadKeysSql,
  withRetries,
} from './backup-storage';

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

async function verify(dir: string, m: Manifest, log: (s: string) => void): Promise<void> {
  const bad: string[] = [];
  const progress = new Progress('checked', m.files.length, m.files.reduce((n, f) => n + f.size, 0), log);
  for (const f of m.files) {
    const p = path.join(dir, f.path);
    const s = await stat(p).catch(() => null);
    if (!s) bad.push(`${f.path}: missing`);
    else if (s.size !== f.size) bad.push(`${f.path}: ${s.size} bytes, manifest says ${f.size}`);
    else if ((await sha256File(p)) !== f.sha256) bad.push(`${f.path}: sha256 differs from the manifest`);
    progress.objects++;
    progress.bytes += f.size;
  }
  progress.finish();
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

/** After pg_restore: upload keys moved to the target driver, then the references checked. */
async function checkReferences(url: string, from: string, to: string, restored: Map<string, { size: number; sha256: string }>): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const move = uploadKeysSql(from, to);
    if (move) await c.query(move);
    await c.query('begin transaction isolation level repeatable read, read only');
    const refs = await referencedKeys(c);
    await c.query('commit');
    const problems: string[] = [];
    for (const [key, ref] of refs) {
      const o = restored.get(key);
      if (!o) problems.push(`${key} (${ref.what}): the database refers to it but the backup does not hold it`);
      else if (ref.size !== null && o.size !== ref.size) problems.push(`${key} (${ref.what}): ${o.size} bytes, the database says ${ref.size}`);
      else if (ref.sha256 && o.sha256 !== ref.sha256) problems.push(`${key} (${ref.what}): its sha256 differs from the one the database records`);
    }
    return problems;
  } finally {
    await c.end();
  }
}

main(async () => {
  const log = (m: string) => console.log(m);
  const { dir, force } = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const manifest = readManifest(dir);
  if (manifest.storage.problems?.length)
    log(`warning: this backup was written with ${manifest.storage.problems.length} problem(s) (manifest.json, storage.problems), e.g. ${manifest.storage.problems[0]}`);
  log(`checking ${manifest.files.length} files against ${MANIFEST}…`);
  await verify(dir, manifest, log);

  const database = await openConfiguredDatabase(config, log);
  try {
    const version = await serverVersion(database.url);
    const pgRestore = findPgTool('pg_restore', version.major, config.PG_BIN_DIR);
    const empty = await databaseIsEmpty(database.url);
    if (!empty && !force) throw new BackupError('the database is not empty: restore into an empty database, or pass --force (its objects are then dropped)');

    const opened = await openStorage(config, database.url);
    const { storage } = opened;
    const restored = new Map<string, { size: number; sha256: string }>();
    const from = manifest.storage.driver;
    try {
      const present = await countSome(storage);
      if (present && !force)
        throw new BackupError(
          storage.driver === 'directory'
            ? `the storage directory ${config.uploadsDir} holds ${present} files: restore into an empty one, or pass --force`
            : `the bucket (${storage.description}) holds ${present >= 1000 ? 'at least 1000' : present} objects: restore into an empty one, or pass --force`,
        );

      // Objects first: until pg_restore commits, the database stays as it was.
      const plan: { file: ManifestFile; key: string }[] = [];
      for (const f of manifest.files) {
        if (!f.path.startsWith(`${STORAGE}/`)) continue;
        const key = keyForDriver(f.path.slice(STORAGE.length + 1), from, storage.driver);
        if (key) plan.push({ file: f, key });
      }
      const planBytes = plan.reduce((n, p) => n + p.file.size, 0);
      log(`restoring ${plan.length} objects (${fmtBytes(planBytes)}) into ${storage.description}…`);
      const progress = new Progress('restored', plan.length, planBytes, log);
      await eachLimited(plan, 4, async ({ file, key }) => {
        const sent = await withRetries(key, () => fileToObject(storage, path.join(dir, file.path), key, progress), log);
        if (sent.sha256 !== file.sha256 || sent.size !== file.size) throw new BackupError(`${file.path}: changed while being restored (sha256 of what was sent differs from the manifest)`);
        restored.set(key, sent);
        progress.objects++;
      });
      progress.finish();
      // What the store holds now: every object there, with its size.
      const listed = new Map((await withRetries('listing the objects', () => listObjects(storage), log)).objects.map((o) => [o.key, o.size]));
      const wrong = plan.filter(({ file, key }) => listed.get(key) !== file.size);
      if (wrong.length)
        throw new BackupError(
          `the store does not hold ${wrong.length} object(s) as sent; the database was not restored:\n  ${wrong
            .slice(0, 20)
            .map(({ file, key }) => `${key}: ${listed.has(key) ? `${listed.get(key)} bytes` : 'absent'}, sent ${file.size}`)
            .join('\n  ')}`,
        );
    } finally {
      await opened.close();
    }

    log(`restoring the database (PostgreSQL ${version.text}; dumped from ${manifest.database.serverVersion}) with ${pgRestore.path}…`);
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
    const problems = await checkReferences(database.url, from, storage.driver, restored);
    log(
      `restored ${dir} (last migration ${manifest.database.lastMigration ?? 'unknown'}): the database and ${restored.size} objects${storage.driver === from ? '' : `, into the ${storage.driver} driver (backup made from the ${from} driver)`}; the server migrates further at start if it is newer`,
    );
    if (problems.length)
      throw new BackupError(
        `restored, but ${problems.length} object(s) the database refers to are missing or differ:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? '\n  …' : ''}`,
      );
  } finally {
    await database.close();
  }
});
