// Previews of stored data files, shared by the catalogue's dataset page and the moderation
// review screen: the first rows of a CSV with the type of each column, or the first features
// of a GeoJSON file. Only a bounded head of the file is read (a 2 GB file costs the same as a
// small one), and nothing from the file is ever interpreted: cells and properties are plain
// strings that the pages render as escaped text, geometries are drawn by Leaflet as shapes.
import { StorageNotFoundError } from '../storage/storage.server';
import type { ObjectStorage } from '../storage/storage.server';

export type ColumnType = 'integer' | 'decimal' | 'date' | 'boolean' | 'text' | 'empty';

export interface TablePreview {
  kind: 'table';
  header: string[];
  types: ColumnType[];
  rows: string[][];
  /** Only the first rows or the first bytes were read. */
  truncated: boolean;
}

export interface GeoPreview {
  kind: 'geojson';
  /** Features in the file; null when only its head was read (the total is then unknown). */
  featureCount: number | null;
  shown: number;
  truncated: boolean;
  /** The coordinates are not longitude/latitude (e.g. Lambert 93): nothing is drawn. */
  projected: boolean;
  /** The features to draw, without their properties (the map shows shapes only). */
  collection: { type: 'FeatureCollection'; features: unknown[] };
  /** The properties of the first features, as a table of text. */
  properties: TablePreview | null;
}

export type FilePreview = TablePreview | GeoPreview;

export interface PreviewLimits {
  /** Bytes read from the start of a CSV. */
  tableBytes?: number;
  /** Bytes read from the start of a GeoJSON. */
  geoBytes?: number;
  /** Rows of a CSV (besides its header). */
  maxRows?: number;
  /** Features of a GeoJSON drawn on the map. */
  maxFeatures?: number;
}

/** GeoJSON heads are larger than CSV ones: one polygon can take many kilobytes. */
export const DEFAULT_PREVIEW_LIMITS = { tableBytes: 512 * 1024, geoBytes: 2 * 1024 * 1024, maxRows: 50, maxFeatures: 1000 } as const;
const MAX_HEADER_CHARS = 200;
const MAX_CELL_CHARS = 500;
const PROPERTY_ROWS = 20;
const PROPERTY_COLUMNS = 30;

const extensionOf = (filename: string) => (/\.([A-Za-z0-9]{1,10})$/.exec(filename)?.[1] ?? '').toLowerCase();

/** Which preview a file gets, from its name and (when known) the validator's detected format. */
export function previewKindOf(filename: string, detectedFormat?: string | null): FilePreview['kind'] | null {
  const ext = extensionOf(filename);
  if (ext === 'geojson' || ext === 'json') return 'geojson';
  if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'table';
  if (detectedFormat === 'geojson') return 'geojson';
  if (detectedFormat === 'csv' || detectedFormat === 'tsv' || detectedFormat === 'text') return 'table';
  return null;
}

// ---------------------------------------------------------------------------------------
// CSV.

/** Splits CSV text into records (RFC 4180 quotes, doubled quotes, CRLF); stops after `max` records. */
export function parseCsv(text: string, delimiter: string, max: number): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      // A blank line is not a record.
      if (!(record.length === 1 && record[0] === '')) records.push(record);
      record = [];
      if (records.length >= max) return records;
    } else field += ch;
  }
  if (field !== '' || record.length) {
    record.push(field);
    records.push(record);
  }
  return records.slice(0, max);
}

export function columnType(values: string[]): ColumnType {
  const v = values.map((x) => x.trim()).filter((x) => x !== '');
  if (!v.length) return 'empty';
  if (v.every((x) => /^[-+]?\d+$/.test(x))) return 'integer';
  if (v.every((x) => /^[-+]?\d+([.,]\d+)?([eE][-+]?\d+)?$/.test(x))) return 'decimal';
  if (v.every((x) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(x) || /^\d{2}\/\d{2}\/\d{4}$/.test(x))) return 'date';
  if (v.every((x) => /^(true|false|vrai|faux|oui|non|0|1)$/i.test(x))) return 'boolean';
  return 'text';
}

export function detectDelimiter(firstLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const c of [';', ',', '\t', '|']) {
    const n = firstLine.split(c).length - 1;
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  return best;
}

/** A table of text from a header and rows: every row as wide as the header, long cells cut. */
function table(header: string[], rows: string[][], truncated: boolean): TablePreview {
  const width = header.length;
  const cut = rows.map((r) => Array.from({ length: width }, (_, i) => (r[i] ?? '').slice(0, MAX_CELL_CHARS)));
  return {
    kind: 'table',
    header: header.map((h) => h.slice(0, MAX_HEADER_CHARS)),
    types: header.map((_, i) => columnType(rows.map((r) => r[i] ?? ''))),
    rows: cut,
    truncated,
  };
}

/**
 * The first rows of CSV bytes. `complete` says whether the bytes are the whole file; if not,
 * the last (probably partial) line is dropped. The encoding is the validator's when known,
 * else UTF-8 with a fallback on Windows-1252 when the bytes are not valid UTF-8.
 */
export function tablePreview(bytes: Uint8Array, complete: boolean, opts: { encoding?: string | null; delimiter?: string | null; maxRows?: number } = {}): TablePreview {
  const maxRows = opts.maxRows ?? DEFAULT_PREVIEW_LIMITS.maxRows;
  let buf = bytes;
  if (!complete) {
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl > 0) buf = buf.subarray(0, lastNl + 1);
  }
  const declared = (opts.encoding ?? '').toLowerCase();
  let text: string;
  if (/1252|latin/.test(declared)) text = new TextDecoder('windows-1252').decode(buf);
  else {
    text = new TextDecoder('utf-8').decode(buf);
    if (!declared && text.includes('\uFFFD')) text = new TextDecoder('windows-1252').decode(buf);
  }
  text = text.replace(/^\uFEFF/, '');
  const d = opts.delimiter;
  const delimiter = d === 'tab' ? '\t' : d && d.length === 1 ? d : detectDelimiter(text.slice(0, Math.max(text.search(/\r?\n/), 0) || text.length));
  const records = parseCsv(text, delimiter, maxRows + 1);
  const [header = [], ...rows] = records;
  return table(header, rows, !complete || records.length > maxRows);
}

// ---------------------------------------------------------------------------------------
// GeoJSON.

/**
 * The complete JSON values (objects) of the array under the top-level "features" key, read
 * from the head of a file that may be cut anywhere: a bracket matcher that knows strings,
 * stopping at `max` features or at the end of the text. Each feature is parsed on its own.
 */
export function featuresFromHead(text: string, max: number): { features: unknown[]; complete: boolean } {
  const features: unknown[] = [];
  // Find "features" as a key of the top-level object (depth 1).
  let depth = 0;
  let i = 0;
  let inString = false;
  let stringStart = -1;
  let arrayStart = -1;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') {
        inString = false;
        if (depth === 1 && text.slice(stringStart, i + 1) === '"features"') {
          const m = /^\s*:\s*\[/.exec(text.slice(i + 1, i + 1 + 64));
          if (m) {
            arrayStart = i + 1 + m[0].length;
            break;
          }
        }
      }
      continue;
    }
    if (ch === '"') {
      inString = true;
      stringStart = i;
    } else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  if (arrayStart < 0) return { features, complete: false };
  // Walk the array: each top-level element is sliced out and parsed.
  depth = 0;
  inString = false;
  let start = -1;
  for (i = arrayStart; i < text.length && features.length < max; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      if (depth === 0) return { features, complete: true }; // the end of the features array
      depth--;
      if (depth === 0 && start >= 0) {
        try {
          features.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          return { features, complete: false };
        }
        start = -1;
      }
    }
  }
  return { features, complete: false };
}

interface FeatureLike {
  type?: unknown;
  geometry?: { type?: unknown; coordinates?: unknown; geometries?: unknown } | null;
  properties?: unknown;
}

/** Every [x, y] of a geometry (nested arrays of positions), bounded by `limit`. */
function positions(geometry: FeatureLike['geometry'], out: number[][], limit: number): void {
  if (!geometry || typeof geometry !== 'object') return;
  if (Array.isArray(geometry.geometries)) {
    for (const g of geometry.geometries) positions(g as FeatureLike['geometry'], out, limit);
    return;
  }
  const walk = (c: unknown) => {
    if (out.length >= limit || !Array.isArray(c)) return;
    if (typeof c[0] === 'number') out.push(c as number[]);
    else for (const x of c) walk(x);
  };
  walk(geometry.coordinates);
}

const isLonLat = (p: number[]) => typeof p[0] === 'number' && typeof p[1] === 'number' && Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90;

const cellText = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * The first features of GeoJSON bytes (a FeatureCollection, a Feature or a bare geometry).
 * When the bytes are only the head of the file, the features that are complete in it are
 * kept. Null when the bytes are not GeoJSON.
 */
export function geoJsonPreview(bytes: Uint8Array, complete: boolean, opts: { maxFeatures?: number } = {}): GeoPreview | null {
  const max = opts.maxFeatures ?? DEFAULT_PREVIEW_LIMITS.maxFeatures;
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  let features: unknown[];
  let featureCount: number | null;
  let truncated: boolean;
  if (complete) {
    let data: { type?: unknown; features?: unknown } & FeatureLike;
    try {
      data = JSON.parse(text) as typeof data;
    } catch {
      return null;
    }
    if (!data || typeof data !== 'object') return null;
    if (data.type === 'FeatureCollection' && Array.isArray(data.features)) features = data.features;
    else if (data.type === 'Feature') features = [data];
    else if (typeof data.type === 'string' && ('coordinates' in data || 'geometries' in data)) features = [{ type: 'Feature', properties: {}, geometry: data }];
    else return null;
    featureCount = features.length;
    truncated = features.length > max;
    features = features.slice(0, max);
  } else {
    if (!/"type"\s*:\s*"FeatureCollection"/.test(text.slice(0, 64 * 1024)) && !/"features"\s*:\s*\[/.test(text.slice(0, 64 * 1024))) return null;
    const head = featuresFromHead(text, max);
    features = head.features;
    featureCount = head.complete && features.length < max ? features.length : null;
    truncated = featureCount === null;
  }
  const valid = features.filter((f): f is FeatureLike => Boolean(f) && typeof f === 'object' && (f as FeatureLike).type === 'Feature');
  const sample: number[][] = [];
  for (const f of valid) {
    positions(f.geometry, sample, 5000);
    if (sample.length >= 5000) break;
  }
  const projected = sample.some((p) => !isLonLat(p));
  // Properties become a table of text (first features, first keys); the map gets shapes only.
  const rows = valid.slice(0, PROPERTY_ROWS).map((f) => (f.properties && typeof f.properties === 'object' && !Array.isArray(f.properties) ? (f.properties as Record<string, unknown>) : {}));
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, PROPERTY_COLUMNS);
  return {
    kind: 'geojson',
    featureCount,
    shown: projected ? 0 : valid.length,
    truncated,
    projected,
    collection: { type: 'FeatureCollection', features: projected ? [] : valid.map((f) => ({ type: 'Feature', properties: {}, geometry: f.geometry ?? null })) },
    properties: keys.length ? table(keys, rows.map((r) => keys.map((k) => cellText(r[k]))), valid.length > PROPERTY_ROWS || truncated) : null,
  };
}

// ---------------------------------------------------------------------------------------
// Reading the head of a stored file.

/**
 * At most `maxBytes` from the start of a stored object (a ranged read, whatever the driver),
 * and whether that is the whole object. Null when the key is refused or the object missing.
 */
export async function readStoredHead(storage: ObjectStorage, storageKey: string, maxBytes: number): Promise<{ bytes: Buffer; complete: boolean } | null> {
  let info;
  try {
    info = await storage.stat(storageKey);
  } catch (e) {
    if (e instanceof StorageNotFoundError) return null;
    throw e;
  }
  if (!info) return null;
  const n = Math.min(info.size, maxBytes);
  if (n === 0) return { bytes: Buffer.alloc(0), complete: true };
  const chunks: Buffer[] = [];
  let read = 0;
  try {
    const stream = await storage.get(storageKey, { start: 0, end: n - 1 });
    for await (const chunk of stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(b);
      read += b.length;
      if (read >= n) {
        stream.destroy();
        break;
      }
    }
  } catch (e) {
    if (e instanceof StorageNotFoundError) return null;
    throw e;
  }
  const bytes = Buffer.concat(chunks).subarray(0, n);
  return { bytes, complete: bytes.length === info.size };
}

/**
 * The preview of a stored file, or null when it has none (another format, unreadable, not
 * GeoJSON). `facts` are the validator's (its encoding and delimiter when it found them).
 */
export async function previewStoredFile(
  storage: ObjectStorage,
  file: { storageKey: string; filename: string; detectedFormat?: string | null; facts?: { key: string; value: unknown }[] },
  limits: PreviewLimits = {},
): Promise<FilePreview | null> {
  const kind = previewKindOf(file.filename, file.detectedFormat);
  if (!kind) return null;
  const maxBytes = kind === 'geojson' ? (limits.geoBytes ?? DEFAULT_PREVIEW_LIMITS.geoBytes) : (limits.tableBytes ?? DEFAULT_PREVIEW_LIMITS.tableBytes);
  const head = await readStoredHead(storage, file.storageKey, maxBytes);
  if (!head) return null;
  if (kind === 'geojson') return geoJsonPreview(head.bytes, head.complete, { maxFeatures: limits.maxFeatures });
  const fact = (key: string) => file.facts?.find((f) => f.key === key)?.value;
  const encoding = fact('encoding');
  const delimiter = fact('delimiter');
  return tablePreview(head.bytes, head.complete, {
    encoding: typeof encoding === 'string' ? encoding : null,
    delimiter: typeof delimiter === 'string' ? delimiter : null,
    maxRows: limits.maxRows,
  });
}
