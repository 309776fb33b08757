// `npm run backup` and `npm run restore` as an operator runs them: a backup of a catalogue
// with published datasets, restored into a fresh database and a fresh directory, serves
// every dataset's files with their checksums, also from an S3 bucket (the same backup moved to
// the object store); a damaged backup restores nothing; missing
// client tools and a non-empty target are refused with a message that says what to do.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import type { DB } from '../../db/client';
import { csvReport, publishDataset, resetCatalogueFixtures } from '../catalogue/helpers';
import { prepareReferences } from '../contributions/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import { createScratchDatabase, dropScratchDatabases, runBackupScript } from './backup-helpers';
import { startTestS3 } from '../storage/s3-server';

let t: TestDatabase;
let root: string;
let uploadsDir: string;
const extraDatabases: string[] = [];
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  root = mkdtempSync(path.join(os.tmpdir(), 'td-backup-'));
  uploadsDir = path.join(root, 'uploads');
  const refs = await prepareReferences(t.db);
  await publishDataset(t.db, refs, uploadsDir, {
    draft: { title: 'Arceaux vélos de Villeurbanne' },
    files: [{ filename: 'arceaux.csv', content: 'id;commune\n1;Villeurbanne\n2;Villeurbanne\n', report: csvReport(2, ['id', 'commune']) }],
  });
  await publishDataset(t.db, refs, uploadsDir, {
    draft: { title: 'Fontaines à boire de Lyon' },
    files: [
      { filename: 'fontaines.csv', content: 'id;nom\n1;Terreaux\n', report: csvReport(1, ['id', 'nom']) },
      { filename: 'fontaines.zip', content: Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251)) },
    ],
  });
}, 120_000);

afterAll(async () => {
  await t?.close();
  await dropScratchDatabases(extraDatabases);
  if (root) rmSync(root, { recursive: true, force: true });
});

const freshDatabase = (suffix: string) => createScratchDatabase(`${t.name}_${suffix}`, extraDatabases);
const runScript = (script: 'backup' | 'restore', args: string[], env: Record<string, string>) =>
  runBackupScript(script, args, { DATA_DIR: path.join(root, 'data'), ...env });

interface Download {
  slug: string;
  id: string;
  sha256: string;
}

async function distributions(db: DB): Promise<Download[]> {
  return db
    .selectFrom('distribution as x')
    .innerJoin('dataset as d', 'd.current_version_id', 'x.dataset_version_id')
    .select(['d.slug', 'x.id', 'x.sha256'])
    .orderBy('x.id')
    .execute();
}

describe('backup and restore', () => {
  let backupDir: string;

  it('backs up the database and the storage directory with a sha256 manifest', async () => {
    backupDir = path.join(root, 'backup-1');
    const r = await runScript('backup', ['--out', backupDir], { DATABASE_URL: t.url, UPLOADS_DIR: uploadsDir });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/backup written to/);
    const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as {
      database: { serverVersion: string; lastMigration: string };
      files: { path: string; size: number; sha256: string }[];
    };
    expect(manifest.database.serverVersion).toMatch(/^15\./);
    expect(manifest.database.lastMigration).toMatch(/^\d{4}-/);
    expect(manifest.files[0]!.path).toBe('database.dump');
    for (const f of manifest.files) expect(sha(readFileSync(path.join(backupDir, f.path)))).toBe(f.sha256);
    // Every published file is in the backup, under its storage key.
    const stored = await t.db.selectFrom('distribution').select(['storage_key', 'sha256']).execute();
    expect(stored).toHaveLength(3);
    for (const d of stored) expect(manifest.files).toContainEqual(expect.objectContaining({ path: `storage/${d.storage_key}`, sha256: d.sha256 }));
  }, 120_000);

  it('restores into a fresh database and directory where every dataset downloads with its checksum', async () => {
    const url = await freshDatabase('restored');
    const dir = path.join(root, 'restored-uploads');
    const r = await runScript('restore', [backupDir], { DATABASE_URL: url, UPLOADS_DIR: dir });
    expect(r.code, r.output).toBe(0);

    const { db, pool } = createDb(url, 4);
    const server = await startTestServer({ db, pool, env: { UPLOADS_DIR: dir } });
    try {
      const expected = await distributions(t.db);
      const restored = await distributions(db);
      expect(restored).toEqual(expected);
      for (const d of restored) {
        const res = await fetch(`${server.url}/datasets/${d.slug}/telecharger/${d.id}`);
        expect(res.status).toBe(200);
        expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(d.sha256);
      }
      // The restored catalogue lists the datasets too.
      const page = await (await fetch(`${server.url}/datasets`)).text();
      expect(page).toContain('Fontaines à boire de Lyon');
    } finally {
      await server.close();
      await db.destroy();
    }
  }, 120_000);

  it('restores the same backup into an empty S3 bucket (moving to the object store), which serves every dataset', async () => {
    const s3 = await startTestS3();
    try {
      const url = await freshDatabase('to_s3');
      const r = await runScript('restore', [backupDir], { DATABASE_URL: url, ...s3.env });
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/, into the s3 driver \(backup made from the directory driver\)/);
      const { db, pool } = createDb(url, 4);
      const server = await startTestServer({ db, pool, env: { ...s3.env, STORAGE_MIN_FREE_BYTES: '0' } });
      try {
        const restored = await distributions(db);
        expect(restored).toEqual(await distributions(t.db));
        for (const d of restored) {
          const res = await fetch(`${server.url}/datasets/${d.slug}/telecharger/${d.id}`);
          expect(res.status).toBe(200);
          expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(d.sha256);
        }
      } finally {
        await server.close();
        await db.destroy();
      }
    } finally {
      await s3.close();
    }
  }, 120_000);

  it('refuses a damaged backup before restoring anything', async () => {
    const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const victim = path.join(backupDir, manifest.files.find((f) => f.path.endsWith('.zip') || f.path.startsWith('storage/'))!.path);
    const original = readFileSync(victim);
    const flipped = Buffer.from(original);
    flipped[0] = flipped[0]! ^ 0xff;
    writeFileSync(victim, flipped);
    try {
      const url = await freshDatabase('damaged');
      const r = await runScript('restore', [backupDir], { DATABASE_URL: url, UPLOADS_DIR: path.join(root, 'damaged-uploads') });
      expect(r.code).toBe(1);
      expect(r.output).toMatch(/the backup is damaged; nothing was restored/);
      expect(r.output).toContain('sha256 differs from the manifest');
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query<{ n: number }>("select count(*)::int as n from pg_tables where schemaname = 'public'");
      await c.end();
      expect(rows[0]!.n).toBe(0);
    } finally {
      writeFileSync(victim, original);
    }
  }, 60_000);

  it('refuses to restore over a database in use, without --force', async () => {
    const r = await runScript('restore', [backupDir], { DATABASE_URL: t.url, UPLOADS_DIR: path.join(root, 'other-uploads') });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/the database is not empty/);
  }, 60_000);

  it('says which client tools to install when pg_dump of the server\'s version is missing', async () => {
    const empty = mkdtempSync(path.join(root, 'no-tools-'));
    const r = await runScript('backup', ['--out', path.join(root, 'never')], { DATABASE_URL: t.url, UPLOADS_DIR: uploadsDir, PG_BIN_DIR: empty });
    expect(r.code).toBe(1);
    expect(r.output).toContain(`pg_dump 15 not found in PG_BIN_DIR=${empty}`);
    expect(r.output).toContain('apt-get install postgresql-client-15');
  }, 60_000);
});
