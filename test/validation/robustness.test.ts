// "None crashes the worker": truncated and garbled versions of every fixture still give a
// schema-valid report, streamed in odd chunk sizes.
import { expect, it } from 'vitest';
import { buildOds, buildParquet, buildPdf, buildXlsx, inspectInChunks } from './fixtures';

const rows: Array<Array<string | number>> = [
  ['code_insee', 'commune', 'population'],
  ['69123', 'Lyon', 520774],
  ['69266', 'Villeurbanne', 156928],
];
const samples: Array<[string, Buffer]> = [
  [
    'a.csv',
    Buffer.from('titre;;\ncode;nom;"valeur"\n69123;Lyon;"1,5"\n69266;"Ville\nurbanne";2\n'),
  ],
  [
    'a.geojson',
    Buffer.from(
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { a: 'é' },
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [4.8, 45.7],
                  [4.9, 45.7],
                  [4.9, 45.8],
                  [4.8, 45.7],
                ],
              ],
            },
          },
        ],
      }),
    ),
  ],
  ['a.json', Buffer.from('{"a":[1,2,{"b":"\\u00e9\\n"}],"c":-1.5e3,"d":[true,false,null]}')],
  ['a.xlsx', buildXlsx([{ name: 'S', rows }])],
  ['a.ods', buildOds([{ name: 'S', rows }])],
  ['a.parquet', buildParquet(42)],
  ['a.pdf', buildPdf(2)],
];

/** Deterministic pseudo-random numbers. */
let seed = 7;
const rnd = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

it('gives a report for truncated and garbled files of every format, and never throws', async () => {
  let reports = 0;
  for (const [name, bytes] of samples) {
    for (let k = 0; k < 12; k++) {
      const cut = bytes.subarray(0, Math.floor(rnd() * bytes.length));
      const garbled = Buffer.from(bytes);
      for (let f = 0; f < 5; f++)
        garbled[Math.floor(rnd() * garbled.length)] = Math.floor(rnd() * 256);
      for (const variant of [cut, garbled]) {
        const report = await inspectInChunks(name, variant, 1 + Math.floor(rnd() * 50));
        expect(['verified', 'invalid']).toContain(report.verdict);
        // Bad input is reported by what is wrong with it, not as an internal failure.
        expect(report.reasons.filter((r) => r.code === 'inspection_failed')).toEqual([]);
        reports++;
      }
    }
  }
  expect(reports).toBe(samples.length * 24);
});
