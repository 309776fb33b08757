// The real format of a file from its bytes (magic numbers), checked against its extension:
// a `.csv` that is a ZIP, or a `.png` that is a program, is refused. The one detector of the
// platform, read two ways:
// - sniffFormat: the upload checks (app/domain/uploads), the precise format kept with the
//   upload, ZIP flavours (XLSX, ODS) told apart from the central directory at the file's end;
// - detectFormat: the content validation (this folder), the family that decides which
//   inspector reads the bytes.
// Both use the same signatures and the same text test, so they never disagree on what the
// bytes are. Pure: no Node imports.
import type { DetectedFormat } from './report.schema';

/** The format the upload checks keep (stored as `upload.detected_format`). */
export type SniffedFormat =
  | 'empty'
  | 'text'
  | 'json'
  | 'zip'
  | 'xlsx'
  | 'ods'
  | 'parquet'
  | 'pdf'
  | 'png'
  | 'jpeg'
  | 'webp'
  | 'gif'
  | 'gzip'
  | 'ole2'
  | 'executable'
  | 'binary';

export interface Detection {
  format: DetectedFormat;
  /** For a 'binary' or 'image' or 'executable' detection: what it is, for the message. */
  label: string;
}

/** Bytes of the start of the file the detector reads. */
export const HEAD_BYTES = 64 * 1024;
/** Bytes of the end of the file kept to read a ZIP's central directory. */
export const TAIL_BYTES = 256 * 1024;

const ANY = -1;
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
/** Whether `sig` stands at `pos` in `b` (ANY matches any byte). */
const at = (b: Uint8Array, sig: readonly number[], pos = 0): boolean =>
  b.length >= pos + sig.length && sig.every((x, i) => x === ANY || b[pos + i] === x);

/** What a signature says the bytes are, before either reading. */
type Kind =
  | 'zip'
  | 'parquet'
  | 'pdf'
  | 'executable'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'webp'
  | 'tiff'
  | 'gzip'
  | '7z'
  | 'rar'
  | 'ole2'
  | 'sqlite'
  | 'utf16';

const SIGNATURES: ReadonlyArray<{ sig: number[]; kind: Kind; label: string }> = [
  { sig: [0x50, 0x4b, 0x03, 0x04], kind: 'zip', label: 'ZIP' },
  { sig: [0x50, 0x4b, 0x05, 0x06], kind: 'zip', label: 'ZIP' },
  { sig: [0x50, 0x4b, 0x07, 0x08], kind: 'zip', label: 'ZIP' },
  { sig: ascii('PAR1'), kind: 'parquet', label: 'Parquet' },
  { sig: ascii('%PDF-'), kind: 'pdf', label: 'PDF' },
  { sig: ascii('MZ'), kind: 'executable', label: 'Windows executable (PE)' },
  { sig: [0x7f, 0x45, 0x4c, 0x46], kind: 'executable', label: 'ELF executable' },
  { sig: [0xfe, 0xed, 0xfa, 0xce], kind: 'executable', label: 'Mach-O executable' },
  { sig: [0xfe, 0xed, 0xfa, 0xcf], kind: 'executable', label: 'Mach-O executable' },
  { sig: [0xce, 0xfa, 0xed, 0xfe], kind: 'executable', label: 'Mach-O executable' },
  { sig: [0xcf, 0xfa, 0xed, 0xfe], kind: 'executable', label: 'Mach-O executable' },
  { sig: [0xca, 0xfe, 0xba, 0xbe], kind: 'executable', label: 'Mach-O universal / Java class' },
  { sig: ascii('#!'), kind: 'executable', label: 'script' },
  { sig: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], kind: 'png', label: 'PNG' },
  { sig: [0xff, 0xd8, 0xff], kind: 'jpeg', label: 'JPEG' },
  { sig: ascii('GIF8'), kind: 'gif', label: 'GIF' },
  { sig: [...ascii('RIFF'), ANY, ANY, ANY, ANY, ...ascii('WEBP')], kind: 'webp', label: 'WebP' },
  { sig: [0x49, 0x49, 0x2a, 0x00], kind: 'tiff', label: 'TIFF' },
  { sig: [0x4d, 0x4d, 0x00, 0x2a], kind: 'tiff', label: 'TIFF' },
  { sig: [0x1f, 0x8b], kind: 'gzip', label: 'gzip' },
  { sig: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], kind: '7z', label: '7z' },
  { sig: [...ascii('Rar!'), 0x1a, 0x07], kind: 'rar', label: 'RAR' },
  { sig: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], kind: 'ole2', label: 'OLE2 (XLS/DOC)' },
  { sig: [...ascii('SQLite format 3'), 0], kind: 'sqlite', label: 'SQLite' },
  { sig: [0xff, 0xfe], kind: 'utf16', label: 'UTF-16 text' },
  { sig: [0xfe, 0xff], kind: 'utf16', label: 'UTF-16 text' },
];

type Sniffed =
  | { kind: 'empty' }
  | { kind: 'signature'; signature: (typeof SIGNATURES)[number] }
  | { kind: 'binary' | 'text' | 'json' };

/**
 * What the first bytes are: empty, a known signature, or else binary, text or JSON-looking
 * text. Text has no NUL byte and no C0 control but tab, line feed, form feed, carriage return
 * and escape in its first HEAD_BYTES.
 */
function sniff(head: Uint8Array): Sniffed {
  if (head.length === 0) return { kind: 'empty' };
  for (const signature of SIGNATURES)
    if (at(head, signature.sig)) return { kind: 'signature', signature };
  const n = Math.min(head.length, HEAD_BYTES);
  for (let k = 0; k < n; k++) {
    const c = head[k]!;
    if (c < 0x20 && c !== 9 && c !== 10 && c !== 12 && c !== 13 && c !== 27)
      return { kind: 'binary' };
  }
  let i = at(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < n && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
    i++;
  return { kind: head[i] === 0x7b /* { */ || head[i] === 0x5b /* [ */ ? 'json' : 'text' };
}

function zipEntryNames(head: Uint8Array, tail: Uint8Array): string[] {
  const names: string[] = [];
  const dec = new TextDecoder('utf-8', { fatal: false });
  // End of central directory record: the last "PK\5\6" in the tail.
  const dv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (at(tail, [0x50, 0x4b, 0x05, 0x06], i)) {
      const cdSize = dv.getUint32(i + 12, true);
      let p = i - cdSize;
      if (p < 0) break; // central directory larger than the tail: fall back to the head
      while (p + 46 <= i && at(tail, [0x50, 0x4b, 0x01, 0x02], p)) {
        const n = dv.getUint16(p + 28, true);
        const extra = dv.getUint16(p + 30, true);
        const comment = dv.getUint16(p + 32, true);
        names.push(dec.decode(tail.subarray(p + 46, p + 46 + n)));
        p += 46 + n + extra + comment;
      }
      return names;
    }
  }
  // Local file headers at the start (what fits in the head).
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let p = 0;
  while (p + 30 <= head.length && at(head, [0x50, 0x4b, 0x03, 0x04], p)) {
    const flags = hv.getUint16(p + 6, true);
    const compressed = hv.getUint32(p + 18, true);
    const n = hv.getUint16(p + 26, true);
    const extra = hv.getUint16(p + 28, true);
    names.push(dec.decode(head.subarray(p + 30, p + 30 + n)));
    if (flags & 0x08) break; // sizes follow the data: cannot skip it
    p += 30 + n + extra + compressed;
  }
  return names;
}

function zipFlavour(head: Uint8Array, tail: Uint8Array): SniffedFormat {
  // ODF puts an uncompressed "mimetype" entry first.
  if (at(head, ascii('mimetype'), 30)) {
    const text = new TextDecoder().decode(head.subarray(38, 38 + 60));
    if (text.startsWith('application/vnd.oasis.opendocument.spreadsheet')) return 'ods';
  }
  const names = zipEntryNames(head, tail);
  if (names.includes('[Content_Types].xml') && names.some((n) => n.startsWith('xl/')))
    return 'xlsx';
  return 'zip';
}

/** A signature as the upload checks name it. */
const SNIFFED: Record<Exclude<Kind, 'zip'>, SniffedFormat> = {
  parquet: 'parquet',
  pdf: 'pdf',
  executable: 'executable',
  png: 'png',
  jpeg: 'jpeg',
  gif: 'gif',
  webp: 'webp',
  gzip: 'gzip',
  ole2: 'ole2',
  tiff: 'binary',
  '7z': 'binary',
  rar: 'binary',
  sqlite: 'binary',
  // The byte order mark says it is text; the content validation tells more.
  utf16: 'text',
};

/**
 * The format of a file for the upload checks, from its first `HEAD_BYTES` and last
 * `TAIL_BYTES` (the two overlap or are equal for a small file). `size` is the full size.
 */
export function sniffFormat(head: Uint8Array, tail: Uint8Array, size: number): SniffedFormat {
  if (size === 0) return 'empty';
  const s = sniff(head);
  if (s.kind !== 'signature') return s.kind;
  const { kind } = s.signature;
  return kind === 'zip' ? zipFlavour(head, tail) : SNIFFED[kind];
}

/** A signature as the content validation names it. */
const DETECTED: Record<Kind, DetectedFormat> = {
  zip: 'zip',
  parquet: 'parquet',
  pdf: 'pdf',
  executable: 'executable',
  png: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  tiff: 'image',
  gzip: 'binary',
  '7z': 'binary',
  rar: 'binary',
  ole2: 'binary',
  sqlite: 'binary',
  utf16: 'binary',
};

/** The format family of a file for the content validation, from its first bytes. */
export function detectFormat(head: Uint8Array, extension: string | null): Detection {
  const s = sniff(head);
  if (s.kind === 'signature')
    return { format: DETECTED[s.signature.kind], label: s.signature.label };
  if (s.kind === 'empty' || s.kind === 'binary') return { format: s.kind, label: s.kind };
  if (extension === 'json' || extension === 'geojson')
    return { format: extension, label: extension };
  if (rule(extension)?.detected[0] === 'csv') return { format: 'csv', label: 'CSV' };
  return s.kind === 'json' ? { format: 'json', label: 'JSON' } : { format: 'csv', label: 'CSV' };
}

/**
 * Per extension, the formats its bytes may be in: as the upload checks name them (none: the
 * upload refuses the extension), and as the content validation does (the first is the
 * expected one).
 */
const EXTENSIONS: Record<
  string,
  { sniffed: readonly SniffedFormat[]; detected: readonly DetectedFormat[] }
> = {
  // A delimited file may start with a bracket; its content check tells more.
  csv: { sniffed: ['text', 'json'], detected: ['csv'] },
  tsv: { sniffed: ['text', 'json'], detected: ['csv'] },
  txt: { sniffed: ['text', 'json'], detected: ['csv'] },
  tab: { sniffed: [], detected: ['csv'] },
  dat: { sniffed: [], detected: ['csv'] },
  json: { sniffed: ['json'], detected: ['json', 'geojson'] },
  geojson: { sniffed: ['json'], detected: ['geojson', 'json'] },
  xlsx: { sniffed: ['xlsx'], detected: ['xlsx'] },
  xlsm: { sniffed: [], detected: ['xlsx'] },
  ods: { sniffed: ['ods'], detected: ['ods'] },
  zip: { sniffed: ['zip', 'xlsx', 'ods'], detected: ['zip', 'xlsx', 'ods'] },
  parquet: { sniffed: ['parquet'], detected: ['parquet'] },
  pdf: { sniffed: ['pdf'], detected: ['pdf'] },
  png: { sniffed: ['png'], detected: ['image'] },
  jpg: { sniffed: ['jpeg'], detected: ['image'] },
  jpeg: { sniffed: ['jpeg'], detected: ['image'] },
  gif: { sniffed: [], detected: ['image'] },
  webp: { sniffed: ['webp'], detected: ['image'] },
  tif: { sniffed: [], detected: ['image'] },
  tiff: { sniffed: [], detected: ['image'] },
};

const rule = (extension: string | null) =>
  extension !== null && Object.hasOwn(EXTENSIONS, extension) ? EXTENSIONS[extension] : undefined;

/** Whether the upload checks accept bytes in this format under this extension. */
export function formatMatchesExtension(format: SniffedFormat, extension: string): boolean {
  return rule(extension)?.sniffed.includes(format) ?? false;
}

export function extensionOf(name: string): string | null {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return m ? m[1]!.toLowerCase() : null;
}

/** Whether the extension is known, and whether the detected format may carry it. */
export function extensionAgrees(
  extension: string | null,
  format: DetectedFormat,
): { known: boolean; agrees: boolean } {
  const allowed = rule(extension)?.detected;
  if (allowed === undefined) return { known: false, agrees: true };
  return { known: true, agrees: allowed.includes(format) };
}

export const MEDIA_TYPES: Partial<Record<DetectedFormat, string>> = {
  csv: 'text/csv',
  json: 'application/json',
  geojson: 'application/geo+json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  zip: 'application/zip',
  parquet: 'application/vnd.apache.parquet',
  pdf: 'application/pdf',
};
