// `npm run backup [-- --out DIR]`: a consistent pg_dump of the database (custom format, made
// with the pg_dump of the server's major version) and a copy of every stored object, from the
// storage directory or the S3 bucket the configuration names, with manifest.json listing
// every file with its size and sha256 (plus SHA256SUMS for `sha256sum -c`). How the dump and
// the objects agree: scripts/backup-run.ts. Exit code 1 when the backup could not be written,
// or was written with problems (objects the database refers to that the store lacks).
import path from 'node:path';
import { BackupError, loadConfig, main } from './backup-common';
import { runBackup } from './backup-run';

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

main(async () => {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = args.out ?? path.join('backups', `terridata-${stamp}`);
  const r = await runBackup(config, { out });
  if (r.problems.length)
    throw new BackupError(
      `the backup was written, but ${r.problems.length} object(s) the database refers to are missing or damaged in the store (manifest.json, storage.problems):\n  ${r.problems.slice(0, 20).join('\n  ')}${r.problems.length > 20 ? '\n  …' : ''}`,
    );
});
