// The backup itself (the CLI is scripts/backup.ts): a pg_dump of the database and a copy of
// every stored object, from either storage driver, with a manifest (size and sha256 of
// every file of the backup).
//
// Consistency. The dump reads one snapshot of the database, exported by a transaction of
// this process (pg_dump --snapshot), in which the same transaction also lists the storage
// keys the database refers to. The objects are copied after the dump:
// - an object written after the snapshot is not referred to by the dump: copied or not,
//   harmless (an extra file);
// - an object the dump refers to is never missed silently: after the copy every key of the
//   snapshot must be in the backup. When some are not because the app deleted them while
//   the backup ran (a photo's original, deleted once the photo is re-encoded; an expired
//   upload) — the database no longer refers to them — the dump is taken again from a new
//   snapshot and the objects not yet copied are copied (what was copied stays), up to
//   MAX_ROUNDS times. Keys the database still refers to but the store lacks, and published
//   files or uploads whose bytes differ from the size or sha256 the database records, are
//   reported (manifest `storage.problems`, exit code 1): the backup holds what exists.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../server/config';
import { BackupError, DUMP, FORMAT, MANIFEST, STORAGE, findPgTool, openConfiguredDatabase, run, serverVersion, sha256File } from './backup-common';
import type { Manifest, ManifestFile } from './backup-common';
import { Progress, eachLimited, fmtBytes, listObjects, objectToFile, openStorage, referencedKeys, stillReferenced, withRetries } from './backup-storage';
import type { Reference } from './backup-storage';

export const MAX_ROUNDS = 3;

export interface BackupOptions {
  out: string;
  log?: (m: string) => void;
  /** Objects copied at once (S3 answers each request after a round trip). */
  parallel?: number;
  /** Called after each dump, before the objects are copied: tests change the instance there. */
  afterDump?: (round: number) => Promise<void>;
}

export interface BackupResult {
  out: string;
  manifest: Manifest;
  /** Rounds taken (1 unless objects the dump referred to were deleted during the copy). */
  rounds: number;
  problems: string[];
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function lastMigration(c: pg.Client): Promise<string | null> {
  const { rows } = await c.query<{ present: boolean }>("select to_regclass('kysely_migration') is not null as present");
  if (!rows[0]!.present) return null;
  const r = await c.query<{ name: string }>('select name from kysely_migration order by name desc limit 1');
  return r.rows[0]?.name ?? null;
}

export async function runBackup(config: Config, opts: BackupOptions): Promise<BackupResult> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const out = path.resolve(opts.out);
  if (existsSync(out) && (await readdir(out)).length > 0) throw new BackupError(`${out} exists and is not empty: choose another --out`);

  const database = await openConfiguredDatabase(config, log);
  try {
    const version = await serverVersion(database.url);
    const pgDump = findPgTool('pg_dump', version.major, config.PG_BIN_DIR);
    const opened = await openStorage(config, database.url);
    const { storage } = opened;
    await mkdir(out, { recursive: true });
    try {
      const copied = new Map<string, { size: number; sha256: string }>();
      const skipped = new Set<string>();
      let refs = new Map<string, Reference>();
      let migration: string | null = null;
      let rounds = 0;
      for (;;) {
        rounds++;
        // One snapshot for the dump and the list of keys it refers to.
        const c = await connect(database.url);
        try {
          await c.query('begin transaction isolation level repeatable read, read only');
          // Idle while pg_dump runs: a server-wide idle timeout must not end it.
          await c.query('set local idle_in_transaction_session_timeout = 0');
          const { rows } = await c.query<{ id: string }>('select pg_export_snapshot() as id');
          refs = await referencedKeys(c);
          migration = await lastMigration(c);
          log(`dumping the database (PostgreSQL ${version.text}) with ${pgDump.path}…`);
          run(
            pgDump.path,
            ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${rows[0]!.id}`, `--file=${path.join(out, DUMP)}`, `--dbname=${database.url}`],
            'pg_dump',
          );
          await c.query('commit');
        } finally {
          await c.end();
        }
        await opts.afterDump?.(rounds);

        const listing = await withRetries('listing the objects', () => listObjects(storage), log);
        for (const key of listing.unusable) skipped.add(key);
        // Objects not yet in the backup, or whose size changed (an upload still being written).
        const todo = listing.objects.filter((o) => copied.get(o.key)?.size !== o.size && !skipped.has(o.key));
        const todoBytes = todo.reduce((n, o) => n + o.size, 0);
        log(
          `copying ${todo.length} objects (${fmtBytes(todoBytes)}) of ${storage.description}${rounds > 1 ? ' (again: only what is not yet in the backup)' : ''}…`,
        );
        const progress = new Progress('copied', todo.length, todoBytes, log);
        await eachLimited(todo, opts.parallel ?? 4, async (o) => {
          try {
            const r = await withRetries(o.key, () => objectToFile(storage, o.key, path.join(out, STORAGE, o.key), progress), log);
            if (r) copied.set(o.key, r);
          } catch (e) {
            // A key that is a "folder" of another one (S3 has both "a" and "a/b"): no file can hold both.
            const code = (e as NodeJS.ErrnoException).code;
            if (code !== 'ENOTDIR' && code !== 'EISDIR' && code !== 'EEXIST') throw e;
            skipped.add(o.key);
          }
          progress.objects++;
        });
        progress.finish();

        const missing = [...refs.keys()].filter((k) => !copied.has(k));
        if (missing.length === 0 || rounds >= MAX_ROUNDS) break;
        const c2 = await connect(database.url);
        let now: Set<string>;
        try {
          now = await stillReferenced(c2, missing);
        } finally {
          await c2.end();
        }
        const deleted = missing.filter((k) => !now.has(k));
        if (deleted.length === 0) break; // missing from the store, not deleted meanwhile: reported below
        log(
          `${deleted.length} object(s) the dump refers to were deleted while the backup ran (e.g. ${deleted[0]}); dumping the database again so that the dump and the objects agree`,
        );
      }

      const problems: string[] = [];
      for (const key of skipped) problems.push(`${key}: a key no file can hold (skipped)`);
      for (const [key, ref] of refs) {
        const c = copied.get(key);
        if (!c) problems.push(`${key} (${ref.what}): the database refers to it but the store does not have it`);
        else if (ref.size !== null && c.size !== ref.size) problems.push(`${key} (${ref.what}): ${c.size} bytes, the database says ${ref.size}`);
        else if (ref.sha256 && c.sha256 !== ref.sha256) problems.push(`${key} (${ref.what}): its sha256 differs from the one the database records`);
      }

      const keys = [...copied.keys()].sort();
      const files: ManifestFile[] = keys.map((k) => ({ path: `${STORAGE}/${k}`, ...copied.get(k)! }));
      const bytes = files.reduce((n, f) => n + f.size, 0);
      const dump: ManifestFile = { path: DUMP, size: (await stat(path.join(out, DUMP))).size, sha256: await sha256File(path.join(out, DUMP)) };
      const manifest: Manifest = {
        format: FORMAT,
        createdAt: new Date().toISOString(),
        database: { serverVersion: version.text, dumpedWith: pgDump.version, lastMigration: migration, file: DUMP },
        storage: {
          driver: storage.driver,
          source: storage.description,
          directory: STORAGE,
          files: files.length,
          bytes,
          referenced: refs.size,
          ...(problems.length ? { problems } : {}),
        },
        files: [dump, ...files],
      };
      await writeFile(path.join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeFile(path.join(out, 'SHA256SUMS'), manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
      log(
        `backup written to ${out}: database ${fmtBytes(dump.size)}, ${files.length} stored objects (${fmtBytes(bytes)}), ` +
          `${problems.length ? `${refs.size - problems.length} of` : 'all'} the ${refs.size} objects the database refers to present and checked`,
      );
      return { out, manifest, rounds, problems };
    } catch (e) {
      await rm(out, { recursive: true, force: true });
      throw e;
    } finally {
      await opened.close();
    }
  } finally {
    await database.close();
  }
}
