// CSV / TSV / TXT in one streaming pass. The first bytes (the sniff prefix) decide encoding,
// delimiter and header row; then a byte-level tokenizer feeds each cell to the column profiler
// without decoding it: delimiters, quotes and newlines are ASCII in UTF-8 and Windows-1252 alike.
import { isUtf8 } from 'node:buffer';
import { ColumnProfiler } from './column-profiler';
import { message } from './messages';
import type { CsvReport, InspectionCaps, ReportMessage } from './report.schema';
import { DuplicateCounter, fmix32 } from './sketches';
import { decoderFor, type TextDecoding } from './text-decoding';

const QUOTE = 34;
const LF = 10;
const CR = 13;
const DELIMITERS = [
  { byte: 9, char: '\t' },
  { byte: 59, char: ';' },
  { byte: 124, char: '|' },
  { byte: 44, char: ',' },
] as const;
type DelimiterChar = (typeof DELIMITERS)[number]['char'];
const SAMPLE_ROWS = 20;
const RAGGED_LINES_KEPT = 10;

type Encoding = CsvReport['encoding'];

/** Strict UTF-8 check; a sequence cut by the end of an incomplete prefix is accepted. */
export function isValidUtf8(b: Uint8Array, complete: boolean): boolean {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const x = b[i]!;
    if (x < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (x >= 0xc2 && x <= 0xdf) need = 1;
    else if (x >= 0xe0 && x <= 0xef) need = 2;
    else if (x >= 0xf0 && x <= 0xf4) need = 3;
    else return false;
    if (i + need >= n + (complete ? 0 : 1) && !complete) return true;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return !complete;
      if ((b[i + k]! & 0xc0) !== 0x80) return false;
    }
    i += need + 1;
  }
  return true;
}

/** Index of the first byte that breaks UTF-8 (only called once a chunk is known to be invalid). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const x = b[i]!;
    const len =
      x < 0x80
        ? 1
        : x >= 0xc2 && x <= 0xdf
          ? 2
          : x >= 0xe0 && x <= 0xef
            ? 3
            : x >= 0xf0 && x <= 0xf4
              ? 4
              : 0;
    if (len === 0 || !isUtf8(b.subarray(i, i + len))) return i;
    i += len;
  }
  return 0;
}

interface SniffRecord {
  line: number;
  fields: Uint8Array[];
}

/** A small, obviously-correct tokenizer for the sniff prefix; same rules as the fast one. */
function sniffRecords(
  b: Uint8Array,
  delim: number,
  maxRecords: number,
  complete: boolean,
): SniffRecord[] {
  const records: SniffRecord[] = [];
  let i = 0;
  let line = 1;
  const n = b.length;
  while (i < n && records.length < maxRecords) {
    const rec: SniffRecord = { line, fields: [] };
    let ended = false;
    while (!ended) {
      const field: number[] = [];
      if (b[i] === QUOTE) {
        i++;
        for (;;) {
          if (i >= n) break;
          const x = b[i]!;
          if (x === QUOTE) {
            if (b[i + 1] === QUOTE) {
              field.push(QUOTE);
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (x === LF || (x === CR && b[i + 1] !== LF)) line++;
          field.push(x);
          i++;
        }
      }
      while (i < n && b[i] !== delim && b[i] !== LF && b[i] !== CR) field.push(b[i++]!);
      rec.fields.push(Uint8Array.from(field));
      if (i >= n) {
        if (!complete) return records; // the last record may be cut by the prefix
        ended = true;
      } else if (b[i] === delim) i++;
      else {
        if (b[i] === CR && b[i + 1] === LF) i++;
        i++;
        line++;
        ended = true;
      }
    }
    records.push(rec);
  }
  return records;
}

const isBlank = (f: Uint8Array): boolean => f.every((x) => x === 32 || x === 9);
const nonEmptyCount = (r: SniffRecord): number => r.fields.filter((f) => !isBlank(f)).length;
const LOOKS_LIKE_DATA = /^[-+]?\d+([.,]\d+)?$|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}/;

interface Sniff {
  encoding: Encoding;
  bomLength: number;
  delimiter: DelimiterChar | null;
  delimiterByte: number;
  /** Record index of the header, or null. */
  headerRecord: number | null;
  headerLine: number | null;
  /** Records before this index are skipped (title lines, header). */
  dataStartRecord: number;
  header: string[];
  columnCount: number;
}

function sniffCsv(prefix: Uint8Array, complete: boolean, extension: string | null): Sniff {
  const bomLength = prefix[0] === 0xef && prefix[1] === 0xbb && prefix[2] === 0xbf ? 3 : 0;
  const body = prefix.subarray(bomLength);
  const encoding: Encoding = bomLength
    ? 'utf-8-bom'
    : isValidUtf8(body, complete)
      ? 'utf-8'
      : 'windows-1252';
  const decoder = decoderFor(encoding);

  let best: {
    d: (typeof DELIMITERS)[number];
    mode: number;
    freq: number;
    records: SniffRecord[];
  } | null = null;
  for (const d of DELIMITERS) {
    const records = sniffRecords(body, d.byte, 200, complete);
    const counts = new Map<number, number>();
    for (const r of records)
      if (nonEmptyCount(r) > 0) counts.set(r.fields.length, (counts.get(r.fields.length) ?? 0) + 1);
    let mode = 1;
    let freq = 0;
    for (const [k, v] of counts) if (v > freq || (v === freq && k > mode)) [mode, freq] = [k, v];
    let score = freq;
    if (extension === 'tsv' && d.char === '\t') score += 1e6;
    if (mode < 2) continue;
    // Equal agreement: the earlier delimiter wins (a comma comes last: French decimals hold commas).
    if (best === null || score > best.freq) best = { d, mode, freq: score, records };
  }
  const delimiterByte = best?.d.byte ?? -1;
  const records = best?.records ?? sniffRecords(body, -1, 200, complete);
  const mode = best?.mode ?? 1;

  // The header is the first record with the usual number of fields and as many filled ones as the rows
  // that follow: title lines ("Rapport 2024;;;") and blank lines before it are skipped.
  const filled = records
    .filter((r) => r.fields.length === mode)
    .map(nonEmptyCount)
    .sort((a, b) => a - b);
  const typical = Math.max(1, filled[Math.floor(filled.length / 2)] ?? 1);
  let headerIdx = records.findIndex((r) => r.fields.length >= mode && nonEmptyCount(r) >= typical);
  if (headerIdx < 0) headerIdx = records.findIndex((r) => nonEmptyCount(r) > 0);
  if (headerIdx < 0) {
    return {
      encoding,
      bomLength,
      delimiter: best?.d.char ?? null,
      delimiterByte,
      headerRecord: null,
      headerLine: null,
      dataStartRecord: 0,
      header: [],
      columnCount: 0,
    };
  }
  const candidate = records[headerIdx]!;
  const names = candidate.fields.map((f) => decoder.decode(f).trim());
  const filledNames = names.filter((n) => n !== '');
  const hasHeader = !(filledNames.length > 0 && filledNames.every((n) => LOOKS_LIKE_DATA.test(n)));
  return {
    encoding,
    bomLength,
    delimiter: best?.d.char ?? null,
    delimiterByte,
    headerRecord: hasHeader ? headerIdx : null,
    headerLine: hasHeader ? candidate.line : null,
    dataStartRecord: hasHeader ? headerIdx + 1 : headerIdx,
    header: hasHeader ? names : [],
    columnCount: Math.max(candidate.fields.length, mode),
  };
}

// Tokenizer states between chunks.
const S_FIELD_START = 0;
const S_UNQUOTED = 1;
const S_QUOTED = 2;
const S_QUOTE_IN_QUOTED = 3; // saw a quote inside a quoted field, at the end of a chunk

export class CsvInspector {
  private readonly sniff: Sniff;
  private readonly profiler: ColumnProfiler;
  private readonly decoder: TextDecoding;
  private readonly delim: number;
  private readonly columnCount: number;
  private readonly analysedColumns: number;
  private readonly duplicates: DuplicateCounter;
  private readonly fieldBuf: Uint8Array;
  private readonly columnNames: string[];

  private state = S_FIELD_START;
  private fieldLen = 0;
  private truncatedCells = 0;
  private afterCR = false;
  private utf8Carry: number[] = [];
  private bytesSeen = 0;
  private firstNonUtf8Offset = -1;

  private line = 1;
  private recordLine = 1;
  private recordIndex = 0;
  private fieldIndex = 0;
  private rowEmpty = true;
  private rowHi = 0;
  private rowLo = 0;
  private sampleRow: string[] | null = null;

  private rowCount = 0;
  private emptyRows = 0;
  private duplicateRows = 0;
  private raggedCount = 0;
  private readonly raggedLines: number[] = [];
  private readonly sample: string[][] = [];
  private quoted = false;
  private lf = 0;
  private crlf = 0;
  private cr = 0;

  private skip = 0;
  private readonly dataStartRecord: number;

  constructor(
    prefix: Uint8Array,
    complete: boolean,
    extension: string | null,
    private readonly caps: InspectionCaps,
  ) {
    // Only the first sniffBytes decide: the caller's first chunk may be much larger.
    const sniffed = prefix.subarray(0, caps.sniffBytes);
    this.sniff = sniffCsv(sniffed, complete && sniffed.length === prefix.length, extension);
    this.decoder = decoderFor(this.sniff.encoding);
    this.delim = this.sniff.delimiterByte;
    this.dataStartRecord = this.sniff.dataStartRecord;
    this.columnCount = this.sniff.columnCount;
    this.analysedColumns = Math.min(this.columnCount, caps.maxColumns);
    this.columnNames = Array.from(
      { length: this.analysedColumns },
      (_, i) => this.sniff.header[i] || `column_${i + 1}`,
    );
    this.profiler = new ColumnProfiler(this.columnNames);
    this.duplicates = new DuplicateCounter(caps.duplicateSetCapacity);
    this.fieldBuf = new Uint8Array(caps.maxCellBytes);
    this.startRecord();
    // The BOM is not part of the first cell.
    if (this.sniff.bomLength > 0) this.skip = this.sniff.bomLength;
  }

  write(chunk: Uint8Array): void {
    // One array shape for every cell (Buffer and Uint8Array differ to the JIT): keeps the hot code monomorphic.
    let b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.skip > 0) {
      const k = Math.min(this.skip, b.length);
      this.skip -= k;
      this.bytesSeen += k;
      b = b.subarray(k);
    }
    const n = b.length;
    const delim = this.delim;
    if (this.sniff.encoding !== 'windows-1252' && this.firstNonUtf8Offset < 0) this.validateUtf8(b);
    let i = 0;
    if (this.afterCR && n > 0) {
      this.afterCR = false;
      if (b[0] === LF) {
        this.crlf++;
        this.cr--;
        i = 1;
      }
    }
    let state = this.state;
    while (i < n) {
      if (state === S_FIELD_START) {
        if (b[i] === QUOTE) {
          this.quoted = true;
          // Fast path: the whole quoted field is in this chunk and holds no escaped quote.
          let j = i + 1;
          let newlines = 0;
          while (j < n) {
            const y = b[j]!;
            if (y === QUOTE) break;
            if (y === LF) newlines++;
            j++;
          }
          const after = b[j + 1];
          if (j + 1 < n && (after === delim || after === LF || after === CR)) {
            this.line += newlines;
            this.endField(b, i + 1, j);
            i = this.afterField(b, j + 1, n);
            continue;
          }
          state = S_QUOTED;
          this.fieldLen = 0;
          i++;
          continue;
        }
        // Unquoted field: scan to the next delimiter or newline.
        const start = i;
        let j = i;
        while (j < n) {
          const y = b[j]!;
          if (y === delim || y === LF || y === CR) break;
          j++;
        }
        if (j === n) {
          this.fieldLen = 0;
          this.append(b, start, n);
          state = S_UNQUOTED;
          i = n;
          break;
        }
        this.endField(b, start, j);
        i = this.afterField(b, j, n);
        continue;
      }
      if (state === S_UNQUOTED) {
        // Continuation of an unquoted field started in an earlier chunk.
        let j = i;
        while (j < n) {
          const y = b[j]!;
          if (y === delim || y === LF || y === CR) break;
          j++;
        }
        this.append(b, i, j);
        if (j === n) {
          i = n;
          break;
        }
        this.endField(this.fieldBuf, 0, this.fieldLen);
        state = S_FIELD_START;
        i = this.afterField(b, j, n);
        continue;
      }
      if (state === S_QUOTED) {
        let j = i;
        while (j < n) {
          const y = b[j]!;
          if (y === QUOTE) break;
          if (y === LF) this.line++;
          else if (y === CR && b[j + 1] !== LF) this.line++;
          j++;
        }
        this.append(b, i, j);
        if (j === n) {
          i = n;
          break;
        }
        i = j + 1;
        state = S_QUOTE_IN_QUOTED;
        if (i === n) break;
      }
      if (state === S_QUOTE_IN_QUOTED) {
        if (b[i] === QUOTE) {
          this.append(b, i, i + 1); // "" is an escaped quote
          i++;
          state = S_QUOTED;
          continue;
        }
        // Closing quote; anything up to the delimiter is kept as a lenient reader would.
        state = S_UNQUOTED;
        continue;
      }
    }
    this.state = state;
    this.bytesSeen += b.length;
  }

  /** Called at a delimiter or newline at b[j]; returns the index to resume from. */
  private afterField(b: Uint8Array, j: number, n: number): number {
    const y = b[j]!;
    this.state = S_FIELD_START;
    if (y === this.delim) return j + 1;
    if (y === CR) {
      if (j + 1 < n) {
        if (b[j + 1] === LF) {
          this.crlf++;
          this.line++;
          this.endRecord();
          return j + 2;
        }
      } else this.afterCR = true;
      this.cr++;
    } else this.lf++;
    this.line++;
    this.endRecord();
    return j + 1;
  }

  private append(b: Uint8Array, s: number, e: number): void {
    const room = this.fieldBuf.length - this.fieldLen;
    const len = e - s;
    if (len <= room) {
      if (len < 64) {
        // Short pieces: a loop beats allocating a subarray view.
        const buf = this.fieldBuf;
        let k = this.fieldLen;
        for (let i = s; i < e; i++) buf[k++] = b[i]!;
      } else this.fieldBuf.set(b.subarray(s, e), this.fieldLen);
      this.fieldLen += len;
    } else {
      if (room > 0) this.fieldBuf.set(b.subarray(s, s + room), this.fieldLen);
      this.fieldLen = this.fieldBuf.length;
      this.cellTruncated = true;
    }
  }
  private cellTruncated = false;

  /**
   * A separate pass over the chunk with Node's native validator: a file may start as UTF-8 and
   * hold Windows-1252 bytes further on (concatenated exports). A sequence cut by the chunk's end
   * is carried to the next chunk. Stops checking after the first invalid byte.
   */
  private validateUtf8(b: Uint8Array): void {
    const n = b.length;
    let start = 0;
    if (this.utf8Carry.length > 0) {
      const lead = this.utf8Carry[0]!;
      const need = (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2) - this.utf8Carry.length;
      if (n < need) {
        this.utf8Carry.push(...b);
        return;
      }
      const seq = Uint8Array.from([...this.utf8Carry, ...b.subarray(0, need)]);
      this.utf8Carry = [];
      if (!isUtf8(seq)) {
        this.markNotUtf8(0);
        return;
      }
      start = need;
    }
    let cut = n;
    for (let k = n - 1; k >= Math.max(start, n - 3); k--) {
      const x = b[k]!;
      if ((x & 0xc0) === 0x80) continue;
      if (x >= 0xc0 && k + (x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : 2) > n) cut = k;
      break;
    }
    const body = b.subarray(start, cut);
    if (!isUtf8(body)) {
      this.markNotUtf8(start + firstInvalidUtf8(body));
      return;
    }
    if (cut < n) this.utf8Carry = [...b.subarray(cut)];
  }

  private markNotUtf8(offsetInChunk: number): void {
    if (this.firstNonUtf8Offset < 0) this.firstNonUtf8Offset = this.bytesSeen + offsetInChunk;
  }

  private startRecord(): void {
    this.fieldIndex = 0;
    this.rowEmpty = true;
    this.rowHi = 0x3c6ef372;
    this.rowLo = 0x1b873593;
    this.recordLine = this.line;
    this.sampleRow = this.sample.length < SAMPLE_ROWS ? [] : null;
  }

  private endField(b: Uint8Array, s: number, e: number): void {
    this.fieldLen = 0;
    if (this.cellTruncated) {
      this.truncatedCells++;
      this.cellTruncated = false;
    }
    if (this.recordIndex < this.dataStartRecord) {
      this.fieldIndex++;
      return;
    }
    const col = this.fieldIndex++;
    if (col < this.analysedColumns) {
      const p = this.profiler;
      p.addCell(col, b, s, e);
      const hi = p.cellHashHi;
      const lo = p.cellHashLo;
      if (hi !== 0 || lo !== 0) this.rowEmpty = false;
      this.rowHi = Math.imul(this.rowHi ^ hi, 0x9e3779b1) + col;
      this.rowLo = Math.imul((this.rowLo + lo) ^ (this.rowLo >>> 15), 0x85ebca77);
    } else {
      for (let i = s; i < e; i++) {
        const x = b[i]!;
        if (x !== 32 && x !== 9 && x !== CR) {
          this.rowEmpty = false;
          break;
        }
      }
      this.rowHi = Math.imul(this.rowHi ^ (e - s), 0x9e3779b1) + col;
    }
    if (this.sampleRow !== null) this.sampleRow.push(this.decoder.decode(b.subarray(s, e)));
  }

  private endRecord(): void {
    if (this.recordIndex >= this.dataStartRecord) {
      if (this.rowEmpty) {
        this.emptyRows++;
        this.profiler.forgetEmptyCells(this.fieldIndex);
      } else {
        this.rowCount++;
        if (this.fieldIndex !== this.columnCount) {
          this.raggedCount++;
          if (this.raggedLines.length < RAGGED_LINES_KEPT) this.raggedLines.push(this.recordLine);
        }
        this.duplicates.add(fmix32(this.rowHi ^ this.fieldIndex), fmix32(this.rowLo));
        if (this.sampleRow !== null) this.sample.push(this.sampleRow);
      }
    }
    this.recordIndex++;
    this.startRecord();
  }

  finish(): { csv: CsvReport; reasons: ReportMessage[]; warnings: ReportMessage[] } {
    const warnings: ReportMessage[] = [];
    const reasons: ReportMessage[] = [];
    let unterminated = false;
    // Flush the last record when the file does not end with a newline.
    if (this.state === S_QUOTED) unterminated = true;
    if (this.state !== S_FIELD_START || this.fieldIndex > 0) {
      this.endField(this.fieldBuf, 0, this.fieldLen);
      this.endRecord();
    }
    this.state = S_FIELD_START;
    this.duplicates.flush();
    this.duplicateRows = this.duplicates.duplicates;
    const columns = this.profiler.report();
    let leading = 0;
    while (leading < columns.length && columns[leading]!.nonEmptyCount === 0) leading++;
    let trailing = 0;
    if (leading < columns.length)
      while (
        trailing < columns.length &&
        columns[columns.length - 1 - trailing]!.nonEmptyCount === 0
      )
        trailing++;

    const s = this.sniff;
    const lineEnding =
      this.lf + this.crlf + this.cr === 0
        ? 'none'
        : [this.lf, this.crlf, this.cr].filter((x) => x > 0).length > 1
          ? 'mixed'
          : this.lf > 0
            ? 'lf'
            : this.crlf > 0
              ? 'crlf'
              : 'cr';
    const csv: CsvReport = {
      encoding: s.encoding,
      mixedEncoding: this.firstNonUtf8Offset >= 0,
      delimiter: s.delimiter,
      quoted: this.quoted,
      lineEnding,
      headerLine: s.headerLine,
      linesBeforeHeader: s.headerLine === null ? 0 : s.headerLine - 1,
      header: s.header,
      columnCount: this.columnCount,
      analysedColumns: this.analysedColumns,
      rowCount: this.rowCount,
      emptyRows: this.emptyRows,
      duplicateRows: {
        count: this.duplicateRows,
        method: 'sorted-hash-set-52',
        exact: !this.duplicates.overflowed,
        capacity: this.duplicates.capacity,
      },
      raggedRows: { count: this.raggedCount, firstLines: this.raggedLines },
      leadingEmptyColumns: leading === columns.length ? 0 : leading,
      trailingEmptyColumns: trailing,
      columns,
      sample: this.sample,
    };

    if (this.rowCount === 0) reasons.push(message('csv_no_rows'));
    if (s.encoding === 'windows-1252') warnings.push(message('encoding_windows_1252'));
    if (csv.mixedEncoding)
      warnings.push(message('encoding_mixed', { offset: this.firstNonUtf8Offset }));
    if (s.headerLine !== null && s.headerLine > 1)
      warnings.push(message('header_not_first_line', { line: s.headerLine }));
    if (s.headerLine === null && this.columnCount > 0) warnings.push(message('no_header'));
    if (this.columnCount === 1) warnings.push(message('single_column'));
    const seenNames = new Map<string, number>();
    for (const n of s.header) if (n !== '') seenNames.set(n, (seenNames.get(n) ?? 0) + 1);
    const dupNames = [...seenNames].filter(([, k]) => k > 1).map(([n]) => n);
    if (dupNames.length > 0) warnings.push(message('duplicate_header', { names: dupNames }));
    const unnamed = s.header.map((n, i) => (n === '' ? i + 1 : 0)).filter((i) => i > 0);
    // Empty edge columns get their own warning below; only report unnamed columns that hold data.
    const unnamedWithData = unnamed.filter((i) => (columns[i - 1]?.nonEmptyCount ?? 0) > 0);
    if (unnamedWithData.length > 0)
      warnings.push(message('empty_header', { columns: unnamedWithData }));
    if (this.raggedCount > 0)
      warnings.push(
        message('ragged_rows', {
          count: this.raggedCount,
          expected: this.columnCount,
          firstLines: this.raggedLines,
        }),
      );
    if (this.duplicateRows > 0)
      warnings.push(message('duplicate_rows', { count: this.duplicateRows }));
    if (this.emptyRows > 0) warnings.push(message('empty_rows', { count: this.emptyRows }));
    if (csv.leadingEmptyColumns > 0 || trailing > 0)
      warnings.push(message('empty_columns_edge', { leading: csv.leadingEmptyColumns, trailing }));
    if (this.columnCount > this.analysedColumns)
      warnings.push(
        message('too_many_columns', { count: this.columnCount, analysed: this.analysedColumns }),
      );
    if (this.truncatedCells > 0)
      warnings.push(
        message('cell_truncated', { count: this.truncatedCells, maxBytes: this.caps.maxCellBytes }),
      );
    if (unterminated) warnings.push(message('unterminated_quote'));
    for (const c of columns) {
      if (c.personalData !== null)
        warnings.push(message('personal_data', { kind: c.personalData, column: c.name }));
    }
    return { csv, reasons, warnings };
  }
}
