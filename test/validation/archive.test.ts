// Formats read after the pass with bounded reads: ZIP (bombs, shapefiles), XLSX, ODS, Parquet, PDF.
import { describe, expect, it } from 'vitest';
import { inspectFile } from '../../app/domain/validation/inspect.server';
import {
  buildOds,
  buildParquet,
  buildPdf,
  buildXlsx,
  buildZip,
  inspectBytes,
  writeFixture,
} from './fixtures';

const rows: Array<Array<string | number>> = [
  ['code_insee', 'commune', 'population'],
  ['69123', 'Lyon', 520774],
  ['69266', 'Villeurbanne', 156928],
  ['69259', 'Vénissieux', 67129],
];

describe('ZIP', () => {
  it('refuses a decompression bomb from its directory, without inflating it', async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const bomb = buildZip([{ name: 'zeros.csv', data: zeros, deflate: true }]);
    expect(bomb.length).toBeLessThan(200_000);
    const r = await inspectBytes('bomb.zip', bomb);
    expect(r.verdict).toBe('invalid');
    expect(r.zip?.bomb).toBe(true);
    expect(r.reasons[0]).toMatchObject({ code: 'archive_bomb' });
    expect(String(r.reasons[0]?.detail)).toMatch(/expansion ratio \d+ > 200/);
  });

  it('refuses an archive with too many entries and one that is too large once expanded', async () => {
    const many = buildZip(
      Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })),
    );
    const r = await inspectBytes('many.zip', many);
    expect(r.verdict).toBe('verified');
    const path = writeFixture('many2.zip', many);
    const tooMany = await inspectFile(path, { caps: { zipMaxEntries: 10 } });
    expect(tooMany.reasons[0]).toMatchObject({ code: 'archive_bomb', detail: '30 entries > 10' });
    const lying = writeFixture(
      'lying.zip',
      buildZip([
        { name: 'big.csv', data: Buffer.from('a,b\n'), deflate: true, declaredSize: 3_000_000_000 },
      ]),
    );
    const tooBig = await inspectFile(lying, {
      caps: { zipMaxTotalUncompressedBytes: 1_000_000_000 },
    });
    expect(tooBig.verdict).toBe('invalid');
    expect(tooBig.reasons[0]?.code).toBe('archive_bomb');
  });

  it('lists entries and recognises a shapefile set', async () => {
    const parts = ['shp', 'shx', 'dbf', 'prj'].map((ext) => ({
      name: `voirie/troncons.${ext}`,
      data: Buffer.from(ext),
    }));
    const r = await inspectBytes(
      'voirie.zip',
      buildZip([...parts, { name: 'lisezmoi.txt', data: Buffer.from('hello') }]),
    );
    expect(r.verdict).toBe('verified');
    expect(r.zip).toMatchObject({ entryCount: 5, bomb: false });
    expect(r.zip?.shapefiles).toEqual([
      { base: 'voirie/troncons', parts: ['dbf', 'prj', 'shp', 'shx'], complete: true },
    ]);
    const partial = await inspectBytes('partial.zip', buildZip(parts.slice(0, 2)));
    expect(partial.warnings[0]).toMatchObject({
      code: 'shapefile_incomplete',
      missing: ['.dbf', '.prj'],
    });
  });
});

describe('XLSX and ODS', () => {
  it('reads sheets, their rows and header, and analyses the first sheet', async () => {
    const r = await inspectBytes(
      'communes.xlsx',
      buildXlsx([
        { name: 'Communes', rows },
        { name: 'Notes', rows: [['note'], ['source INSEE']] },
      ]),
    );
    expect(r.verdict).toBe('verified');
    expect(r.file.detectedFormat).toBe('xlsx');
    expect(r.spreadsheet?.sheets).toEqual([
      {
        name: 'Communes',
        rowCount: 3,
        header: ['code_insee', 'commune', 'population'],
        truncated: false,
      },
      { name: 'Notes', rowCount: 1, header: ['note'], truncated: false },
    ]);
    const cols = r.spreadsheet?.firstSheet?.columns ?? [];
    expect(cols[0]?.format?.code).toBe('insee_commune_code');
    expect(cols[2]).toMatchObject({ type: 'integer', min: 67129, max: 520774 });
    expect(r.spreadsheet?.firstSheet?.sample[2]).toEqual(['69259', 'Vénissieux', '67129']);
  });

  it('refuses a truncated XLSX without crashing', async () => {
    const full = buildXlsx([{ name: 'Communes', rows }]);
    const r = await inspectBytes('cut.xlsx', full.subarray(0, Math.floor(full.length * 0.6)));
    expect(r.verdict).toBe('invalid');
    expect(r.reasons[0]?.code).toBe('spreadsheet_corrupt');
    expect(r.reasons[0]?.en).toMatch(/^The spreadsheet cannot be read/);
  });

  it('reads an ODS workbook, skipping the padding of repeated empty rows and cells', async () => {
    const r = await inspectBytes('communes.ods', buildOds([{ name: 'Feuille1', rows }]));
    expect(r.verdict).toBe('verified');
    expect(r.file.detectedFormat).toBe('ods');
    expect(r.spreadsheet?.sheets).toEqual([
      {
        name: 'Feuille1',
        rowCount: 3,
        header: ['code_insee', 'commune', 'population'],
        truncated: false,
      },
    ]);
    expect(r.spreadsheet?.firstSheet?.columns[2]).toMatchObject({ type: 'integer', max: 520774 });
  });

  it('stops reading a part that inflates to more than its header declares', async () => {
    const sheet = `<worksheet><sheetData>${'<row><c t="inlineStr"><is><t>x</t></is></c></row>'.repeat(5000)}</sheetData></worksheet>`;
    const lying = buildZip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      {
        name: 'xl/workbook.xml',
        data: Buffer.from('<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>'),
      },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.from(sheet),
        deflate: true,
        declaredSize: 1000,
      },
    ]);
    const r = await inspectBytes('lying.xlsx', lying);
    expect(r.verdict).toBe('invalid');
    expect(r.reasons[0]?.code).toBe('spreadsheet_corrupt');
  });

  it('refuses an XLSX that is a plain ZIP', async () => {
    const r = await inspectBytes(
      'fake.xlsx',
      buildZip([{ name: 'a.txt', data: Buffer.from('a') }]),
    );
    expect(r.verdict).toBe('invalid');
    expect(r.reasons[0]?.code).toBe('format_mismatch');
  });
});

describe('Parquet and PDF', () => {
  it('reads the schema and row count from a Parquet footer', async () => {
    const r = await inspectBytes('data.parquet', buildParquet(1_234_567));
    expect(r.verdict).toBe('verified');
    expect(r.parquet).toEqual({
      rowCount: 1_234_567,
      rowGroups: 1,
      createdBy: 'terridata test',
      columns: [
        { name: 'id', physicalType: 'INT64', logicalType: null, repetition: 'REQUIRED' },
        {
          name: 'commune',
          physicalType: 'BYTE_ARRAY',
          logicalType: 'UTF8',
          repetition: 'OPTIONAL',
        },
      ],
    });
    const cut = await inspectBytes('cut.parquet', buildParquet(10).subarray(0, 60));
    expect(cut.reasons[0]?.code).toBe('parquet_corrupt');
  });

  it('counts the pages of a PDF and refuses a truncated one', async () => {
    const r = await inspectBytes('rapport.pdf', buildPdf(3));
    expect(r.verdict).toBe('verified');
    expect(r.pdf).toEqual({ version: '1.4', pageCount: 3, encrypted: false });
    const cut = await inspectBytes('cut.pdf', buildPdf(3).subarray(0, 200));
    expect(cut.reasons[0]?.code).toBe('pdf_corrupt');
  });
});
