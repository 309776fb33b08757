// Generators of test and benchmark files: a CSV of 20 columns of mixed types (numbers, dates,
// French codes, emails…) of any size, written with backpressure so memory stays flat.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Deterministic pseudo-random numbers, so runs are comparable. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function luhnComplete(base: string): string {
  for (let d = 0; d <= 9; d++) {
    const digits = base + d;
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let x = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        x *= 2;
        if (x > 9) x -= 9;
      }
      sum += x;
    }
    if (sum % 10 === 0) return digits;
  }
  throw new Error('unreachable');
}

export const MIXED_HEADER = [
  'id',
  'uuid',
  'code_insee',
  'code_postal',
  'commune',
  'date',
  'date_fr',
  'horodatage',
  'valeur',
  'montant',
  'actif',
  'email',
  'telephone',
  'site',
  'siren',
  'latitude',
  'longitude',
  'annee',
  'taux',
  'description',
];

const COMMUNES: Array<[string, string, string]> = [
  ['69123', '69001', 'Lyon'],
  ['69266', '69100', 'Villeurbanne'],
  ['69259', '69200', 'Vénissieux'],
  ['69290', '69800', 'Saint-Priest'],
  ['69256', '69120', 'Vaulx-en-Velin'],
  ['69034', '69300', 'Caluire-et-Cuire'],
  ['69029', '69500', 'Bron'],
  ['69384', '69740', 'Genas'],
];

export async function writeMixedCsv(
  out: Writable,
  targetBytes: number,
  separator = ',',
): Promise<void> {
  const rnd = lcg(42);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const uuids = Array.from(
    { length: 5000 },
    () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
  );
  const emails = Array.from({ length: 2000 }, (_, i) => `contact${i}@exemple${i % 37}.fr`);
  const phones = Array.from(
    { length: 2000 },
    () =>
      `04 ${String(Math.floor(rnd() * 1e8))
        .padStart(8, '0')
        .replace(/(\d\d)(?=\d)/g, '$1 ')}`,
  );
  const sirens = Array.from({ length: 2000 }, () =>
    luhnComplete(String(100_000_00 + Math.floor(rnd() * 8e7))),
  );
  const words = [
    'parc',
    'jardin',
    'piste cyclable',
    'arrêt',
    'fontaine',
    'banc',
    'école',
    'marché',
    'bibliothèque',
    'gymnase',
  ];
  const q = separator === ',' ? '"' : '';
  let written = 0;
  let id = 0;
  out.write(`${MIXED_HEADER.join(separator)}\n`);
  while (written < targetBytes) {
    const rows: string[] = [];
    for (let k = 0; k < 2000; k++) {
      id++;
      const [insee, cp, name] = pick(COMMUNES);
      const day = 1 + (id % 28);
      const month = 1 + (id % 12);
      const year = 2000 + (id % 25);
      const dd = String(day).padStart(2, '0');
      const mm = String(month).padStart(2, '0');
      const v = (rnd() * 10000).toFixed(2);
      const amount = (rnd() * 5000).toFixed(2).replace('.', ',');
      rows.push(
        [
          id,
          uuids[id % uuids.length],
          insee,
          cp,
          name,
          `${year}-${mm}-${dd}`,
          `${dd}/${mm}/${year}`,
          `${year}-${mm}-${dd}T${String(id % 24).padStart(2, '0')}:${String(id % 60).padStart(2, '0')}:00`,
          v,
          `${q}${amount}${q}`,
          id % 3 === 0 ? 'oui' : 'non',
          emails[id % emails.length],
          phones[id % phones.length],
          `https://www.exemple${id % 50}.fr/page/${id % 1000}`,
          sirens[id % sirens.length],
          (45.7 + rnd() * 0.1).toFixed(5),
          (4.8 + rnd() * 0.1).toFixed(5),
          year,
          `${q}${(rnd() * 100).toFixed(1).replace('.', ',')} %${q}`,
          `${pick(words)} ${pick(words)} n° ${id % 977}`,
        ].join(separator),
      );
    }
    const text = `${rows.join('\n')}\n`;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
