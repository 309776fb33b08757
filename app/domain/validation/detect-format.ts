// Format from the first bytes (magic numbers), checked against the extension the file was
// declared with: a `.csv` that is a ZIP, or a `.png` that is a program, is refused.
import type { DetectedFormat } from './report.schema';

export interface Detection {
  format: DetectedFormat;
  /** For a 'binary' or 'image' or 'executable' detection: what it is, for the message. */
  label: string;
}

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const SIGNATURES: Array<{ sig: number[]; at?: number; format: DetectedFormat; label: string }> = [
  { sig: [0x50, 0x4b, 0x03, 0x04], format: 'zip', label: 'ZIP' },
  { sig: [0x50, 0x4b, 0x05, 0x06], format: 'zip', label: 'ZIP' },
  { sig: [0x50, 0x4b, 0x07, 0x08], format: 'zip', label: 'ZIP' },
  { sig: ascii('PAR1'), format: 'parquet', label: 'Parquet' },
  { sig: ascii('%PDF-'), format: 'pdf', label: 'PDF' },
  { sig: ascii('MZ'), format: 'executable', label: 'Windows executable (PE)' },
  { sig: [0x7f, 0x45, 0x4c, 0x46], format: 'executable', label: 'ELF executable' },
  { sig: [0xfe, 0xed, 0xfa, 0xce], format: 'executable', label: 'Mach-O executable' },
  { sig: [0xfe, 0xed, 0xfa, 0xcf], format: 'executable', label: 'Mach-O executable' },
  { sig: [0xce, 0xfa, 0xed, 0xfe], format: 'executable', label: 'Mach-O executable' },
  { sig: [0xcf, 0xfa, 0xed, 0xfe], format: 'executable', label: 'Mach-O executable' },
  { sig: [0xca, 0xfe, 0xba, 0xbe], format: 'executable', label: 'Mach-O universal / Java class' },
  { sig: ascii('#!'), format: 'executable', label: 'script' },
  { sig: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], format: 'image', label: 'PNG' },
  { sig: [0xff, 0xd8, 0xff], format: 'image', label: 'JPEG' },
  { sig: ascii('GIF8'), format: 'image', label: 'GIF' },
  { sig: ascii('WEBP'), at: 8, format: 'image', label: 'WebP' },
  { sig: [0x49, 0x49, 0x2a, 0x00], format: 'image', label: 'TIFF' },
  { sig: [0x4d, 0x4d, 0x00, 0x2a], format: 'image', label: 'TIFF' },
  { sig: [0x1f, 0x8b], format: 'binary', label: 'gzip' },
  { sig: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], format: 'binary', label: '7z' },
  { sig: ascii('Rar!'), format: 'binary', label: 'RAR' },
  {
    sig: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    format: 'binary',
    label: 'OLE2 (XLS/DOC)',
  },
  { sig: ascii('SQLite format 3'), format: 'binary', label: 'SQLite' },
  { sig: [0xff, 0xfe], format: 'binary', label: 'UTF-16 text' },
  { sig: [0xfe, 0xff], format: 'binary', label: 'UTF-16 text' },
];

export function detectFormat(head: Uint8Array, extension: string | null): Detection {
  if (head.length === 0) return { format: 'empty', label: 'empty' };
  for (const s of SIGNATURES)
    if (startsWith(head, s.sig, s.at ?? 0)) return { format: s.format, label: s.label };
  // Text or not: NUL bytes and other C0 controls do not occur in CSV or JSON.
  const n = Math.min(head.length, 8192);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const x = head[i]!;
    if (x === 0) return { format: 'binary', label: 'binary' };
    if (x < 9 || (x > 13 && x < 32 && x !== 27)) controls++;
  }
  if (controls > n * 0.01) return { format: 'binary', label: 'binary' };
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < n && (head[i] === 32 || head[i] === 9 || head[i] === 10 || head[i] === 13)) i++;
  const first = head[i];
  const jsonish = first === 0x7b || first === 0x5b;
  if (extension === 'json' || extension === 'geojson')
    return { format: extension, label: extension };
  if (TEXT_EXTENSIONS.has(extension ?? '')) return { format: 'csv', label: 'CSV' };
  return jsonish ? { format: 'json', label: 'JSON' } : { format: 'csv', label: 'CSV' };
}

const TEXT_EXTENSIONS = new Set(['csv', 'tsv', 'txt', 'tab', 'dat']);

/** Formats an extension may carry; the first is the expected one. */
const EXTENSION_FORMATS: Record<string, DetectedFormat[]> = {
  csv: ['csv'],
  tsv: ['csv'],
  txt: ['csv'],
  tab: ['csv'],
  dat: ['csv'],
  json: ['json', 'geojson'],
  geojson: ['geojson', 'json'],
  xlsx: ['xlsx'],
  xlsm: ['xlsx'],
  ods: ['ods'],
  zip: ['zip', 'xlsx', 'ods'],
  parquet: ['parquet'],
  pdf: ['pdf'],
  png: ['image'],
  jpg: ['image'],
  jpeg: ['image'],
  gif: ['image'],
  webp: ['image'],
  tif: ['image'],
  tiff: ['image'],
};

export function extensionOf(name: string): string | null {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return m ? m[1]!.toLowerCase() : null;
}

/** Whether the extension is known, and whether the detected format may carry it. */
export function extensionAgrees(
  extension: string | null,
  format: DetectedFormat,
): { known: boolean; agrees: boolean } {
  const allowed = extension === null ? undefined : EXTENSION_FORMATS[extension];
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
