// CSV reports: the bad inputs of issue 5, French formats, and the streaming API's chunking.
import { describe, expect, it } from 'vitest';
import type { ValidationReport } from '../../app/domain/validation/report.schema';
import { inspectFile } from '../../app/domain/validation/inspect.server';
import { buildZip, inspectBytes, inspectInChunks, writeFixture } from './fixtures';

const cp1252 = (s: string): Buffer => {
  // Windows-1252 agrees with Latin-1 for the accented letters used here; the euro sign differs.
  const out = Buffer.from(s.replace(/€/g, '\u0080'), 'latin1');
  return out;
};
const codes = (r: ValidationReport, key: 'warnings' | 'reasons'): string[] =>
  r[key].map((m) => m.code);
const column = (r: ValidationReport, name: string) => {
  const c = r.csv?.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
};

describe('CSV bad inputs', () => {
  it('reads a Windows-1252, semicolon-separated export with accented headers and decimal commas', async () => {
    const r = await inspectBytes(
      'export.csv',
      cp1252(
        'Libellé;Intitulé de la commune;Surface (m²);Montant (€)\r\nÉcole;Vénissieux;12,5;1 234,50 €\r\nGymnase;Écully;3,25;99,00 €\r\n',
      ),
    );
    expect(r.verdict).toBe('verified');
    expect(r.csv?.encoding).toBe('windows-1252');
    expect(r.csv?.delimiter).toBe(';');
    expect(r.csv?.lineEnding).toBe('crlf');
    expect(r.csv?.header).toEqual([
      'Libellé',
      'Intitulé de la commune',
      'Surface (m²)',
      'Montant (€)',
    ]);
    expect(column(r, 'Surface (m²)')).toMatchObject({
      type: 'decimal',
      decimalSeparator: ',',
      min: 3.25,
      max: 12.5,
    });
    expect(column(r, 'Montant (€)').format?.code).toBe('amount_eur');
    expect(r.csv?.sample[0]).toEqual(['École', 'Vénissieux', '12,5', '1 234,50 €']);
    expect(codes(r, 'warnings')).toContain('encoding_windows_1252');
  });

  it('finds a header on line 3 after a title and a blank line', async () => {
    const r = await inspectBytes(
      'titled.csv',
      'Équipements sportifs de la Métropole - 2024;;\n;;\ncode_insee;nom;nombre\n69123;Stade;3\n69266;Piscine;1\n',
    );
    expect(r.verdict).toBe('verified');
    expect(r.csv).toMatchObject({
      headerLine: 3,
      linesBeforeHeader: 2,
      header: ['code_insee', 'nom', 'nombre'],
      rowCount: 2,
    });
    expect(r.warnings.find((w) => w.code === 'header_not_first_line')).toMatchObject({ line: 3 });
    expect(column(r, 'code_insee').format?.code).toBe('insee_commune_code');
  });

  it('counts ragged rows and gives their line numbers', async () => {
    const rows = ['a,b,c'];
    for (let i = 0; i < 30; i++) rows.push(i % 2 === 0 ? `${i},x,y` : `${i},x`);
    const r = await inspectBytes('ragged.csv', `${rows.join('\n')}\n`);
    expect(r.csv?.raggedRows.count).toBe(15);
    expect(r.csv?.raggedRows.firstLines).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 19, 21]);
    expect(codes(r, 'warnings')).toContain('ragged_rows');
  });

  it('strips a UTF-8 byte order mark', async () => {
    const r = await inspectBytes(
      'bom.csv',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('année,commune\n2024,Lyon\n')]),
    );
    expect(r.csv?.encoding).toBe('utf-8-bom');
    expect(r.csv?.header).toEqual(['année', 'commune']);
    expect(column(r, 'année')).toMatchObject({
      type: 'integer',
      format: { code: 'year', share: 1 },
    });
  });

  it('reports a file of one column', async () => {
    const r = await inspectBytes('one.csv', 'commune\nLyon\nBron\nÉcully\n');
    expect(r.verdict).toBe('verified');
    expect(r.csv).toMatchObject({
      delimiter: null,
      columnCount: 1,
      rowCount: 3,
      header: ['commune'],
    });
    expect(codes(r, 'warnings')).toContain('single_column');
  });

  it('refuses an empty file', async () => {
    const r = await inspectBytes('empty.csv', '');
    expect(r.verdict).toBe('invalid');
    expect(codes(r, 'reasons')).toEqual(['empty_file']);
    expect(r.reasons[0]).toMatchObject({ fr: 'Le fichier est vide.', en: 'The file is empty.' });
  });

  it('refuses a 1-line file: a header without data', async () => {
    const r = await inspectBytes('header-only.csv', 'code_insee;commune;population');
    expect(r.verdict).toBe('invalid');
    expect(r.csv).toMatchObject({ headerLine: 1, rowCount: 0, columnCount: 3, lineEnding: 'none' });
    expect(codes(r, 'reasons')).toEqual(['csv_no_rows']);
  });

  it('refuses a binary file named .csv, a ZIP named .csv and a program named .png', async () => {
    const binary = Buffer.alloc(4096);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 256;
    const r1 = await inspectBytes('data.csv', binary);
    expect(r1.verdict).toBe('invalid');
    expect(codes(r1, 'reasons')).toEqual(['binary_content']);

    const r2 = await inspectBytes(
      'data2.csv',
      buildZip([{ name: 'a.csv', data: Buffer.from('a,b\n1,2\n') }]),
    );
    expect(r2.verdict).toBe('invalid');
    expect(r2.file.detectedFormat).toBe('zip');
    expect(codes(r2, 'reasons')).toEqual(['format_mismatch']);

    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
    const r3 = await inspectBytes('photo.png', exe);
    expect(r3.verdict).toBe('invalid');
    expect(r3.file.detectedFormat).toBe('executable');
    expect(codes(r3, 'reasons')).toEqual(['executable_content']);
  });
});

describe('CSV analysis', () => {
  it('recognises French formats and flags personal data', async () => {
    const header =
      'siren;siret;code_postal;dep;reg;email;telephone;site;id;lat;lon;x_l93;y_l93;date_texte;taux;nom;prénom;horodatage;actif';
    const row = (i: number): string =>
      [
        '356000000',
        '73282932000074',
        i % 2 ? '69001' : '69100',
        '69',
        '84',
        `agent${i}@grandlyon.com`,
        i % 2 ? '04 78 63 40 40' : '+33 4 78 63 40 40',
        'https://data.grandlyon.com',
        `0b9c1f2a-3d4e-4f50-8a6b-7c8d9e0f1a2${i % 10}`,
        '45.7640',
        '4.8357',
        '842000.5',
        '6519000.1',
        i % 2 ? '31 décembre 2024' : '1er janvier 2025',
        `${i},5 %`,
        'Dupont',
        'Marie',
        `2024-03-0${1 + (i % 9)}T10:15:00Z`,
        i % 2 ? 'oui' : 'non',
      ].join(';');
    const r = await inspectBytes(
      'formats.csv',
      `${header}\n${Array.from({ length: 30 }, (_, i) => row(i)).join('\n')}\n`,
    );
    const f = (name: string) => column(r, name).format?.code;
    expect(f('siren')).toBe('siren');
    expect(f('siret')).toBe('siret');
    expect(f('code_postal')).toBe('postal_code');
    expect(f('dep')).toBe('departement_code');
    expect(f('reg')).toBe('region_code');
    expect(f('email')).toBe('email');
    expect(f('telephone')).toBe('phone_fr');
    expect(f('site')).toBe('url');
    expect(f('id')).toBe('uuid');
    expect(f('lat')).toBe('latitude_wgs84');
    expect(f('lon')).toBe('longitude_wgs84');
    expect(f('x_l93')).toBe('lambert93_x');
    expect(f('y_l93')).toBe('lambert93_y');
    expect(f('date_texte')).toBe('date_fr_text');
    expect(column(r, 'date_texte')).toMatchObject({
      type: 'date',
      min: '2024-12-31',
      max: '2025-01-01',
    });
    expect(f('taux')).toBe('percentage');
    expect(column(r, 'horodatage')).toMatchObject({
      type: 'datetime',
      format: { code: 'datetime_iso' },
    });
    expect(column(r, 'actif').type).toBe('boolean');
    expect(column(r, 'email').personalData).toBe('email');
    expect(column(r, 'telephone').personalData).toBe('phone');
    expect(column(r, 'nom').personalData).toBe('person_name');
    expect(column(r, 'prénom').personalData).toBe('person_name');
    expect(r.warnings.filter((w) => w.code === 'personal_data').map((w) => w.column)).toEqual([
      'email',
      'telephone',
      'nom',
      'prénom',
    ]);
  });

  it('rejects SIREN with a wrong checksum and codes that are not in the official list', async () => {
    const r = await inspectBytes(
      'bad-codes.csv',
      `siren,code_commune\n${Array.from({ length: 20 }, (_, i) => `12345678${i % 10},99${String(900 + i)}`).join('\n')}\n`,
    );
    expect(column(r, 'siren').format).toBeNull();
    expect(column(r, 'code_commune').format).toBeNull();
  });

  it('counts duplicate rows, empty rows and empty edge columns', async () => {
    const r = await inspectBytes('dups.csv', 'a,b,\n1,x,\n2,y,\n\n1,x,\n,,\n3,"z, quoted",\n');
    expect(r.csv).toMatchObject({
      rowCount: 4,
      emptyRows: 2,
      trailingEmptyColumns: 1,
      quoted: true,
    });
    expect(r.csv?.duplicateRows).toMatchObject({ count: 1, exact: true });
    expect(column(r, 'a')).toMatchObject({ emptyCount: 0, nonEmptyCount: 4, distinctEstimate: 3 });
    expect(r.csv?.sample[3]).toEqual(['3', 'z, quoted', '']);
  });

  it('counts duplicates exactly across batches, and as a lower bound past the set capacity', async () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => `${i % 100_000},x`);
    const exact = await inspectFile(writeFixture('dup-many.csv', `n,s\n${rows.join('\n')}\n`));
    expect(exact.csv?.duplicateRows).toMatchObject({ count: 50_000, exact: true });
    const capped = await inspectFile(writeFixture('dup-capped.csv', `n,s\n${rows.join('\n')}\n`), {
      caps: { duplicateSetCapacity: 1000 },
    });
    expect(capped.csv?.duplicateRows.exact).toBe(false);
    expect(capped.csv?.duplicateRows.count).toBeGreaterThan(0);
    expect(capped.csv?.duplicateRows.count).toBeLessThan(50_000);
  });

  it('estimates distinct values and min/max on many rows', async () => {
    const rows = Array.from({ length: 20000 }, (_, i) => `${i},${i % 100},${(i / 7).toFixed(3)}`);
    const r = await inspectBytes('many.csv', `n,m,d\n${rows.join('\n')}\n`);
    const n = column(r, 'n');
    expect(n).toMatchObject({ type: 'integer', min: 0, max: 19999 });
    expect(Math.abs(n.distinctEstimate - 20000) / 20000).toBeLessThan(0.05);
    expect(Math.abs(column(r, 'm').distinctEstimate - 100)).toBeLessThanOrEqual(2);
    expect(column(r, 'd')).toMatchObject({ type: 'decimal', decimalSeparator: '.' });
    expect(r.csv?.sample).toHaveLength(20);
  });

  it('notices Windows-1252 bytes after a UTF-8 start', async () => {
    const start = Buffer.from(`nom,ville\n${'Ligne,Lyon\n'.repeat(8000)}`);
    const r = await inspectBytes('mixed.csv', Buffer.concat([start, cp1252('Café,Écully\n')]));
    expect(r.csv?.encoding).toBe('utf-8');
    expect(r.csv?.mixedEncoding).toBe(true);
    expect(r.warnings.find((w) => w.code === 'encoding_mixed')).toMatchObject({
      offset: start.length + 3,
    });
  });

  it('gives the same report whatever the chunk size', async () => {
    const content = Buffer.from(
      `\ufefftitre\n\nid;"libellé";montant\n${Array.from({ length: 300 }, (_, i) => `${i};"Ligne ""${i}""\nsuite";${i},5`).join('\r\n')}\r\n`,
    );
    const strip = (r: ValidationReport) => ({
      ...r,
      generatedAt: '',
      durationMs: 0,
      file: { ...r.file, name: '' },
    });
    const whole = await inspectInChunks('c.csv', content, content.length);
    expect(whole.csv?.rowCount).toBe(300);
    expect(whole.csv?.headerLine).toBe(3);
    expect(whole.csv?.sample[0]).toEqual(['0', 'Ligne "0"\nsuite', '0,5']);
    for (const size of [1, 7, 4096])
      expect(strip(await inspectInChunks('c.csv', content, size))).toEqual(strip(whole));
  });

  it('reads a tab-separated file', async () => {
    const r = await inspectBytes('data.tsv', 'code\tvaleur\n69123\t1.5\n69266\t2\n');
    expect(r.csv).toMatchObject({ delimiter: '\t', columnCount: 2, rowCount: 2 });
    expect(r.file.mediaType).toBe('text/csv');
  });
});
