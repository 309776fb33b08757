// Official French codes (communes, postal codes, départements, régions) as byte-level lookups:
// the CSV hot loop checks a cell's 5 bytes against a bitmap without building a string.
import reference from './data/reference-codes.json';

/** 0-9 digits map to 0..99999; Corsica's 2A/2B codes to 100000 + 0..999 and 101000 + 0..999. */
const SLOTS = 102_000;

function fiveCharKey(b: ArrayLike<number>, s: number): number {
  const c0 = b[s]! - 48;
  const c1 = b[s + 1]!;
  const c2 = b[s + 2]! - 48;
  const c3 = b[s + 3]! - 48;
  const c4 = b[s + 4]! - 48;
  if (c0 < 0 || c0 > 9 || c2 < 0 || c2 > 9 || c3 < 0 || c3 > 9 || c4 < 0 || c4 > 9) return -1;
  const tail = c2 * 100 + c3 * 10 + c4;
  if (c1 >= 48 && c1 <= 57) return c0 * 10000 + (c1 - 48) * 1000 + tail;
  if (c0 !== 2) return -1;
  if (c1 === 65 || c1 === 97) return 100_000 + tail; // 2A
  if (c1 === 66 || c1 === 98) return 101_000 + tail; // 2B
  return -1;
}

function bitmapOf(concatenated: string): Uint8Array {
  const map = new Uint8Array(SLOTS);
  const bytes = Buffer.from(concatenated, 'latin1');
  for (let i = 0; i + 5 <= bytes.length; i += 5) {
    const k = fiveCharKey(bytes, i);
    if (k >= 0) map[k] = 1;
  }
  return map;
}

const inseeMap = bitmapOf(reference.inseeCommuneCodes);
const postalMap = bitmapOf(reference.postalCodes);
const departements = new Set(reference.departementCodes);
const regions = new Set(reference.regionCodes);

export const referenceSource = reference.source;

export function isInseeCommuneCode(b: ArrayLike<number>, s: number, e: number): boolean {
  if (e - s !== 5) return false;
  const k = fiveCharKey(b, s);
  return k >= 0 && inseeMap[k] === 1;
}

export function isPostalCode(b: ArrayLike<number>, s: number, e: number): boolean {
  if (e - s !== 5) return false;
  const k = fiveCharKey(b, s);
  return k >= 0 && k < 100_000 && postalMap[k] === 1;
}

function shortAscii(b: ArrayLike<number>, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out.toUpperCase();
}

export function isDepartementCode(b: ArrayLike<number>, s: number, e: number): boolean {
  const len = e - s;
  if (len < 1 || len > 3) return false;
  const code = shortAscii(b, s, e);
  // Spreadsheets drop the leading zero of "01"…"09": accept it back.
  return departements.has(len === 1 ? `0${code}` : code);
}

export function isRegionCode(b: ArrayLike<number>, s: number, e: number): boolean {
  const len = e - s;
  if (len < 1 || len > 3) return false;
  const code = shortAscii(b, s, e);
  return regions.has(len === 1 ? `0${code}` : code);
}
