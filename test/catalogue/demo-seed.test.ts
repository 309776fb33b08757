// The demo seed fills the catalogue: a handful of datasets about the Métropole's communes,
// published through the real path (validated files, approval by the demo moderator), with
// their files in the store, findable by search; a second seed adds nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData, seedReferenceData } from '../../db/seed';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';
import { loadLabels, searchDatasets } from '../../app/domain/catalogue/search.server';
import { parseSearch } from '../../app/domain/catalogue/search-params';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
const dir = mkdtempSync(path.join(os.tmpdir(), 'td-catalogue-demo-'));
const storage = new DirectoryStorage(dir);

beforeAll(async () => {
  t = await createTestDatabase();
  await seedReferenceData(t.db);
  await seedDemoData(t.db, { storage });
}, 300_000);

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const listed = () =>
  t.db
    .selectFrom('dataset as d')
    .innerJoin('organization as o', 'o.id', 'd.organization_id')
    .select(['d.id', 'd.slug', 'd.current_version_id', 'o.slug as org', (eb) => eb.ref('d.metadata').$castTo<{ title: string }>().as('metadata')])
    .where('d.listed', '=', true)
    .orderBy('d.slug')
    .execute();

describe('demo catalogue', () => {
  it('publishes a handful of datasets about the communes, by the demo organisations, approved by the demo moderator', async () => {
    const rows = await listed();
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const titles = rows.map((r) => r.metadata.title);
    expect(titles).toContain('Contours des communes de la Métropole de Lyon');
    expect(titles).toContain('Population légale des communes de la Métropole');
    expect(new Set(rows.map((r) => r.org))).toEqual(new Set(['metropole-de-lyon', 'velos-lumiere']));
    // (The demo observations have approvals of their own.)
    const approvals = await t.db
      .selectFrom('moderation_event as e')
      .innerJoin('users as u', 'u.id', 'e.actor_id')
      .innerJoin('contribution as c', 'c.id', 'e.contribution_id')
      .select('u.email')
      .where('e.to_state', '=', 'approved')
      .where('c.kind', '!=', 'observation')
      .execute();
    expect(approvals.length).toBe(rows.length);
    expect(new Set(approvals.map((a) => a.email))).toEqual(new Set(['moderateur@demo.terridata.fr']));
  });

  it('every file is validated, stored under its content address, and real CSV or GeoJSON', async () => {
    const files = await t.db
      .selectFrom('distribution as x')
      .innerJoin('dataset as d', 'd.current_version_id', 'x.dataset_version_id')
      .select(['x.filename', 'x.format', 'x.storage_key', 'x.sha256', 'x.size', 'x.row_count'])
      .where('d.listed', '=', true)
      .execute();
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const stored = await storage.stat(f.storage_key);
      expect(stored?.size).toBe(Number(f.size));
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const population = files.find((f) => f.filename === 'population-communes.csv')!;
    expect(population.row_count).toBe(58);
    const head = await new Promise<string>((resolve, reject) => {
      let text = '';
      storage
        .get(population.storage_key)
        .then((s) => s.on('data', (c: Buffer) => (text += c.toString())).on('end', () => resolve(text)).on('error', reject), reject);
    });
    expect(head.split('\n')[0]).toBe('code_insee;nom;siren;population');
    expect(head).toContain('69123;Lyon;216901231;');
    const contours = files.find((f) => f.filename === 'communes-metropole-de-lyon.geojson')!;
    expect(['json', 'geojson']).toContain(contours.format);
    const facets = await t.db.selectFrom('dataset').select('facets').where('listed', '=', true).execute();
    expect(facets.flatMap((f) => f.facets)).toContain('format:geojson');
  });

  it('the demo datasets are found by search', async () => {
    const labels = await loadLabels(t.db, 'fr');
    const p = parseSearch(new URLSearchParams('q=population'));
    const r = await searchDatasets(t.db, p.data!, { labels });
    expect(r.items.map((i) => i.title)).toContain('Population légale des communes de la Métropole');
    const bikes = await searchDatasets(t.db, parseSearch(new URLSearchParams('q=velo&commune=69266')).data!, { labels });
    expect(bikes.items.map((i) => i.title)).toEqual(['Stationnements vélo relevés par Vélos Lumière']);
  });

  it('seeding again adds nothing', async () => {
    const before = (await listed()).length;
    await seedDemoData(t.db, { storage });
    expect((await listed()).length).toBe(before);
    const contributions = await t.db.selectFrom('contribution').select('id').where('kind', '=', 'new_dataset').execute();
    expect(contributions.length).toBe(before);
  });
});
