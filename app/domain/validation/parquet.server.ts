// Parquet: schema and row count from the footer (Thrift compact protocol), one bounded read
// at the end of the file; the data pages are never read.
import { open } from 'node:fs/promises';
import { message } from './messages';
import type { InspectionCaps, ParquetReport, ReportMessage } from './report.schema';

type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;
type ThriftStruct = Map<number, ThriftValue>;

/** Just enough of Thrift's compact protocol to walk FileMetaData; unknown fields are kept generically. */
class CompactReader {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}

  private byte(): number {
    if (this.pos >= this.b.length) throw new Error('footer ends early');
    return this.b[this.pos++]!;
  }

  private varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const x = this.byte();
      result += (x & 0x7f) * mul;
      if ((x & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new Error('bad varint');
  }

  private zigzag(): number {
    const n = this.varint();
    // Zigzag without 32-bit operators, so 64-bit row counts up to 2^53 stay exact.
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  private value(type: number, depth: number): ThriftValue {
    if (depth > 32) throw new Error('footer nests too deep');
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3:
        return this.byte();
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7:
        this.pos += 8;
        return 0;
      case 8: {
        const len = this.varint();
        if (this.pos + len > this.b.length) throw new Error('footer ends early');
        const v = this.b.subarray(this.pos, this.pos + len);
        this.pos += len;
        return v;
      }
      case 9:
      case 10: {
        const h = this.byte();
        const size = h >> 4 === 15 ? this.varint() : h >> 4;
        const et = h & 0x0f;
        const out: ThriftValue[] = [];
        for (let i = 0; i < size; i++)
          out.push(et === 1 || et === 2 ? this.byte() === 1 : this.value(et, depth + 1));
        return out;
      }
      case 11: {
        const size = this.varint();
        if (size === 0) return [];
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.value(kv >> 4, depth + 1);
          this.value(kv & 0x0f, depth + 1);
        }
        return [];
      }
      case 12:
        return this.struct(depth + 1);
      default:
        throw new Error(`unknown thrift type ${type}`);
    }
  }

  struct(depth = 0): ThriftStruct {
    const out: ThriftStruct = new Map();
    let id = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return out;
      const delta = h >> 4;
      id = delta === 0 ? this.zigzag() : id + delta;
      out.set(id, this.value(h & 0x0f, depth));
    }
  }
}

const PHYSICAL = [
  'BOOLEAN',
  'INT32',
  'INT64',
  'INT96',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
];
const REPETITION = ['REQUIRED', 'OPTIONAL', 'REPEATED'];
const CONVERTED = [
  'UTF8',
  'MAP',
  'MAP_KEY_VALUE',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'UINT_8',
  'UINT_16',
  'UINT_32',
  'UINT_64',
  'INT_8',
  'INT_16',
  'INT_32',
  'INT_64',
  'JSON',
  'BSON',
  'INTERVAL',
];
const LOGICAL: Record<number, string> = {
  1: 'STRING',
  2: 'MAP',
  3: 'LIST',
  4: 'ENUM',
  5: 'DECIMAL',
  6: 'DATE',
  7: 'TIME',
  8: 'TIMESTAMP',
  10: 'INTEGER',
  11: 'UNKNOWN',
  12: 'JSON',
  13: 'BSON',
  14: 'UUID',
  15: 'FLOAT16',
};

const num = (v: ThriftValue | undefined): number | null => (typeof v === 'number' ? v : null);
const str = (v: ThriftValue | undefined): string | null =>
  v instanceof Uint8Array ? new TextDecoder().decode(v) : null;

export async function inspectParquet(
  path: string,
  size: number,
  caps: InspectionCaps,
): Promise<{ parquet?: ParquetReport; reasons: ReportMessage[] }> {
  const corrupt = (detail: string) => ({ reasons: [message('parquet_corrupt', { detail })] });
  if (size < 12) return corrupt('file too short');
  const fh = await open(path, 'r');
  try {
    const tail = Buffer.alloc(8);
    await fh.read(tail, 0, 8, size - 8);
    if (tail.toString('latin1', 4, 8) !== 'PAR1')
      return corrupt('no PAR1 magic at the end (truncated?)');
    const footerLength = tail.readUInt32LE(0);
    if (footerLength > caps.parquetFooterMaxBytes)
      return corrupt(`footer of ${footerLength} bytes exceeds the cap`);
    if (footerLength + 12 > size) return corrupt('footer length larger than the file');
    const footer = Buffer.alloc(footerLength);
    await fh.read(footer, 0, footerLength, size - 8 - footerLength);
    const meta = new CompactReader(footer).struct();
    const schema = (meta.get(2) as ThriftStruct[] | undefined) ?? [];
    const columns: ParquetReport['columns'] = [];
    // The schema is a depth-first flattening of a tree; rebuild leaf paths from num_children.
    let idx = 1;
    const walk = (prefix: string, count: number): void => {
      for (let k = 0; k < count && idx < schema.length; k++) {
        const el = schema[idx++]!;
        const name = str(el.get(4)) ?? '?';
        const children = num(el.get(5));
        const full = prefix ? `${prefix}.${name}` : name;
        if (children !== null && children > 0) walk(full, children);
        else {
          const t = num(el.get(1));
          const ct = num(el.get(6));
          const lt = el.get(10);
          const logicalId = lt instanceof Map ? [...lt.keys()][0] : undefined;
          columns.push({
            name: full,
            physicalType: t === null ? null : (PHYSICAL[t] ?? String(t)),
            logicalType:
              logicalId !== undefined
                ? (LOGICAL[logicalId] ?? String(logicalId))
                : ct !== null
                  ? (CONVERTED[ct] ?? String(ct))
                  : null,
            repetition: (() => {
              const r = num(el.get(3));
              return r === null ? null : (REPETITION[r] ?? String(r));
            })(),
          });
        }
      }
    };
    walk('', num(schema[0]?.get(5)) ?? schema.length - 1);
    const rowGroups = meta.get(4);
    return {
      parquet: {
        rowCount: num(meta.get(3)) ?? 0,
        rowGroups: Array.isArray(rowGroups) ? rowGroups.length : 0,
        createdBy: str(meta.get(6)),
        columns,
      },
      reasons: [],
    };
  } catch (e) {
    return corrupt(e instanceof Error ? e.message : String(e));
  } finally {
    await fh.close();
  }
}
