// Per-column analysis fed one cell at a time, straight from the bytes (no string per cell):
// type inference, empties, distinct estimate, min/max, recognised French formats.
// Each column keeps a bitmask of the candidates still alive, so after a few rows a text column
// costs a hash and a byte scan per cell, and a numeric column one number parse.
import type { ColumnFormatCode, ColumnReport, ColumnType } from './report.schema';
import {
  isDepartementCode,
  isInseeCommuneCode,
  isPostalCode,
  isRegionCode,
} from './reference-codes';
import { HyperLogLog, fmix32 } from './sketches';

// Strict types: one failure kills them.
const T_INT = 1 << 0;
const T_DEC_DOT = 1 << 1;
const T_DEC_COMMA = 1 << 2;
const T_BOOL = 1 << 3;
const T_DATE = 1 << 4;
const T_DATETIME = 1 << 5;
const TYPE_BITS = 6;
// Formats: tolerant, kept while at least 90 % of the values fit.
const F_INSEE = 1 << 6;
const F_POSTAL = 1 << 7;
const F_DEP = 1 << 8;
const F_REG = 1 << 9;
const F_SIREN = 1 << 10;
const F_SIRET = 1 << 11;
const F_EMAIL = 1 << 12;
const F_PHONE = 1 << 13;
const F_URL = 1 << 14;
const F_UUID = 1 << 15;
const F_LAT = 1 << 16;
const F_LON = 1 << 17;
const F_L93X = 1 << 18;
const F_L93Y = 1 << 19;
const F_YEAR = 1 << 20;
const F_PERCENT = 1 << 21;
const F_EURO = 1 << 22;
const F_DATE_FR = 1 << 23;
const F_DATE_FR_TEXT = 1 << 24;
const F_DATE_ISO = 1 << 25;
const F_DATETIME_ISO = 1 << 26;
const CANDIDATES = 27;

const FORMAT_CODES: Array<[number, ColumnFormatCode]> = [
  // Order breaks ties: the most specific first.
  [F_SIRET, 'siret'],
  [F_SIREN, 'siren'],
  [F_UUID, 'uuid'],
  [F_EMAIL, 'email'],
  [F_URL, 'url'],
  [F_PHONE, 'phone_fr'],
  [F_INSEE, 'insee_commune_code'],
  [F_POSTAL, 'postal_code'],
  [F_DATETIME_ISO, 'datetime_iso'],
  [F_DATE_ISO, 'date_iso'],
  [F_DATE_FR, 'date_fr'],
  [F_DATE_FR_TEXT, 'date_fr_text'],
  [F_L93X, 'lambert93_x'],
  [F_L93Y, 'lambert93_y'],
  [F_LAT, 'latitude_wgs84'],
  [F_LON, 'longitude_wgs84'],
  [F_YEAR, 'year'],
  [F_PERCENT, 'percentage'],
  [F_EURO, 'amount_eur'],
  [F_DEP, 'departement_code'],
  [F_REG, 'region_code'],
];

// Byte classes, OR-ed over a cell to pre-check candidates cheaply.
const C_DIGIT = 1;
const C_ALPHA = 2;
const C_DOT = 4;
const C_COMMA = 8;
const C_SIGN = 16; // + -
const C_SLASH = 32;
const C_COLON = 64;
const C_SPACE = 128;
const C_AT = 256;
const C_PERCENT = 512;
const C_HIGH = 1024;
const C_OTHER = 2048;
const CLASS = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  if (i >= 48 && i <= 57) CLASS[i] = C_DIGIT;
  else if ((i >= 65 && i <= 90) || (i >= 97 && i <= 122)) CLASS[i] = C_ALPHA;
  else if (i === 46) CLASS[i] = C_DOT;
  else if (i === 44) CLASS[i] = C_COMMA;
  else if (i === 43 || i === 45) CLASS[i] = C_SIGN;
  else if (i === 47) CLASS[i] = C_SLASH;
  else if (i === 58) CLASS[i] = C_COLON;
  else if (i === 32 || i === 9) CLASS[i] = C_SPACE;
  else if (i === 64) CLASS[i] = C_AT;
  else if (i === 37) CLASS[i] = C_PERCENT;
  else if (i >= 128) CLASS[i] = C_HIGH;
  else CLASS[i] = C_OTHER;
}
const NUMERIC_MASK = C_DIGIT | C_DOT | C_COMMA | C_SIGN;
const DATE_MASK = C_DIGIT | C_SLASH | C_SIGN | C_DOT;

// Header-name hints: some formats (year, département, coordinates) are only plausible when the
// column's name says so, since any small integer column would otherwise match.
const H_LAT = 1;
const H_LON = 2;
const H_X = 4;
const H_Y = 8;
const H_DEP = 16;
const H_REG = 32;
const H_YEAR = 64;
const H_INSEE = 128;
const H_POSTAL = 256;
const H_EURO = 512;
const H_PERCENT = 1024;
const H_FIRSTNAME = 2048;
const H_LASTNAME = 4096;
const H_FULLNAME = 8192;

export function normaliseHeader(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9%€]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const NOT_A_PERSON =
  /commune|ville|voie|rue|etab|entreprise|organisme|structure|site|lieu|equipement|station|arret|parc|produit|espece|societe|raison|enseigne|fichier|departement|region|pays|quartier|iris|epci|service|libelle|lib_|jeu|dataset|projet|operation|marche|batiment|ecole|college|lycee|association|collectivite|territoire|zone|secteur|type|categorie|theme/;

function headerHints(raw: string): number {
  const n = normaliseHeader(raw);
  const words = n.split('_');
  const has = (w: string): boolean => words.includes(w);
  let h = 0;
  if (/lat/.test(n)) h |= H_LAT;
  if (/lon|lng/.test(n) && !/longueur/.test(n)) h |= H_LON;
  if (has('x') || /coord_?x|x_?l93|lambert_?x|x_?lambert|^x[0-9]*$/.test(n)) h |= H_X;
  if (has('y') || /coord_?y|y_?l93|lambert_?y|y_?lambert|^y[0-9]*$/.test(n)) h |= H_Y;
  if (/l93|lambert|2154/.test(n)) h |= H_X | H_Y;
  if (/dep|dpt/.test(n)) h |= H_DEP;
  if (/reg/.test(n)) h |= H_REG;
  if (/annee|year|millesime|exercice/.test(n) || has('an')) h |= H_YEAR;
  if (/insee|citycode|com|depcom/.test(n)) h |= H_INSEE;
  if (/postal|postcode|zip/.test(n) || has('cp')) h |= H_POSTAL;
  if (/montant|prix|euro|eur|€|cout|budget|tarif|somme/.test(n)) h |= H_EURO;
  if (/%|pourcent|percent|taux|part|ratio/.test(n)) h |= H_PERCENT;
  if (!NOT_A_PERSON.test(n)) {
    if (/prenom|first_?name|given_?name|forename/.test(n)) h |= H_FIRSTNAME;
    if (
      /^(nom|last_?name|surname|family_?name|nom_?de_?famille|nom_?usage|nom_?naissance|patronyme)$/.test(
        n,
      )
    )
      h |= H_LASTNAME;
    if (
      /^(nom_?prenom|prenom_?nom|nom_?complet|full_?name|contact|responsable|auteur|author|titulaire|beneficiaire|representant|dirigeant|signataire|interlocuteur|person|personne|declarant|demandeur|proprietaire)s?$/.test(
        n,
      ) ||
      (/prenom/.test(n) && /nom/.test(n.replace('prenom', '')))
    )
      h |= H_FULLNAME;
  }
  return h;
}

// --- byte-level recognisers ------------------------------------------------------------

// Results of parseNumber, kept in module variables to avoid allocating per cell.
let numSep = 0; // 0, 46 '.', 44 ','
let numLeadingZero = false;

/** `[+-]?digits([.,]digits)?`; NaN when the bytes are not that. */
function parseNumber(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  const c0 = b[i]!;
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i++;
  }
  const intStart = i;
  let v = 0;
  while (i < e) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  const intDigits = i - intStart;
  if (intDigits === 0) return NaN;
  numLeadingZero = intDigits > 1 && b[intStart] === 48;
  numSep = 0;
  if (i < e) {
    const sep = b[i]!;
    if (sep !== 46 && sep !== 44) return NaN;
    numSep = sep;
    i++;
    const fracStart = i;
    let f = 0;
    while (i < e) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return NaN;
      f = f * 10 + d;
      i++;
    }
    const fracDigits = i - fracStart;
    if (fracDigits === 0) return NaN;
    v += f / 10 ** fracDigits;
  }
  return neg ? -v : v;
}

function digitsAt(b: Uint8Array, s: number, n: number): number {
  let v = 0;
  for (let i = s; i < s + n; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function ymd(y: number, m: number, d: number): number {
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > DAYS_IN_MONTH[m - 1]!) return NaN;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  return y * 10000 + m * 100 + d;
}

// Kind of the last date parsed: 1 ISO (YYYY-MM-DD or YYYY/MM/DD), 2 French numeric (DD/MM/YYYY), 3 French text.
let dateKind = 0;

/** Numeric dates; returns YYYYMMDD or NaN. */
function parseNumericDate(b: Uint8Array, s: number, e: number): number {
  if (e - s !== 10) return NaN;
  const c4 = b[s + 4]!;
  if ((c4 === 45 || c4 === 47) && b[s + 7] === c4) {
    dateKind = 1;
    return ymd(digitsAt(b, s, 4), digitsAt(b, s + 5, 2), digitsAt(b, s + 8, 2));
  }
  const c2 = b[s + 2]!;
  if ((c2 === 47 || c2 === 45 || c2 === 46) && b[s + 5] === c2) {
    dateKind = 2;
    return ymd(digitsAt(b, s + 6, 4), digitsAt(b, s + 3, 2), digitsAt(b, s, 2));
  }
  return NaN;
}

const MONTHS = [
  'janvier',
  'fevrier',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'aout',
  'septembre',
  'octobre',
  'novembre',
  'decembre',
];

/** "31 décembre 2024", "1er janvier 2024", in UTF-8 or Windows-1252; YYYYMMDD or NaN. */
function parseFrenchTextDate(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let day = 0;
  while (i < e && b[i]! >= 48 && b[i]! <= 57 && i - s < 2) day = day * 10 + b[i++]! - 48;
  if (i === s) return NaN;
  if (b[i] === 101 && b[i + 1] === 114) i += 2; // "1er"
  if (b[i] !== 32) return NaN;
  i++;
  let month = '';
  while (i < e && b[i] !== 32 && month.length < 10) {
    const c = b[i]!;
    if (c === 0xc3) {
      const n = b[i + 1];
      month += n === 0xa9 || n === 0x89 ? 'e' : n === 0xbb || n === 0x9b ? 'u' : '?';
      i += 2;
      continue;
    }
    if (c === 0xe9 || c === 0xc9) month += 'e';
    else if (c === 0xfb || c === 0xdb) month += 'u';
    else if (c >= 65 && c <= 90) month += String.fromCharCode(c + 32);
    else if (c >= 97 && c <= 122) month += String.fromCharCode(c);
    else return NaN;
    i++;
  }
  const m = MONTHS.indexOf(month) + 1;
  if (m === 0 || b[i] !== 32 || e - i - 1 !== 4) return NaN;
  dateKind = 3;
  return ymd(digitsAt(b, i + 1, 4), m, day);
}

/** ISO or French datetime; returns YYYYMMDDhhmmss or NaN. */
function parseDateTime(b: Uint8Array, s: number, e: number): number {
  if (e - s < 16) return NaN;
  const sep = b[s + 10];
  if (sep !== 84 && sep !== 32) return NaN;
  const day = parseNumericDate(b, s, s + 10);
  if (Number.isNaN(day)) return NaN;
  const hh = digitsAt(b, s + 11, 2);
  const mm = digitsAt(b, s + 14, 2);
  if (b[s + 13] !== 58 || hh < 0 || hh > 23 || mm < 0 || mm > 59) return NaN;
  let i = s + 16;
  let ss = 0;
  if (i < e && b[i] === 58) {
    ss = digitsAt(b, i + 1, 2);
    if (ss < 0 || ss > 60) return NaN;
    i += 3;
    if (i < e && (b[i] === 46 || b[i] === 44)) {
      i++;
      while (i < e && b[i]! >= 48 && b[i]! <= 57) i++;
    }
  }
  if (i < e) {
    const z = b[i]!;
    if (z === 90 || z === 122) i++;
    else if (z === 43 || z === 45) {
      if (digitsAt(b, i + 1, 2) < 0) return NaN;
      i += 3;
      if (b[i] === 58) i++;
      if (digitsAt(b, i, 2) < 0) return NaN;
      i += 2;
    }
  }
  if (i !== e) return NaN;
  return day * 1_000_000 + hh * 10_000 + mm * 100 + ss;
}

/** Luhn over the digits of the cell, skipping spaces; `len` digits expected. */
function luhnDigits(b: Uint8Array, s: number, e: number, len: number): boolean {
  let count = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) count++;
    else if (c !== 32) return false;
  }
  if (count !== len) return false;
  let sum = 0;
  let pos = 0;
  let plainSum = 0;
  for (let i = e - 1; i >= s; i--) {
    const c = b[i]!;
    if (c === 32) continue;
    let d = c - 48;
    plainSum += d;
    if (pos % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    pos++;
  }
  if (sum % 10 === 0) return true;
  // La Poste's establishments (SIREN 356000000) follow another rule: sum of digits divisible by 5.
  if (len === 14 && plainSum % 5 === 0) {
    let p = s;
    while (b[p] === 32) p++;
    return b[p] === 51 && b[p + 1] === 53 && b[p + 2] === 54 && b[p + 3] === 48;
  }
  return false;
}

function isEmail(b: Uint8Array, s: number, e: number): boolean {
  let at = -1;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === 64) {
      if (at >= 0) return false;
      at = i;
    } else if (c <= 32 || c === 44 || c === 59 || c === 60 || c === 62 || c === 34) return false;
  }
  if (at <= s || at >= e - 3) return false;
  let dot = -1;
  for (let i = at + 1; i < e; i++) if (b[i] === 46) dot = i;
  return dot > at + 1 && dot < e - 2;
}

function isFrenchPhone(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  let national = false;
  if (b[i] === 43) {
    if (b[i + 1] !== 51 || b[i + 2] !== 51) return false;
    i += 3;
    national = true;
  } else if (b[i] === 48 && b[i + 1] === 48 && b[i + 2] === 51 && b[i + 3] === 51) {
    i += 4;
    national = true;
  }
  let digits = 0;
  let first = -1;
  let second = -1;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      if (digits === 0) first = c - 48;
      else if (digits === 1) second = c - 48;
      digits++;
    } else if (c !== 32 && c !== 46 && c !== 45 && c !== 40 && c !== 41) return false;
  }
  if (national) {
    // "+33 (0)1 23 45 67 89" carries the trunk zero in brackets.
    if (digits === 10 && first === 0) return second >= 1;
    return digits === 9 && first >= 1;
  }
  return digits === 10 && first === 0 && second >= 1;
}

function startsWith(b: Uint8Array, s: number, e: number, prefix: readonly number[]): boolean {
  if (e - s < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const c = b[s + i]!;
    const lower = c >= 65 && c <= 90 ? c + 32 : c;
    if (lower !== prefix[i]) return false;
  }
  return true;
}
const HTTP = [...'http://'].map((c) => c.charCodeAt(0));
const HTTPS = [...'https://'].map((c) => c.charCodeAt(0));
const WWW = [...'www.'].map((c) => c.charCodeAt(0));

function isUrl(b: Uint8Array, s: number, e: number, seen: number): boolean {
  if (seen & C_SPACE) return false;
  const p = startsWith(b, s, e, HTTPS)
    ? 8
    : startsWith(b, s, e, HTTP)
      ? 7
      : startsWith(b, s, e, WWW)
        ? 4
        : 0;
  return p > 0 && e - s > p + 3;
}

function isUuid(b: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = b[s + i]!;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)))
      return false;
  }
  return true;
}

/** A number followed by a percent sign, optionally spaced. */
function percentValue(b: Uint8Array, s: number, e: number): number {
  if (b[e - 1] !== 37) return NaN;
  let end = e - 1;
  while (end > s && (b[end - 1] === 32 || b[end - 1] === 0xa0)) end--;
  if (end > s && b[end - 1] === 0xc2) end--; // UTF-8 no-break space
  return end > s ? parseNumber(b, s, end) : NaN;
}

/** "12,50 €", "1 234,56 €", "€12.50", "12.5 EUR" (UTF-8 or Windows-1252 euro sign). */
function euroValue(b: Uint8Array, s: number, e: number): number {
  let start = s;
  let end = e;
  let marked = false;
  if (end - start >= 3 && b[end - 3] === 0xe2 && b[end - 2] === 0x82 && b[end - 1] === 0xac) {
    end -= 3;
    marked = true;
  } else if (b[end - 1] === 0x80) {
    end -= 1;
    marked = true;
  } else if (
    end - start >= 3 &&
    (b[end - 3]! | 32) === 101 &&
    (b[end - 2]! | 32) === 117 &&
    (b[end - 1]! | 32) === 114
  ) {
    end -= 3;
    marked = true;
  } else if (b[start] === 0xe2 && b[start + 1] === 0x82 && b[start + 2] === 0xac) {
    start += 3;
    marked = true;
  } else if (b[start] === 0x80) {
    start += 1;
    marked = true;
  }
  if (!marked) return NaN;
  // Drop thousands separators (spaces, no-break spaces) into a small scratch buffer.
  let n = 0;
  for (let i = start; i < end && n < SCRATCH.length; i++) {
    const c = b[i]!;
    if (c === 32 || c === 0xa0 || c === 0xc2 || c === 0xe2 || c === 0x80 || c === 0xaf || c === 39)
      continue;
    SCRATCH[n++] = c;
  }
  return n > 0 ? parseNumber(SCRATCH, 0, n) : NaN;
}
const SCRATCH = new Uint8Array(64);

// Words as base-32 numbers of their lower-case letters: a Set<number> lookup, no string per cell.
const wordKey = (w: string): number =>
  [...w].reduce((k, ch) => k * 32 + (ch.charCodeAt(0) - 96), 0);
const BOOLEAN_KEYS = new Set(
  ['true', 'false', 'vrai', 'faux', 'oui', 'non', 'yes', 'no'].map(wordKey),
);
function isBoolean(b: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (len < 2 || len > 5) return false;
  let k = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]! | 32;
    if (c < 97 || c > 122) return false;
    k = k * 32 + (c - 96);
  }
  return BOOLEAN_KEYS.has(k);
}

// --- the profiler -----------------------------------------------------------------------

interface ColumnState {
  name: string;
  hints: number;
  nonEmpty: number;
  empty: number;
  hll: HyperLogLog;
  alive: number;
  fails: Int32Array;
  sawDecimalSeparator: number;
  numMin: number;
  numMax: number;
  dateMin: number;
  dateMax: number;
  dtMin: number;
  dtMax: number;
}

export interface ProfilerSummary {
  columns: ColumnReport[];
}

export class ColumnProfiler {
  readonly columns: ColumnState[];
  /** 64-bit hash of the last cell added (two halves), for duplicate-row detection. */
  cellHashHi = 0;
  cellHashLo = 0;

  constructor(names: readonly string[]) {
    const all = names.map((n) => headerHints(n));
    const anyFirstName = all.some((h) => (h & H_FIRSTNAME) !== 0);
    this.columns = names.map((name, i) => {
      let hints = all[i]!;
      // "nom" alone is a person's name only next to a "prénom" column.
      if (!anyFirstName) hints &= ~H_LASTNAME;
      let alive = (1 << CANDIDATES) - 1;
      if (!(hints & H_LAT)) alive &= ~F_LAT;
      if (!(hints & H_LON)) alive &= ~F_LON;
      if (!(hints & (H_X | H_LON))) alive &= ~F_L93X;
      if (!(hints & (H_Y | H_LAT))) alive &= ~F_L93Y;
      if (!(hints & H_DEP)) alive &= ~F_DEP;
      if (!(hints & H_REG)) alive &= ~F_REG;
      if (!(hints & H_YEAR)) alive &= ~F_YEAR;
      return {
        name,
        hints,
        nonEmpty: 0,
        empty: 0,
        hll: new HyperLogLog(),
        alive,
        fails: new Int32Array(CANDIDATES),
        sawDecimalSeparator: 0,
        numMin: Infinity,
        numMax: -Infinity,
        dateMin: Infinity,
        dateMax: -Infinity,
        dtMin: Infinity,
        dtMax: -Infinity,
      };
    });
  }

  /** Analyse the cell b[s..e) of column `col` (bytes in UTF-8 or Windows-1252). */
  addCell(col: number, b: Uint8Array, s: number, e: number): void {
    const c = this.columns[col];
    if (c === undefined) return;
    while (s < e && (b[s] === 32 || b[s] === 9)) s++;
    while (e > s && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--;
    if (s === e) {
      c.empty++;
      this.cellHashHi = 0;
      this.cellHashLo = 0;
      return;
    }
    c.nonEmpty++;
    let h = 0x811c9dc5;
    let h2 = 0x27d4eb2f;
    const alive = c.alive;
    if (alive === 0) {
      // Nothing left to recognise (a free-text column): only the hashes.
      for (let i = s; i < e; i++) {
        const x = b[i]!;
        h = Math.imul(h ^ x, 16777619);
        h2 = ((h2 << 5) + h2 + x) | 0;
      }
      const mixed = fmix32(h);
      c.hll.add(mixed);
      this.cellHashHi = mixed;
      this.cellHashLo = fmix32(h2 ^ (e - s));
      return;
    }
    let seen = 0;
    for (let i = s; i < e; i++) {
      const x = b[i]!;
      h = Math.imul(h ^ x, 16777619);
      h2 = ((h2 << 5) + h2 + x) | 0; // djb2: independent enough of FNV for the 64-bit row hash
      seen |= CLASS[x]!;
    }
    const mixed = fmix32(h);
    c.hll.add(mixed);
    this.cellHashHi = mixed;
    this.cellHashLo = fmix32(h2 ^ (e - s));
    let failed = 0;
    const len = e - s;

    // Numbers: one parse serves integer, both decimals and the numeric formats.
    let num = NaN;
    if (alive & (T_INT | T_DEC_DOT | T_DEC_COMMA | F_LAT | F_LON | F_L93X | F_L93Y | F_YEAR)) {
      if ((seen & ~NUMERIC_MASK) === 0 && (seen & C_DIGIT) !== 0) num = parseNumber(b, s, e);
      if (Number.isNaN(num))
        failed |= T_INT | T_DEC_DOT | T_DEC_COMMA | F_LAT | F_LON | F_L93X | F_L93Y | F_YEAR;
      else {
        if (numSep !== 0 || numLeadingZero) failed |= T_INT;
        if (numSep === 44) failed |= T_DEC_DOT;
        if (numSep === 46) failed |= T_DEC_COMMA;
        if (numLeadingZero) failed |= T_DEC_DOT | T_DEC_COMMA;
        c.sawDecimalSeparator |= numSep;
        if (num < c.numMin) c.numMin = num;
        if (num > c.numMax) c.numMax = num;
        if (num < -90 || num > 90 || numSep === 0) failed |= F_LAT;
        if (num < -180 || num > 180 || numSep === 0) failed |= F_LON;
        if (num < 100_000 || num > 1_300_000) failed |= F_L93X;
        if (num < 6_000_000 || num > 7_200_000) failed |= F_L93Y;
        if (numSep !== 0 || num < 1800 || num > 2100) failed |= F_YEAR;
      }
    }
    if (alive & T_BOOL && ((seen & ~C_ALPHA) !== 0 || !isBoolean(b, s, e))) failed |= T_BOOL;

    if (alive & (T_DATE | F_DATE_ISO | F_DATE_FR | F_DATE_FR_TEXT)) {
      let d = NaN;
      dateKind = 0;
      if ((seen & ~DATE_MASK) === 0) d = parseNumericDate(b, s, e);
      else if (
        alive & (T_DATE | F_DATE_FR_TEXT) &&
        (seen & C_SPACE) !== 0 &&
        (seen & C_DIGIT) !== 0
      )
        d = parseFrenchTextDate(b, s, e);
      if (Number.isNaN(d)) failed |= T_DATE | F_DATE_ISO | F_DATE_FR | F_DATE_FR_TEXT;
      else {
        if (d < c.dateMin) c.dateMin = d;
        if (d > c.dateMax) c.dateMax = d;
        if (dateKind !== 1) failed |= F_DATE_ISO;
        if (dateKind !== 2) failed |= F_DATE_FR;
        if (dateKind !== 3) failed |= F_DATE_FR_TEXT;
      }
    }
    if (alive & (T_DATETIME | F_DATETIME_ISO)) {
      const dt = (seen & C_COLON) !== 0 ? parseDateTime(b, s, e) : NaN;
      if (Number.isNaN(dt)) failed |= T_DATETIME | F_DATETIME_ISO;
      else {
        if (dt < c.dtMin) c.dtMin = dt;
        if (dt > c.dtMax) c.dtMax = dt;
        if (dateKind !== 1) failed |= F_DATETIME_ISO;
      }
    }
    if (alive & F_INSEE && (len !== 5 || !isInseeCommuneCode(b, s, e))) failed |= F_INSEE;
    if (alive & F_POSTAL && (len !== 5 || !isPostalCode(b, s, e))) failed |= F_POSTAL;
    if (alive & F_DEP && (len > 3 || !isDepartementCode(b, s, e))) failed |= F_DEP;
    if (alive & F_REG && (len > 3 || !isRegionCode(b, s, e))) failed |= F_REG;
    if (alive & F_SIREN && (len < 9 || len > 11 || !luhnDigits(b, s, e, 9))) failed |= F_SIREN;
    if (alive & F_SIRET && (len < 14 || len > 17 || !luhnDigits(b, s, e, 14))) failed |= F_SIRET;
    if (alive & F_EMAIL && ((seen & C_AT) === 0 || !isEmail(b, s, e))) failed |= F_EMAIL;
    if (
      alive & F_PHONE &&
      (len < 10 || len > 20 || (seen & (C_ALPHA | C_HIGH)) !== 0 || !isFrenchPhone(b, s, e))
    )
      failed |= F_PHONE;
    if (alive & F_URL && ((seen & (C_COLON | C_DOT)) === 0 || !isUrl(b, s, e, seen)))
      failed |= F_URL;
    if (alive & F_UUID && !isUuid(b, s, e)) failed |= F_UUID;
    // A header that names a rate or an amount makes a bare number count as one.
    if (
      alive & F_PERCENT &&
      ((seen & C_PERCENT) === 0 || Number.isNaN(percentValue(b, s, e))) &&
      !((c.hints & H_PERCENT) !== 0 && num >= 0 && num <= 100)
    )
      failed |= F_PERCENT;
    if (
      alive & F_EURO &&
      ((seen & (C_HIGH | C_ALPHA)) === 0 || Number.isNaN(euroValue(b, s, e))) &&
      !((c.hints & H_EURO) !== 0 && !Number.isNaN(num))
    )
      failed |= F_EURO;

    failed &= alive;
    if (failed === 0) return;
    // Strict types die at once; formats once more than 10 % of the values seen missed.
    let dead = failed & ((1 << TYPE_BITS) - 1);
    for (let bit = TYPE_BITS; bit < CANDIDATES; bit++) {
      const m = 1 << bit;
      if ((failed & m) === 0) continue;
      const f = ++c.fails[bit]!;
      if (f > c.nonEmpty * 0.1 && (c.nonEmpty >= 20 || f > 10)) dead |= m;
    }
    c.alive = alive & ~dead;
  }

  /** A row that turned out to be empty must not count as empty cells. */
  forgetEmptyCells(fieldCount: number): void {
    const n = Math.min(fieldCount, this.columns.length);
    for (let i = 0; i < n; i++) this.columns[i]!.empty--;
  }

  report(): ColumnReport[] {
    return this.columns.map((c, index) => columnReport(c, index));
  }
}

function isoDate(d: number): string {
  const y = Math.floor(d / 10000);
  const m = Math.floor(d / 100) % 100;
  const day = d % 100;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
function isoDateTime(dt: number): string {
  const day = Math.floor(dt / 1_000_000);
  const t = dt % 1_000_000;
  const hh = Math.floor(t / 10000);
  const mm = Math.floor(t / 100) % 100;
  const ss = t % 100;
  return `${isoDate(day)}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

function columnReport(c: ColumnState, index: number): ColumnReport {
  const alive = c.alive;
  let type: ColumnType = 'text';
  let decimalSeparator: '.' | ',' | null = null;
  let min: number | string | null = null;
  let max: number | string | null = null;
  if (c.nonEmpty === 0) type = 'empty';
  else if (alive & T_BOOL) type = 'boolean';
  else if (alive & T_INT) type = 'integer';
  else if (alive & (T_DEC_DOT | T_DEC_COMMA)) {
    type = 'decimal';
    decimalSeparator = alive & T_DEC_DOT ? '.' : ',';
  } else if (alive & T_DATE) type = 'date';
  else if (alive & T_DATETIME) type = 'datetime';
  if (type === 'integer' || type === 'decimal') {
    min = c.numMin;
    max = c.numMax;
  } else if (type === 'date') {
    min = isoDate(c.dateMin);
    max = isoDate(c.dateMax);
  } else if (type === 'datetime') {
    min = isoDateTime(c.dtMin);
    max = isoDateTime(c.dtMax);
  }

  const candidates: Array<{ code: ColumnFormatCode; share: number; hinted: boolean }> = [];
  if (c.nonEmpty > 0) {
    for (const [bit, code] of FORMAT_CODES) {
      if ((alive & bit) === 0) continue;
      const share = (c.nonEmpty - c.fails[Math.log2(bit)]!) / c.nonEmpty;
      if (share < 0.9) continue;
      const hinted =
        (bit === F_INSEE && (c.hints & H_INSEE) !== 0) ||
        (bit === F_POSTAL && (c.hints & H_POSTAL) !== 0) ||
        (bit === F_EURO && (c.hints & H_EURO) !== 0) ||
        (bit === F_PERCENT && (c.hints & H_PERCENT) !== 0);
      candidates.push({ code, share: Math.round(share * 10000) / 10000, hinted });
    }
  }
  // A header that names the code wins; else the best share; FORMAT_CODES order breaks ties.
  const best =
    candidates.find((x) => x.hinted) ??
    candidates.reduce<(typeof candidates)[number] | undefined>(
      (a, x) => (a === undefined || x.share > a.share ? x : a),
      undefined,
    );

  let personalData: ColumnReport['personalData'] = null;
  if (best?.code === 'email') personalData = 'email';
  else if (best?.code === 'phone_fr') personalData = 'phone';
  else if (type === 'text' && (c.hints & (H_FIRSTNAME | H_LASTNAME | H_FULLNAME)) !== 0)
    personalData = 'person_name';

  return {
    index,
    name: c.name,
    type,
    decimalSeparator,
    nonEmptyCount: c.nonEmpty,
    emptyCount: c.empty,
    distinctEstimate: Math.min(c.hll.estimate(), c.nonEmpty),
    min,
    max,
    format: best ? { code: best.code, share: best.share } : null,
    formatCandidates: candidates.map(({ code, share }) => ({ code, share })),
    personalData,
  };
}
