// Regenerates reference-codes.json from @etalab/decoupage-administratif (a dev dependency), so
// the shipped file stays small and the app needs no 12 MB package at run time.
// Run: npx tsx app/domain/validation/data/generate-reference-codes.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface Commune {
  code: string;
  codesPostaux?: string[];
}
interface Area {
  code: string;
}

const require = createRequire(import.meta.url);
const pkgDir = require
  .resolve('@etalab/decoupage-administratif/package.json')
  .replace(/package\.json$/, '');
const read = <T>(name: string): T => JSON.parse(readFileSync(`${pkgDir}data/${name}`, 'utf8')) as T;
const pkgVersion = (
  JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8')) as { version: string }
).version;

const communes = read<Commune[]>('communes.json');
const inseeCodes = [...new Set(communes.map((c) => c.code))].sort();
const postalCodes = [...new Set(communes.flatMap((c) => c.codesPostaux ?? []))].sort();
const departements = read<Area[]>('departements.json')
  .map((d) => d.code)
  .sort();
const regions = read<Area[]>('regions.json')
  .map((r) => r.code)
  .sort();

for (const code of [...inseeCodes, ...postalCodes]) {
  if (!/^(\d{5}|2[AB]\d{3})$/.test(code)) throw new Error(`unexpected code ${code}`);
}

const out = {
  source: `@etalab/decoupage-administratif ${pkgVersion} (INSEE Code officiel géographique, La Poste base officielle des codes postaux)`,
  licence: 'Licence Ouverte / Open Licence (Etalab)',
  // Codes are all 5 characters long, so they are stored concatenated: a sixth of the size of a JSON array.
  inseeCommuneCodes: inseeCodes.join(''),
  postalCodes: postalCodes.join(''),
  departementCodes: departements,
  regionCodes: regions,
};
const target = fileURLToPath(new URL('./reference-codes.json', import.meta.url));
writeFileSync(target, JSON.stringify(out) + '\n');
console.log(`wrote ${target}: ${inseeCodes.length} communes, ${postalCodes.length} postal codes`);
