// `npm run backup [-- --out DIR]`: a consistent pg_dump of the database (custom format,
// made with the pg_dump of the server's major version), then a copy of the storage
// directory, and manifest.json listing every file with its size and sha256 (plus
// SHA256SUMS for `sha256sum -c`). The dump is taken first: every file a row of the dump
// refers to was already stored, so the copy holds it (files added meanwhile are extra).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
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
import type { Manifest, ManifestFile } from './backup-common';

function parseArgs(argv: string[]): { out?: string } {
  const out: { out?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') out.out = argv[++i];
    else if (a.startsWith('--out=')) out.out = a.slice(6);
    else throw new BackupError(`unknown argument ${a}\nusage: npm run backup -- [--out DIR]`);
  }
  return out;
}

/** Copies a file, hashing it on the way (one read of the source). */
async function copyHashed(from: string, to: string): Promise<{ size: number; sha256: string }> {
  await mkdir(path.dirname(to), { recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    createReadStream(from),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(to, { flags: 'wx' }),
  );
  return { size, sha256: hash.digest('hex') };
}

async function lastMigration(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ name: string }>('select name from kysely_migration order by name desc limit 1');
    return rows[0]?.name ?? null;
  } catch {
    return null;
  } finally {
    await c.end();
  }
}

main(async () => {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  if (config.STORAGE_DRIVER === 's3')
    throw new BackupError(
      'STORAGE_DRIVER=s3: the files are in the object store, which this command does not copy. Back up the bucket with the store\'s own means (versioning, replication) and the database with pg_dump; see docs/operations.md.',
    );
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = path.resolve(args.out ?? path.join('backups', `terridata-${stamp}`));
  if (existsSync(out) && (await readdir(out)).length > 0) throw new BackupError(`${out} exists and is not empty: choose another --out`);

  const database = await openConfiguredDatabase(config, (m) => console.log(m));
  try {
    const version = await serverVersion(database.url);
    const pgDump = findPgTool('pg_dump', version.major, config.PG_BIN_DIR);
    await mkdir(out, { recursive: true });
    console.log(`dumping the database (PostgreSQL ${version.text}) with ${pgDump.path}…`);
    try {
      run(pgDump.path, ['--format=custom', '--no-owner', '--no-privileges', `--file=${path.join(out, DUMP)}`, `--dbname=${database.url}`], 'pg_dump');
    } catch (e) {
      await rm(out, { recursive: true, force: true });
      throw e;
    }
    const migration = await lastMigration(database.url);

    console.log(`copying the storage directory ${config.uploadsDir}…`);
    const files: ManifestFile[] = [];
    let bytes = 0;
    for (const rel of await listFiles(config.uploadsDir)) {
      const copied = await copyHashed(path.join(config.uploadsDir, rel), path.join(out, STORAGE, rel));
      files.push({ path: `${STORAGE}/${rel}`, ...copied });
      bytes += copied.size;
    }
    const dump: ManifestFile = { path: DUMP, size: (await stat(path.join(out, DUMP))).size, sha256: await sha256File(path.join(out, DUMP)) };
    const manifest: Manifest = {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      database: { serverVersion: version.text, dumpedWith: pgDump.version, lastMigration: migration, file: DUMP },
      storage: { driver: 'directory', source: config.uploadsDir, directory: STORAGE, files: files.length, bytes },
      files: [dump, ...files],
    };
    await writeFile(path.join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(path.join(out, 'SHA256SUMS'), manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
    console.log(`backup written to ${out}: database ${(dump.size / 1e6).toFixed(1)} MB, ${files.length} stored files (${(bytes / 1e6).toFixed(1)} MB)`);
  } finally {
    await database.close();
  }
});
