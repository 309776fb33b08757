// The real format of an uploaded file from its bytes (magic numbers), and whether it is one
// its extension allows: a `.csv` that is a ZIP, or a `.png` that is a program, is refused.
// Works on the first bytes and, for archives, the last ones (the ZIP central directory),
// so the caller can decide in the same single pass that computes the checksum.

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

/** Bytes of the start of the file the detector needs. */
export const HEAD_BYTES = 64 * 1024;
/** Bytes of the end of the file kept to read a ZIP's central directory. */
export const TAIL_BYTES = 256 * 1024;

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const at = (b: Uint8Array, sig: readonly number[], pos = 0) =>
  b.length >= pos + sig.length && sig.every((x, i) => b[pos + i] === x);

const MAGIC: Array<{ sig: number[]; pos?: number; format: SniffedFormat }> = [
  { sig: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], format: 'png' },
  { sig: [0xff, 0xd8, 0xff], format: 'jpeg' },
  { sig: ascii('GIF8'), format: 'gif' },
  { sig: ascii('%PDF-'), format: 'pdf' },
  { sig: ascii('PAR1'), format: 'parquet' },
  { sig: [0x1f, 0x8b], format: 'gzip' },
  { sig: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], format: 'ole2' },
  { sig: ascii('MZ'), format: 'executable' },
  { sig: [0x7f, 0x45, 0x4c, 0x46], format: 'executable' },
  { sig: [0xfe, 0xed, 0xfa, 0xce], format: 'executable' },
  { sig: [0xfe, 0xed, 0xfa, 0xcf], format: 'executable' },
  { sig: [0xce, 0xfa, 0xed, 0xfe], format: 'executable' },
  { sig: [0xcf, 0xfa, 0xed, 0xfe], format: 'executable' },
  { sig: [0xca, 0xfe, 0xba, 0xbe], format: 'executable' },
  { sig: ascii('#!'), format: 'executable' },
];

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

/**
 * The format of a file from its first `HEAD_BYTES` and last `TAIL_BYTES` (the two overlap
 * or are equal for a small file). `size` is the file's full size.
 */
export function sniffFormat(head: Uint8Array, tail: Uint8Array, size: number): SniffedFormat {
  if (size === 0) return 'empty';
  if (at(head, [0x50, 0x4b, 0x03, 0x04]) || at(head, [0x50, 0x4b, 0x05, 0x06]))
    return zipFlavour(head, tail);
  if (at(head, ascii('RIFF')) && at(head, ascii('WEBP'), 8)) return 'webp';
  for (const m of MAGIC) if (at(head, m.sig, m.pos)) return m.format;
  // UTF-16 text carries NUL bytes: let the BOM say it is text.
  if (at(head, [0xff, 0xfe]) || at(head, [0xfe, 0xff])) return 'text';
  let i = at(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  for (let k = i; k < head.length; k++) {
    const c = head[k]!;
    if (c === 0) return 'binary';
    // Control characters other than tab, newlines, form feed and escape do not occur in text.
    if (c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27) return 'binary';
  }
  while (
    i < head.length &&
    (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)
  )
    i++;
  if (head[i] === 0x7b /* { */ || head[i] === 0x5b /* [ */) return 'json';
  return 'text';
}

/** Formats the bytes may be in for a file of this extension. */
const ALLOWED: Record<string, readonly SniffedFormat[]> = {
  // A delimited file may start with a bracket; its content check tells more.
  csv: ['text', 'json'],
  tsv: ['text', 'json'],
  txt: ['text', 'json'],
  json: ['json'],
  geojson: ['json'],
  xlsx: ['xlsx'],
  ods: ['ods'],
  zip: ['zip', 'xlsx', 'ods'],
  parquet: ['parquet'],
  pdf: ['pdf'],
  jpg: ['jpeg'],
  jpeg: ['jpeg'],
  png: ['png'],
  webp: ['webp'],
};

export function formatMatchesExtension(format: SniffedFormat, extension: string): boolean {
  return ALLOWED[extension]?.includes(format) ?? false;
}
