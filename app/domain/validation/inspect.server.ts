// The validation library's entry point: a streaming inspector fed the same chunks as the
// checksum, and inspectFile() for a file on disk. Pure: no database, never throws for bad input.
import { open } from 'node:fs/promises';
import { inspectZipFamily } from './archive.server';
import { CsvInspector } from './csv-inspector';
import {
  MEDIA_TYPES,
  detectFormat,
  extensionAgrees,
  extensionOf,
  type Detection,
} from './detect-format';
import { JsonInspector } from './json-inspector';
import { message } from './messages';
import { inspectParquet } from './parquet.server';
import { PdfScanner, finishPdf } from './pdf.server';
import {
  REPORT_SCHEMA_VERSION,
  type DetectedFormat,
  type InspectionCaps,
  type ReportMessage,
  type ValidationReport,
} from './report.schema';

export type { ValidationReport } from './report.schema';

const READ_CHUNK_BYTES = 1024 * 1024;

export const DEFAULT_CAPS: InspectionCaps = {
  sniffBytes: 64 * 1024,
  maxColumns: 1000,
  duplicateSetCapacity: 1_000_000,
  maxCellBytes: 64 * 1024,
  zipMaxEntries: 10_000,
  zipMaxTotalUncompressedBytes: 20 * 1024 ** 3,
  zipMaxRatio: 200,
  archiveEntryReadBytes: 512 * 1024 ** 2,
  spreadsheetMaxRows: 1_000_000,
  sharedStringsMaxBytes: 64 * 1024 ** 2,
  parquetFooterMaxBytes: 16 * 1024 ** 2,
  pdfObjectStreamScanBytes: 64 * 1024 ** 2,
};

export interface InspectorOptions {
  /** The name the contributor gave the file: its extension is checked against the content. */
  filename: string;
  /**
   * Where the bytes are stored. Needed only for formats whose directory or footer comes last
   * (ZIP, XLSX, ODS, Parquet, PDF object streams), read after the pass with bounded reads.
   */
  filePath?: string;
  caps?: Partial<InspectionCaps>;
}

export interface Inspector {
  /**
   * Feed the next chunk, in order. Synchronous; never throws. The chunk is not kept after the call
   * returns, so the caller may reuse its buffer.
   */
  write(chunk: Uint8Array): void;
  /** After the last chunk: the report. Never rejects. */
  finish(): Promise<ValidationReport>;
  readonly bytesWritten: number;
}

type Mode =
  | { kind: 'csv'; csv: CsvInspector }
  | { kind: 'json'; json: JsonInspector }
  | { kind: 'pdf'; pdf: PdfScanner }
  | { kind: 'none' };

class StreamingInspector implements Inspector {
  private readonly caps: InspectionCaps;
  private readonly extension: string | null;
  private readonly started = performance.now();
  private head: Uint8Array[] = [];
  private headLength = 0;
  private mode: Mode | null = null;
  private detection: Detection = { format: 'unknown', label: 'unknown' };
  private failure: unknown = null;
  bytesWritten = 0;

  constructor(private readonly options: InspectorOptions) {
    this.caps = { ...DEFAULT_CAPS, ...options.caps };
    this.extension = extensionOf(options.filename);
  }

  write(chunk: Uint8Array): void {
    this.bytesWritten += chunk.length;
    if (this.failure !== null) return;
    try {
      if (this.mode === null) {
        this.head.push(Uint8Array.from(chunk)); // the caller may reuse its buffer
        this.headLength += chunk.length;
        if (this.headLength >= this.caps.sniffBytes) this.decide(false);
      } else this.feed(chunk);
    } catch (e) {
      this.failure = e;
    }
  }

  private decide(complete: boolean): void {
    const prefix = Buffer.concat(this.head);
    this.head = [];
    this.detection = detectFormat(prefix, this.extension);
    const { agrees } = extensionAgrees(this.extension, this.detection.format);
    const f = this.detection.format;
    if (agrees && f === 'csv')
      this.mode = {
        kind: 'csv',
        csv: new CsvInspector(prefix, complete, this.extension, this.caps),
      };
    else if (agrees && (f === 'json' || f === 'geojson'))
      this.mode = { kind: 'json', json: new JsonInspector(f === 'geojson') };
    else if (f === 'pdf') this.mode = { kind: 'pdf', pdf: new PdfScanner() };
    else this.mode = { kind: 'none' };
    this.feed(prefix);
  }

  private feed(chunk: Uint8Array): void {
    const m = this.mode!;
    if (m.kind === 'csv') m.csv.write(chunk);
    else if (m.kind === 'json') m.json.write(chunk);
    else if (m.kind === 'pdf') m.pdf.write(chunk);
  }

  async finish(): Promise<ValidationReport> {
    const reasons: ReportMessage[] = [];
    const warnings: ReportMessage[] = [];
    let format: DetectedFormat = this.detection.format;
    const report: ValidationReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: new Date().toISOString(),
      durationMs: 0,
      file: {
        name: this.options.filename,
        sizeBytes: this.bytesWritten,
        extension: this.extension,
        detectedFormat: format,
        mediaType: null,
      },
      verdict: 'verified',
      reasons,
      warnings,
      caps: this.caps,
    };
    try {
      if (this.failure === null && this.mode === null) this.decide(true);
      if (this.failure !== null) throw this.failure;
      format = this.detection.format;
      const label = this.detection.label;
      const { known, agrees: plainAgrees } = extensionAgrees(this.extension, format);
      // XLSX and ODS are ZIPs at the byte level: whether the name fits is known once the directory is read.
      const agrees =
        plainAgrees || (format === 'zip' && ['xlsx', 'xlsm', 'ods'].includes(this.extension ?? ''));
      const m = this.mode!;
      if (format === 'empty') reasons.push(message('empty_file'));
      else if (format === 'executable') reasons.push(message('executable_content'));
      else if (!agrees) {
        const textExpected = ['csv', 'tsv', 'txt', 'tab', 'dat', 'json', 'geojson'].includes(
          this.extension ?? '',
        );
        reasons.push(
          textExpected && format === 'binary'
            ? message('binary_content')
            : message('format_mismatch', { detected: label, extension: this.extension }),
        );
      } else if (m.kind === 'csv') {
        const r = m.csv.finish();
        report.csv = r.csv;
        reasons.push(...r.reasons);
        warnings.push(...r.warnings);
      } else if (m.kind === 'json') {
        const r = m.json.finish();
        if (r.isGeojson) format = 'geojson';
        report.json = r.json;
        if (r.geojson) report.geojson = r.geojson;
        reasons.push(...r.reasons);
        warnings.push(...r.warnings);
      } else if (m.kind === 'pdf') {
        const r = await finishPdf(m.pdf, this.options.filePath, this.caps);
        report.pdf = r.pdf;
        reasons.push(...r.reasons);
        warnings.push(...r.warnings);
      } else if (format === 'zip' || format === 'parquet') {
        if (this.options.filePath === undefined)
          throw new Error(`${label} needs the file path for its bounded reads`);
        if (format === 'parquet') {
          const r = await inspectParquet(this.options.filePath, this.bytesWritten, this.caps);
          if (r.parquet) report.parquet = r.parquet;
          reasons.push(...r.reasons);
        } else {
          const r = await inspectZipFamily(this.options.filePath, this.extension, this.caps);
          format = r.format;
          const refined = extensionAgrees(this.extension, format);
          if (!refined.agrees) {
            reasons.push(
              message('format_mismatch', {
                detected: format.toUpperCase(),
                extension: this.extension,
              }),
            );
          } else {
            if (r.zip) report.zip = r.zip;
            if (r.spreadsheet) report.spreadsheet = r.spreadsheet;
            reasons.push(...r.reasons);
            warnings.push(...r.warnings);
          }
        }
      } else if (format === 'image')
        warnings.push(message('format_not_analysed', { detected: label }));
      else if (format === 'binary')
        reasons.push(message('unsupported_format', { detected: label }));
      if (!known && format !== 'empty' && format !== 'executable' && format !== 'binary')
        warnings.push(
          message('unknown_extension', { extension: this.extension ?? '', detected: format }),
        );
    } catch (e) {
      reasons.push(
        message('inspection_failed', { detail: e instanceof Error ? e.message : String(e) }),
      );
    }
    report.file.detectedFormat = format;
    report.file.mediaType = MEDIA_TYPES[format] ?? null;
    report.verdict = reasons.length > 0 ? 'invalid' : 'verified';
    report.durationMs = Math.round(performance.now() - this.started);
    return report;
  }
}

/** A streaming inspector: feed it the upload's bytes in order, then call finish(). */
export function createInspector(options: InspectorOptions): Inspector {
  return new StreamingInspector(options);
}

/** Inspects a file on disk in one streaming pass (plus bounded reads for ZIP/XLSX/ODS/Parquet/PDF). */
export async function inspectFile(
  path: string,
  options: { declaredName?: string; caps?: Partial<InspectionCaps> } = {},
): Promise<ValidationReport> {
  const inspector = createInspector({
    filename: options.declaredName ?? path.split('/').pop() ?? path,
    filePath: path,
    caps: options.caps,
  });
  try {
    // One buffer, reused for every read: the inspector copies what it keeps, and a stream's fresh
    // 1 MiB buffer per chunk would pile up as external memory between garbage collections.
    const fh = await open(path, 'r');
    try {
      const buffer = new Uint8Array(READ_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        inspector.write(buffer.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  } catch (e) {
    const report = await inspector.finish();
    report.reasons.push(
      message('inspection_failed', { detail: e instanceof Error ? e.message : String(e) }),
    );
    report.verdict = 'invalid';
    return report;
  }
  return inspector.finish();
}
