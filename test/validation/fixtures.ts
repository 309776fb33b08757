// Builders for the binary fixtures the tests generate: ZIP archives (including bombs and
// lying headers), minimal XLSX and ODS workbooks, a Parquet footer, a small PDF.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { createInspector, inspectFile } from '../../app/domain/validation/inspect.server';
import {
  validationReportSchema,
  type ValidationReport,
} from '../../app/domain/validation/report.schema';

export const workDir = mkdtempSync(join(tmpdir(), 'terridata-validation-'));

export function writeFixture(name: string, content: string | Uint8Array): string {
  const path = join(workDir, name);
  writeFileSync(path, content);
  return path;
}

/** Inspects a file written to the temp dir and checks the report against its published schema. */
export async function inspectBytes(
  name: string,
  content: string | Uint8Array,
): Promise<ValidationReport> {
  const report = await inspectFile(writeFixture(name, content));
  return validationReportSchema.parse(report);
}

/** Same bytes fed through the streaming API in chunks of `size` bytes. */
export async function inspectInChunks(
  name: string,
  content: Uint8Array,
  size: number,
): Promise<ValidationReport> {
  const inspector = createInspector({
    filename: name,
    filePath: writeFixture(`chunks-${size}-${name}`, content),
  });
  for (let i = 0; i < content.length; i += size) inspector.write(content.subarray(i, i + size));
  return validationReportSchema.parse(await inspector.finish());
}

export interface ZipEntrySpec {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Lie in the headers about the expanded size. */
  declaredSize?: number;
}

export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const method = e.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
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

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A workbook whose sheets hold the given rows; strings go through sharedStrings, numbers inline. */
export function buildXlsx(
  sheets: Array<{ name: string; rows: Array<Array<string | number>> }>,
): Buffer {
  const shared: string[] = [];
  const sheetXml = sheets.map(({ rows }) => {
    const body = rows
      .map((row, r) => {
        const cells = row
          .map((v, c) => {
            const ref = `${String.fromCharCode(65 + c)}${r + 1}`;
            if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
            shared.push(v);
            return `<c r="${ref}" t="s"><v>${shared.length - 1}</v></c>`;
          })
          .join('');
        return `<row r="${r + 1}">${cells}</row>`;
      })
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`;
  });
  const entries: ZipEntrySpec[] = [
    {
      name: '[Content_Types].xml',
      data: text(
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>',
      ),
    },
    {
      name: 'xl/workbook.xml',
      data: text(
        `<?xml version="1.0"?><workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${sheets
          .map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
          .join('')}</sheets></workbook>`,
      ),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: text(
        `<?xml version="1.0"?><Relationships>${sheets
          .map(
            (_, i) =>
              `<Relationship Id="rId${i + 1}" Type="worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
          )
          .join('')}</Relationships>`,
      ),
    },
    ...sheetXml.map((xml, i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: text(xml),
      deflate: true,
    })),
    {
      name: 'xl/sharedStrings.xml',
      data: text(
        `<?xml version="1.0"?><sst>${shared.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`,
      ),
      deflate: true,
    },
  ];
  return buildZip(entries);
}

export function buildOds(
  sheets: Array<{ name: string; rows: Array<Array<string | number>> }>,
): Buffer {
  const tables = sheets
    .map(
      ({ name, rows }) =>
        `<table:table table:name="${esc(name)}">${rows
          .map(
            (row) =>
              `<table:table-row>${row
                .map((v) =>
                  typeof v === 'number'
                    ? `<table:table-cell office:value-type="float" office:value="${v}"><text:p>${String(v).replace('.', ',')}</text:p></table:table-cell>`
                    : `<table:table-cell office:value-type="string"><text:p>${esc(v)}</text:p></table:table-cell>`,
                )
                .join(
                  '',
                )}<table:table-cell table:number-columns-repeated="1020"/></table:table-row>`,
          )
          .join(
            '',
          )}<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>`,
    )
    .join('');
  const content = `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>${tables}</office:spreadsheet></office:body></office:document-content>`;
  return buildZip([
    { name: 'mimetype', data: text('application/vnd.oasis.opendocument.spreadsheet') },
    { name: 'content.xml', data: text(content), deflate: true },
    { name: 'META-INF/manifest.xml', data: text('<manifest/>'), deflate: true },
  ]);
}

// --- Thrift compact, just enough to write a Parquet footer -------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const zz = (n: number): number[] => varint(n >= 0 ? n * 2 : -n * 2 - 1);
type Field = [id: number, type: 'i32' | 'i64' | 'string' | 'list' | 'struct', value: unknown];
function struct(fields: Field[]): number[] {
  const out: number[] = [];
  let last = 0;
  for (const [id, type, value] of fields) {
    const t = { i32: 5, i64: 6, string: 8, list: 9, struct: 12 }[type];
    out.push(((id - last) << 4) | t);
    last = id;
    if (type === 'i32' || type === 'i64') out.push(...zz(value as number));
    else if (type === 'string') {
      const b = Buffer.from(value as string, 'utf8');
      out.push(...varint(b.length), ...b);
    } else if (type === 'struct') out.push(...struct(value as Field[]));
    else {
      const items = value as Field[][];
      out.push((items.length << 4) | 12);
      for (const item of items) out.push(...struct(item));
    }
  }
  out.push(0);
  return out;
}

export function buildParquet(rowCount: number): Buffer {
  const footer = Buffer.from(
    struct([
      [1, 'i32', 1],
      [
        2,
        'list',
        [
          [
            [4, 'string', 'schema'],
            [5, 'i32', 2],
          ],
          [
            [1, 'i32', 2],
            [3, 'i32', 0],
            [4, 'string', 'id'],
          ],
          [
            [1, 'i32', 6],
            [3, 'i32', 1],
            [4, 'string', 'commune'],
            [6, 'i32', 0],
          ],
        ],
      ],
      [3, 'i64', rowCount],
      [4, 'list', [[[3, 'i64', rowCount]]]],
      [6, 'string', 'terridata test'],
    ]),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  return Buffer.concat([
    Buffer.from('PAR1'),
    Buffer.alloc(100, 7),
    footer,
    len,
    Buffer.from('PAR1'),
  ]);
}

export function buildPdf(pages: number): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${i + 3} 0 R`).join(' ')}] /Count ${pages} >>`,
    ...Array.from(
      { length: pages },
      () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
    ),
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
