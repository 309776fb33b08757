// process_upload on real PostgreSQL: one pass over the bytes gives the checksum, the size and
// the real format; a file that is not what its extension says is invalid; twice is harmless.
// Last, the whole chain: a tus upload, the real job queue and worker, a verified upload.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processUpload } from '../../app/domain/uploads/process-upload.server';
import type { UploadCheckReport } from '../../app/domain/uploads/process-upload.server';
import { parseConfig } from '../../server/config';
import { buildTaskList } from '../../server/jobs/index';
import { logger } from '../../server/logger';
import { startWorker } from '../../server/worker';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import { tusUpload } from './helpers';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

let tdb: TestDatabase;
let uploadsDir: string;
let owner: SignedInTestUser;

beforeAll(async () => {
  tdb = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-process-'));
  mkdirSync(path.join(uploadsDir, 'tus'));
  owner = await createUserWithSession(tdb.db);
});

afterAll(async () => {
  await tdb?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

/** A ZIP with stored (uncompressed) entries, as spreadsheet files and archives are. */
function storedZip(entries: Array<[string, Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  randomBytes(2000),
]);
const EXE = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.alloc(58),
  Buffer.from('PE\0\0'),
  randomBytes(4000),
]);

async function completedUpload(
  filename: string,
  data: Buffer,
  purpose = 'dataset',
  declaredSize = data.length,
) {
  const id = randomBytes(16).toString('hex');
  writeFileSync(path.join(uploadsDir, 'tus', id), data);
  await tdb.db
    .insertInto('upload')
    .values({
      id,
      owner_id: owner.user.id,
      purpose,
      filename,
      declared_size: declaredSize,
      offset: data.length,
      status: 'complete',
      storage_key: `tus/${id}`,
      expires_at: new Date(Date.now() + 86_400_000),
      completed_at: new Date(),
    })
    .execute();
  return id;
}

const row = (id: string) =>
  tdb.db.selectFrom('upload').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const run = (id: string) => processUpload(tdb.db, { storage: new DirectoryStorage(uploadsDir) }, id);
/** The format pass alone, without the content validation (for hand-made archives). */
const runFormatOnly = (id: string) =>
  processUpload(tdb.db, { storage: new DirectoryStorage(uploadsDir), createInspector: null }, id);

describe('process_upload', () => {
  it('verifies a CSV: sha256, size, format and the report', async () => {
    const data = Buffer.from(`code_insee;nom\n${'69123;Lyon\n'.repeat(50_000)}`);
    const id = await completedUpload('communes.csv', data);
    expect(await run(id)).toBe('verified');
    const r = await row(id);
    expect(r).toMatchObject({
      status: 'verified',
      sha256: sha(data),
      size: data.length,
      detected_format: 'text',
    });
    expect(r.processed_at).toBeInstanceOf(Date);
    const report = r.report as unknown as UploadCheckReport;
    expect(report.verdict).toBe('verified');
    expect(report.file).toMatchObject({
      sha256: sha(data),
      sizeBytes: data.length,
      detectedFormat: 'text',
    });
    // The content validation ran in the same pass and kept its report.
    const validation = report.validation as {
      verdict: string;
      file: { sizeBytes: number };
      csv?: unknown;
    };
    expect(validation).toMatchObject({ verdict: 'verified', file: { sizeBytes: data.length } });
    expect(validation.csv).toBeDefined();
    expect(report.warnings.map((w) => w.code)).toContain('duplicate_rows');
  });

  it('marks invalid what the content validation refuses: a GeoJSON that is not a FeatureCollection, a CSV without rows', async () => {
    const feature = Buffer.from(
      JSON.stringify({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [4.85, 45.76] },
        properties: {},
      }),
    );
    const gj = await completedUpload('point.geojson', feature);
    expect(await run(gj)).toBe('invalid');
    const r = await row(gj);
    expect(r.detected_format).toBe('json');
    expect((r.report as unknown as UploadCheckReport).reasons.map((x) => x.code)).toContain(
      'geojson_not_feature_collection',
    );
    const headerOnly = await completedUpload('vide.csv', Buffer.from('code_insee;nom\n'));
    expect(await run(headerOnly)).toBe('invalid');
    expect(
      ((await row(headerOnly)).report as unknown as UploadCheckReport).reasons.map((x) => x.code),
    ).toContain('csv_no_rows');
  });

  it('marks invalid a .csv that is really a ZIP', async () => {
    const data = storedZip([['data.csv', Buffer.from('a;b\n1;2\n')]]);
    const id = await completedUpload('data.csv', data);
    expect(await run(id)).toBe('invalid');
    const r = await row(id);
    expect(r).toMatchObject({ status: 'invalid', detected_format: 'zip', sha256: sha(data) });
    const report = r.report as unknown as UploadCheckReport;
    expect(report.reasons.map((x) => x.code)).toEqual(['upload.formatMismatch']);
    expect(report.reasons[0]!.fr).toMatch(/\.csv.*ZIP/);
  });

  it('marks invalid a .png that is really a program, and verifies a real PNG photo', async () => {
    const bad = await completedUpload('vacances.png', EXE, 'photo');
    expect(await run(bad)).toBe('invalid');
    expect(await row(bad)).toMatchObject({ detected_format: 'executable' });
    expect(((await row(bad)).report as unknown as UploadCheckReport).reasons[0]!.code).toBe(
      'upload.executable',
    );
    const good = await completedUpload('vacances.png', PNG, 'photo');
    expect(await run(good)).toBe('verified');
    expect(await row(good)).toMatchObject({ detected_format: 'png' });
  });

  it('tells an XLSX from a plain ZIP, reading the central directory at the end of a large file', async () => {
    const xlsx = storedZip([
      ['[Content_Types].xml', Buffer.from('<Types/>')],
      ['docProps/thumbnail.bin', randomBytes(3 * 1024 * 1024 + 17)],
      ['xl/workbook.xml', Buffer.from('<workbook/>')],
    ]);
    const id = await completedUpload('budget.xlsx', xlsx);
    expect(await runFormatOnly(id)).toBe('verified');
    expect(await row(id)).toMatchObject({ detected_format: 'xlsx', sha256: sha(xlsx) });

    const plain = await completedUpload(
      'budget.xlsx',
      storedZip([['notes.txt', Buffer.from('hello')]]),
    );
    expect(await runFormatOnly(plain)).toBe('invalid');
    expect(await row(plain)).toMatchObject({ detected_format: 'zip' });

    const ods = storedZip([
      ['mimetype', Buffer.from('application/vnd.oasis.opendocument.spreadsheet')],
      ['content.xml', Buffer.from('<office:document-content/>')],
    ]);
    const odsId = await completedUpload('budget.ods', ods);
    expect(await runFormatOnly(odsId)).toBe('verified');
    expect(await row(odsId)).toMatchObject({ detected_format: 'ods' });
  });

  it('marks invalid an empty file and a JSON that is binary', async () => {
    const empty = await completedUpload('vide.csv', Buffer.alloc(0));
    expect(await run(empty)).toBe('invalid');
    const bin = await completedUpload(
      'points.geojson',
      Buffer.concat([Buffer.from('{"a":'), Buffer.from([0, 1, 2, 3])]),
    );
    expect(await run(bin)).toBe('invalid');
    expect(await row(bin)).toMatchObject({ detected_format: 'binary' });
  });

  it('is harmless to run twice, and leaves unfinished uploads alone', async () => {
    const data = Buffer.from('a,b\n1,2\n');
    const id = await completedUpload('twice.csv', data);
    expect(await run(id)).toBe('verified');
    const first = await row(id);
    expect(await run(id)).toBe('already-processed');
    const second = await row(id);
    expect(second).toEqual(first);
    // Both at once: one of them records, the other changes nothing.
    const id2 = await completedUpload('race.csv', data);
    const outcomes = await Promise.all([run(id2), run(id2)]);
    expect(outcomes.sort()).toEqual(['already-processed', 'verified']);

    await tdb.db.updateTable('upload').set({ status: 'uploading' }).where('id', '=', id2).execute();
    expect(await run(id2)).toBe('not-complete');
    expect(await run('no-such-upload')).toBe('missing');
  });
});

describe('the whole chain', () => {
  it('a tus upload is checked by the real worker and ends verified', async () => {
    const env = { UPLOADS_DIR: uploadsDir };
    const server = await startTestServer({ db: tdb.db, pool: tdb.pool, env });
    const config = parseConfig({
      NODE_ENV: 'test',
      DATABASE_URL: tdb.url,
      UPLOADS_DIR: uploadsDir,
      LOG_LEVEL: 'silent',
    });
    const worker = await startWorker({
      db: tdb.db,
      pool: tdb.pool,
      databaseUrl: tdb.url,
      taskList: buildTaskList({ db: tdb.db, config, logger }),
      concurrency: 1,
      sweepIntervalMs: 60_000,
      logger,
      pollInterval: 100,
    });
    try {
      const data = Buffer.from(`x;y\n${'4.85;45.76\n'.repeat(10_000)}`);
      const r = await tusUpload(server.url, data, {
        cookie: owner.cookie,
        metadata: { filename: 'points.tsv', purpose: 'dataset' },
      });
      expect(r.error).toBeNull();
      const id = r.url!.split('/').pop()!;
      let status = '';
      for (let i = 0; i < 100 && status !== 'verified'; i++) {
        status = (await row(id)).status;
        if (status !== 'verified') await new Promise((res) => setTimeout(res, 100));
      }
      expect(await row(id)).toMatchObject({
        status: 'verified',
        sha256: sha(data),
        size: data.length,
      });
    } finally {
      await worker.stop();
      await server.close();
    }
  });
});
