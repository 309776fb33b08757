// ZIP, XLSX and ODS: their directory comes last, so they are read after the streaming pass,
// from the stored file, with bounded reads. Archive bombs are refused from the central
// directory alone (entry count, declared sizes, ratio) before any byte is inflated, and the few
// parts we do inflate (spreadsheet XML) are read in memory with a byte cap, never to disk.
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ColumnProfiler } from './column-profiler';
import { message } from './messages';
import type {
  DetectedFormat,
  InspectionCaps,
  ReportMessage,
  SpreadsheetReport,
  ZipReport,
} from './report.schema';
import { XmlScanner, type XmlHandler } from './xml-scanner';

const LISTED_ENTRIES = 1000;
const SMALL_PART_BYTES = 16 * 1024 * 1024;
const MAX_SHEETS = 50;
const SAMPLE_ROWS = 20;
const RATIO_MIN_ENTRY_BYTES = 1024 * 1024;
const UTF8 = new TextEncoder();

export interface ZipFamilyResult {
  format: DetectedFormat;
  zip?: ZipReport;
  spreadsheet?: SpreadsheetReport;
  reasons: ReportMessage[];
  warnings: ReportMessage[];
}

class CapReached extends Error {}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      {
        lazyEntries: true,
        autoClose: false,
        validateEntrySizes: true,
        strictFileNames: false,
        decodeStrings: true,
      },
      (err, zip) => (err ? reject(err) : resolve(zip)),
    );
  });
}

function listEntries(zip: ZipFile, onEntry: (e: Entry) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on('entry', (e: Entry) => {
      if (onEntry(e)) zip.readEntry();
      else resolve();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Streams the inflated bytes of one entry to `onChunk`, stopping after `cap` bytes. */
function readEntry(
  zip: ZipFile,
  entry: Entry,
  cap: number,
  onChunk: (b: Buffer) => void,
): Promise<{ truncated: boolean }> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      let read = 0;
      let done = false;
      stream.on('data', (b: Buffer) => {
        if (done) return;
        try {
          const room = cap - read;
          read += b.length;
          onChunk(room < b.length ? b.subarray(0, room) : b);
          if (read >= cap) {
            done = true;
            stream.destroy();
            resolve({ truncated: true });
          }
        } catch (e) {
          done = true;
          stream.destroy();
          if (e instanceof CapReached) resolve({ truncated: true });
          else reject(e);
        }
      });
      stream.on('end', () => {
        if (!done) resolve({ truncated: false });
      });
      stream.on('error', (e) => {
        if (!done) reject(e);
      });
    });
  });
}

async function readEntryText(zip: ZipFile, entry: Entry, cap: number): Promise<string> {
  const parts: Buffer[] = [];
  await readEntry(zip, entry, cap, (b) => parts.push(Buffer.from(b)));
  return Buffer.concat(parts).toString('utf8');
}

const localName = (n: string): string => n.slice(n.indexOf(':') + 1);

/** OOXML writers differ in namespace prefixes (`<c>`, `<x:c>`): match on local names. */
function ooxml(h: XmlHandler): XmlHandler {
  return {
    open: (n, a, selfClosing) => h.open(localName(n), a, selfClosing),
    close: (n) => h.close(localName(n)),
    text: (t) => h.text(t),
  };
}

function parseSmallXml(
  xml: string,
  onOpen: (name: string, attrs: Record<string, string>) => void,
): void {
  const scanner = new XmlScanner(ooxml({ open: onOpen, close: () => {}, text: () => {} }));
  scanner.write(Buffer.from(xml, 'utf8'));
  scanner.end();
}

/** Collects the rows of one sheet: count, header, and for the first sheet the column analysis. */
class TableSink {
  rowCount = 0;
  header: string[] | null = null;
  profiler: ColumnProfiler | null = null;
  readonly sample: string[][] = [];
  truncated = false;

  constructor(
    private readonly analyse: boolean,
    private readonly maxRows: number,
    private readonly maxColumns: number,
  ) {}

  row(cells: string[], repeat = 1): void {
    if (!cells.some((c) => c.trim() !== '')) return;
    for (let r = 0; r < repeat; r++) {
      if (this.header === null) {
        this.header = cells.slice(0, this.maxColumns).map((c) => c.trim());
        if (this.analyse)
          this.profiler = new ColumnProfiler(this.header.map((h, i) => h || `column_${i + 1}`));
        continue;
      }
      if (this.rowCount >= this.maxRows) {
        this.truncated = true;
        throw new CapReached();
      }
      this.rowCount++;
      if (this.profiler) {
        const n = Math.min(this.header.length, this.profiler.columns.length);
        for (let i = 0; i < n; i++) {
          const bytes = UTF8.encode(cells[i] ?? '');
          this.profiler.addCell(i, bytes, 0, bytes.length);
        }
        if (this.sample.length < SAMPLE_ROWS) this.sample.push(cells.slice(0, n));
      }
    }
  }

  table(): SpreadsheetReport['firstSheet'] {
    if (!this.profiler || this.header === null) return null;
    return {
      columnCount: this.header.length,
      rowCount: this.rowCount,
      columns: this.profiler.report(),
      sample: this.sample,
    };
  }
}

function columnIndex(ref: string | undefined, fallback: number): number {
  if (!ref) return fallback;
  let n = 0;
  for (const ch of ref) {
    const c = ch.charCodeAt(0);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n > 0 ? n - 1 : fallback;
}

async function readXlsx(
  zip: ZipFile,
  entries: Map<string, Entry>,
  caps: InspectionCaps,
  warnings: ReportMessage[],
): Promise<SpreadsheetReport> {
  const workbook = entries.get('xl/workbook.xml');
  if (!workbook) throw new Error('xl/workbook.xml is missing');
  const sheets: Array<{ name: string; rid: string }> = [];
  parseSmallXml(await readEntryText(zip, workbook, SMALL_PART_BYTES), (name, a) => {
    if (name === 'sheet') sheets.push({ name: a.name ?? '', rid: a['r:id'] ?? '' });
  });
  const targets = new Map<string, string>();
  const rels = entries.get('xl/_rels/workbook.xml.rels');
  if (rels)
    parseSmallXml(await readEntryText(zip, rels, SMALL_PART_BYTES), (name, a) => {
      if (name === 'Relationship' && a.Id && a.Target) {
        const t = a.Target.startsWith('/') ? a.Target.slice(1) : `xl/${a.Target}`;
        targets.set(a.Id, t);
      }
    });

  // Shared strings: the one part that must be held in memory, hence its own cap.
  const shared: string[] = [];
  const sst = entries.get('xl/sharedStrings.xml');
  if (sst) {
    let current = '';
    let inT = false;
    let inPhonetic = false;
    const scanner = new XmlScanner(
      ooxml({
        open: (n) => {
          if (n === 'si') current = '';
          else if (n === 't') inT = true;
          else if (n === 'rPh') inPhonetic = true;
        },
        close: (n) => {
          if (n === 'si') shared.push(current);
          else if (n === 't') inT = false;
          else if (n === 'rPh') inPhonetic = false;
        },
        text: (t) => {
          if (inT && !inPhonetic) current += t;
        },
      }),
    );
    const { truncated } = await readEntry(zip, sst, caps.sharedStringsMaxBytes, (b) =>
      scanner.write(b),
    );
    scanner.end();
    if (truncated)
      warnings.push(
        message('spreadsheet_truncated', {
          limit: `${caps.sharedStringsMaxBytes} B (sharedStrings)`,
        }),
      );
  }

  const report: SpreadsheetReport = { sheets: [], firstSheet: null };
  for (const [i, sheet] of sheets.slice(0, MAX_SHEETS).entries()) {
    const path = targets.get(sheet.rid) ?? `xl/worksheets/sheet${i + 1}.xml`;
    const entry = entries.get(path);
    if (!entry) throw new Error(`${path} is missing`);
    const sink = new TableSink(i === 0, caps.spreadsheetMaxRows, caps.maxColumns);
    let cells: string[] = [];
    let col = 0;
    let type = '';
    let value = '';
    let inValue = false;
    const handler: XmlHandler = {
      open: (n, a) => {
        if (n === 'row') {
          cells = [];
          col = 0;
        } else if (n === 'c') {
          col = columnIndex(a.r, col);
          type = a.t ?? 'n';
          value = '';
        } else if (n === 'v' || n === 't') inValue = true;
      },
      close: (n) => {
        if (n === 'v' || n === 't') inValue = false;
        else if (n === 'c') {
          if (col < caps.maxColumns) {
            while (cells.length < col) cells.push('');
            cells[col] =
              type === 's'
                ? (shared[Number(value)] ?? '')
                : type === 'b'
                  ? value === '1'
                    ? 'true'
                    : 'false'
                  : value;
          }
          col++;
        } else if (n === 'row') sink.row(cells);
      },
      text: (t) => {
        if (inValue) value += t;
      },
    };
    const scanner = new XmlScanner(ooxml(handler));
    const { truncated } = await readEntry(zip, entry, caps.archiveEntryReadBytes, (b) =>
      scanner.write(b),
    );
    if (!truncated && !sink.truncated) scanner.end();
    if (truncated || sink.truncated)
      warnings.push(
        message('spreadsheet_truncated', {
          limit: truncated ? `${caps.archiveEntryReadBytes} B` : `${caps.spreadsheetMaxRows} rows`,
        }),
      );
    report.sheets.push({
      name: sheet.name,
      rowCount: sink.rowCount,
      header: sink.header ?? [],
      truncated: truncated || sink.truncated,
    });
    if (i === 0) report.firstSheet = sink.table();
  }
  return report;
}

async function readOds(
  zip: ZipFile,
  entries: Map<string, Entry>,
  caps: InspectionCaps,
  warnings: ReportMessage[],
): Promise<SpreadsheetReport> {
  const content = entries.get('content.xml');
  if (!content) throw new Error('content.xml is missing');
  const report: SpreadsheetReport = { sheets: [], firstSheet: null };
  let sink: TableSink | null = null;
  let sheetName = '';
  let sheetIndex = -1;
  let cells: string[] = [];
  let rowRepeat = 1;
  let cellRepeat = 1;
  let cellValue: string | null = null;
  let cellText = '';
  let inP = false;
  let inCell = false;
  const endSheet = (): void => {
    if (sink === null) return;
    report.sheets.push({
      name: sheetName,
      rowCount: sink.rowCount,
      header: sink.header ?? [],
      truncated: sink.truncated,
    });
    if (sheetIndex === 0) report.firstSheet = sink.table();
    sink = null;
  };
  const scanner = new XmlScanner({
    open: (n, a) => {
      if (n === 'table:table') {
        sheetIndex++;
        sheetName = a['table:name'] ?? `Sheet${sheetIndex + 1}`;
        sink =
          sheetIndex < MAX_SHEETS
            ? new TableSink(sheetIndex === 0, caps.spreadsheetMaxRows, caps.maxColumns)
            : null;
      } else if (n === 'table:table-row') {
        cells = [];
        rowRepeat = Math.min(
          Number(a['table:number-rows-repeated'] ?? 1) || 1,
          caps.spreadsheetMaxRows,
        );
      } else if (n === 'table:table-cell' || n === 'table:covered-table-cell') {
        inCell = true;
        cellRepeat = Math.min(
          Number(a['table:number-columns-repeated'] ?? 1) || 1,
          caps.maxColumns,
        );
        const t = a['office:value-type'];
        cellValue =
          t === 'float' || t === 'percentage' || t === 'currency'
            ? (a['office:value'] ?? null)
            : t === 'date'
              ? (a['office:date-value'] ?? null)
              : t === 'boolean'
                ? (a['office:boolean-value'] ?? null)
                : null;
        cellText = '';
      } else if (n === 'text:p' && inCell) {
        if (cellText !== '') cellText += '\n';
        inP = true;
      }
    },
    close: (n) => {
      if (n === 'text:p') inP = false;
      else if (n === 'table:table-cell' || n === 'table:covered-table-cell') {
        inCell = false;
        const v = cellValue ?? cellText;
        // Trailing repeated empty cells pad rows to 1024 columns: do not materialise them.
        const times =
          v === '' ? Math.min(cellRepeat, Math.max(0, caps.maxColumns - cells.length)) : cellRepeat;
        for (let k = 0; k < times && cells.length < caps.maxColumns; k++) cells.push(v);
      } else if (n === 'table:table-row') {
        while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
        sink?.row(cells, rowRepeat);
      } else if (n === 'table:table') endSheet();
    },
    text: (t) => {
      if (inP) cellText += t;
    },
  });
  let truncated = false;
  try {
    truncated = (await readEntry(zip, content, caps.archiveEntryReadBytes, (b) => scanner.write(b)))
      .truncated;
  } catch (e) {
    if (!(e instanceof CapReached)) throw e;
    truncated = true;
  }
  if (!truncated) scanner.end();
  const s = sink as TableSink | null;
  if (s?.truncated || truncated) {
    warnings.push(
      message('spreadsheet_truncated', {
        limit: truncated ? `${caps.archiveEntryReadBytes} B` : `${caps.spreadsheetMaxRows} rows`,
      }),
    );
    endSheet();
  }
  return report;
}

const SHAPEFILE_PARTS = ['shp', 'shx', 'dbf', 'prj'];

export async function inspectZipFamily(
  path: string,
  extension: string | null,
  caps: InspectionCaps,
): Promise<ZipFamilyResult> {
  const reasons: ReportMessage[] = [];
  const warnings: ReportMessage[] = [];
  const expectSpreadsheet = extension === 'xlsx' || extension === 'xlsm' || extension === 'ods';
  const corrupt = (detail: string): ReportMessage =>
    expectSpreadsheet
      ? message('spreadsheet_corrupt', { detail })
      : message('archive_corrupt', { detail });
  let zip: ZipFile;
  try {
    zip = await openZip(path);
  } catch (e) {
    const format: DetectedFormat = extension === 'ods' ? 'ods' : expectSpreadsheet ? 'xlsx' : 'zip';
    return { format, reasons: [corrupt(e instanceof Error ? e.message : String(e))], warnings };
  }
  try {
    const report: ZipReport = {
      entryCount: zip.entryCount,
      totalCompressedBytes: 0,
      totalUncompressedBytes: 0,
      entries: [],
      entriesTruncated: zip.entryCount > LISTED_ENTRIES,
      shapefiles: [],
      bomb: false,
    };
    const bomb = (detail: string): ZipFamilyResult => {
      report.bomb = true;
      return {
        format: 'zip',
        zip: report,
        reasons: [message('archive_bomb', { detail })],
        warnings,
      };
    };
    if (zip.entryCount > caps.zipMaxEntries)
      return bomb(`${zip.entryCount} entries > ${caps.zipMaxEntries}`);

    const entries = new Map<string, Entry>();
    let bombDetail: string | null = null;
    let encrypted = false;
    await listEntries(zip, (e) => {
      const dir = e.fileName.endsWith('/');
      report.totalCompressedBytes += e.compressedSize;
      report.totalUncompressedBytes += e.uncompressedSize;
      if (report.entries.length < LISTED_ENTRIES)
        report.entries.push({
          name: e.fileName,
          compressedBytes: e.compressedSize,
          uncompressedBytes: e.uncompressedSize,
          directory: dir,
        });
      if (e.isEncrypted()) encrypted = true;
      entries.set(e.fileName, e);
      const ratio =
        e.compressedSize > 0
          ? e.uncompressedSize / e.compressedSize
          : e.uncompressedSize > 0
            ? Infinity
            : 0;
      if (e.uncompressedSize > RATIO_MIN_ENTRY_BYTES && ratio > caps.zipMaxRatio)
        bombDetail = `${e.fileName}: expansion ratio ${Math.round(ratio)} > ${caps.zipMaxRatio}`;
      else if (report.totalUncompressedBytes > caps.zipMaxTotalUncompressedBytes)
        bombDetail = `total expanded size > ${caps.zipMaxTotalUncompressedBytes} bytes`;
      return bombDetail === null && entries.size <= caps.zipMaxEntries;
    });
    if (bombDetail !== null) return bomb(bombDetail);

    // Shapefile sets, by base name.
    const groups = new Map<string, Set<string>>();
    for (const name of entries.keys()) {
      const m = /^(.*)\.(shp|shx|dbf|prj|cpg)$/i.exec(name);
      if (!m) continue;
      const base = m[1]!;
      if (!groups.has(base)) groups.set(base, new Set());
      groups.get(base)!.add(m[2]!.toLowerCase());
    }
    for (const [base, parts] of groups) {
      if (!parts.has('shp') && !parts.has('dbf')) continue;
      const missing = SHAPEFILE_PARTS.filter((p) => !parts.has(p));
      report.shapefiles.push({ base, parts: [...parts].sort(), complete: missing.length === 0 });
      if (missing.length > 0)
        warnings.push(
          message('shapefile_incomplete', { base, missing: missing.map((p) => `.${p}`) }),
        );
    }

    let format: DetectedFormat = 'zip';
    if (entries.has('[Content_Types].xml') && entries.has('xl/workbook.xml')) format = 'xlsx';
    else if (entries.has('mimetype') && entries.has('content.xml')) {
      const mime = await readEntryText(zip, entries.get('mimetype')!, 256);
      if (mime.trim() === 'application/vnd.oasis.opendocument.spreadsheet') format = 'ods';
    }
    if (encrypted)
      return { format, zip: report, reasons: [message('archive_encrypted')], warnings };
    if (format === 'zip') return { format, zip: report, reasons, warnings };
    try {
      const spreadsheet =
        format === 'xlsx'
          ? await readXlsx(zip, entries, caps, warnings)
          : await readOds(zip, entries, caps, warnings);
      return { format, spreadsheet, reasons, warnings };
    } catch (e) {
      return {
        format,
        reasons: [
          message('spreadsheet_corrupt', { detail: e instanceof Error ? e.message : String(e) }),
        ],
        warnings,
      };
    }
  } catch (e) {
    return {
      format: 'zip',
      reasons: [corrupt(e instanceof Error ? e.message : String(e))],
      warnings,
    };
  } finally {
    zip.close();
  }
}
