// The file previews shared by the catalogue and the review screen: CSV heads as text tables,
// GeoJSON heads as shapes plus a table of properties, a cut file read only up to its bound (a
// 2 GB file costs the same as a small one), projected coordinates not drawn, and keys that
// leave the storage directory refused.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';
import { featuresFromHead, geoJsonPreview, previewKindOf, previewStoredFile, tablePreview } from '../../app/domain/catalogue/file-preview.server';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'td-preview-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const point = (i: number, props: Record<string, unknown> = { nom: `Arceau ${i}` }) => ({ type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: [4.85 + i / 1000, 45.76] } });
const collection = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', name: 'arceaux', features });

describe('which preview a file gets', () => {
  it('goes by extension first, then by the detected format', () => {
    expect(previewKindOf('a.geojson')).toBe('geojson');
    expect(previewKindOf('a.JSON', 'json')).toBe('geojson');
    expect(previewKindOf('a.csv', 'text')).toBe('table');
    expect(previewKindOf('export', 'text')).toBe('table');
    expect(previewKindOf('a.xlsx', 'xlsx')).toBeNull();
    expect(previewKindOf('a.pdf', 'pdf')).toBeNull();
  });
});

describe('CSV', () => {
  it('reads the declared encoding and delimiter, drops the cut last line, and keeps markup as text', () => {
    const bytes = Buffer.from('nom;prix\n"<b>Café</b>";1,5\nThé;2\nChoc', 'latin1');
    const p = tablePreview(bytes, false, { encoding: 'windows-1252', delimiter: ';', maxRows: 10 });
    expect(p).toEqual({ kind: 'table', header: ['nom', 'prix'], types: ['text', 'decimal'], rows: [['<b>Café</b>', '1,5'], ['Thé', '2']], truncated: true });
    // Without a declared encoding: UTF-8, else Windows-1252.
    expect(tablePreview(Buffer.from('a,b\né,1\n', 'latin1'), true).rows).toEqual([['é', '1']]);
    expect(tablePreview(Buffer.from('a\tb\nx\t1\n'), true).header).toEqual(['a', 'b']);
  });
});

describe('GeoJSON', () => {
  it('previews a whole small file: shapes without properties, properties as text', () => {
    const p = geoJsonPreview(Buffer.from(collection([point(1, { nom: '<script>alert(1)</script>', places: 8 }), point(2)])), true)!;
    expect(p).toMatchObject({ kind: 'geojson', featureCount: 2, shown: 2, truncated: false, projected: false });
    expect(p.collection.features[0]).toEqual({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [4.851, 45.76] } });
    expect(p.properties).toMatchObject({ header: ['nom', 'places'], rows: [['<script>alert(1)</script>', '8'], ['Arceau 2', '']] });
    // A bare Feature or geometry is a collection of one; other JSON is not GeoJSON.
    expect(geoJsonPreview(Buffer.from(JSON.stringify(point(3))), true)).toMatchObject({ featureCount: 1 });
    expect(geoJsonPreview(Buffer.from('{"type":"Polygon","coordinates":[[[4.8,45.7],[4.9,45.7],[4.9,45.8],[4.8,45.7]]]}'), true)).toMatchObject({ featureCount: 1, shown: 1 });
    expect(geoJsonPreview(Buffer.from('{"rows":[1,2]}'), true)).toBeNull();
    expect(geoJsonPreview(Buffer.from('{"type":"FeatureCollection","features":[{'), true)).toBeNull();
  });

  it('keeps the complete features of a cut head, strings with brackets and escapes included', () => {
    const tricky = point(1, { nom: 'crochets ] } [ { et \\" guillemets', 'features': [1] });
    const text = collection([tricky, point(2), point(3)]);
    const cut = text.slice(0, text.lastIndexOf('{"type":"Feature"') + 30);
    const head = featuresFromHead(cut, 100);
    expect(head.complete).toBe(false);
    expect(head.features).toEqual([tricky, point(2)]);
    expect(featuresFromHead(text, 100)).toEqual({ features: [tricky, point(2), point(3)], complete: true });
    expect(featuresFromHead(text, 2).features).toHaveLength(2);
    const p = geoJsonPreview(Buffer.from(cut), false)!;
    expect(p).toMatchObject({ featureCount: null, shown: 2, truncated: true });
  });

  it('does not draw projected coordinates (Lambert 93)', () => {
    const lambert = { type: 'Feature', properties: { nom: 'A' }, geometry: { type: 'Point', coordinates: [842_000, 6_519_000] } };
    const p = geoJsonPreview(Buffer.from(collection([lambert])), true)!;
    expect(p).toMatchObject({ projected: true, shown: 0, collection: { features: [] } });
    expect(p.properties?.rows).toEqual([['A']]);
  });

  it('reads only the head of a 2 GB file, quickly, and draws its first features', async () => {
    const file = path.join(dir, 'enorme.geojson');
    const features = Array.from({ length: 20_000 }, (_, i) => point(i));
    await writeFile(file, collection(features).slice(0, -2)); // the closing brackets are far away
    const fh = await open(file, 'r+');
    await fh.truncate(2 * 1024 ** 3); // sparse: 2 GiB on paper
    await fh.close();
    const started = performance.now();
    const p = await previewStoredFile(new DirectoryStorage(dir), { storageKey: 'enorme.geojson', filename: 'enorme.geojson', detectedFormat: 'json' }, { geoBytes: 1024 * 1024, maxFeatures: 500 });
    const ms = performance.now() - started;
    expect(p).toMatchObject({ kind: 'geojson', featureCount: null, shown: 500, truncated: true });
    console.log(`GeoJSON preview of a 2 GiB file (1 MiB head, 500 features): ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5000);
    // Fewer bytes than features: only the complete ones within the bound.
    const small = await previewStoredFile(new DirectoryStorage(dir), { storageKey: 'enorme.geojson', filename: 'enorme.geojson' }, { geoBytes: 4096, maxFeatures: 500 });
    expect(small && small.kind === 'geojson' && small.shown).toBeGreaterThan(10);
    expect(small && small.kind === 'geojson' && small.shown).toBeLessThan(60);
  });

  it('refuses keys that leave the storage directory, and missing files', async () => {
    expect(await previewStoredFile(new DirectoryStorage(dir), { storageKey: '../../etc/passwd', filename: 'passwd.csv' })).toBeNull();
    expect(await previewStoredFile(new DirectoryStorage(dir), { storageKey: 'absent.geojson', filename: 'absent.geojson' })).toBeNull();
  });
});
