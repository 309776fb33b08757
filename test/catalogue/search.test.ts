// Catalogue search on datasets published through the real path: French full text without
// accents, prefix matching, weighting, facets with counts, sorts, archived and retracted
// datasets.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { prepareReferences } from '../contributions/helpers';
import { loadLabels, roundEstimate, searchDatasets } from '../../app/domain/catalogue/search.server';
import type { Labels } from '../../app/domain/catalogue/search.server';
import { parseSearch } from '../../app/domain/catalogue/search-params';
import { archiveDataset, restoreDataset } from '../../app/domain/catalogue/upkeep.server';
import { listPublishedDatasets } from '../../app/domain/catalogue/catalogue.server';
import { createUserWithSession } from '../support/auth';
import { publishDataset, retract } from './helpers';
import type { Published } from './helpers';

let t: TestDatabase;
let refs: ReferenceLists;
let labels: Labels;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-catalogue-search-'));
let lighting: Published;
let parking: Published;
let trees: Published;
let orgId: string;
let orgAdminId: string;

const search = async (qs: string) => {
  const parsed = parseSearch(new URLSearchParams(qs));
  if (!parsed.success) throw new Error(`invalid: ${qs}`);
  return searchDatasets(t.db, parsed.data, { labels });
};
const titles = (r: Awaited<ReturnType<typeof search>>) => r.items.map((i) => i.title);

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  labels = await loadLabels(t.db, 'fr');
  const admin = await createUserWithSession(t.db);
  orgAdminId = admin.user.id;
  const org = await t.db
    .insertInto('organization')
    .values({ slug: 'ville-de-lyon', name: 'Ville de Lyon', kind: 'public_body', siren: '216901231' })
    .returning('id')
    .executeTakeFirstOrThrow();
  orgId = org.id;
  await t.db.insertInto('membership').values({ user_id: orgAdminId, organization_id: orgId, role: 'admin' }).execute();
  lighting = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: orgAdminId,
    draft: {
      title: 'Éclairage public de Lyon',
      description: 'Points lumineux et armoires de commande du réseau d’éclairage de la ville.',
      themes: ['energie'],
      keywords: ['lampadaires'],
      communes: ['69123'],
      organizationId: orgId,
    },
  });
  parking = await publishDataset(t.db, refs, uploadsDir, {
    draft: {
      title: 'Stationnements vélo de Villeurbanne',
      description: 'Arceaux vélo relevés en 2025, avec un éclairage nocturne indiqué pour chaque arceau.',
      themes: ['mobilite'],
      keywords: ['vélo', 'stationnement'],
      communes: ['69266'],
      licence: 'odbl-1.0',
    },
    files: [{ filename: 'arceaux.geojson', content: '{"type":"FeatureCollection","features":[]}' }],
  });
  trees = await publishDataset(t.db, refs, uploadsDir, {
    draft: {
      title: 'Arbres d’alignement',
      description: 'Inventaire des arbres de la Métropole.',
      themes: ['environnement'],
      keywords: ['éclairage'],
      communes: ['69123', '69266'],
    },
  });
});

afterAll(async () => {
  await t.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('full text', () => {
  it('finds "Éclairage" from "eclairage", title first, then keywords, then description', async () => {
    const r = await search('q=eclairage');
    expect(titles(r)).toEqual(['Éclairage public de Lyon', 'Arbres d’alignement', 'Stationnements vélo de Villeurbanne']);
    expect(r.total).toBe(3);
  });

  it('matches prefixes as the user types, and several words all together', async () => {
    expect(titles(await search('q=ecla'))).toContain('Éclairage public de Lyon');
    expect(titles(await search('q=stationn velo'))).toEqual(['Stationnements vélo de Villeurbanne']);
    expect((await search('q=stationnement arbres')).total).toBe(0);
  });

  it('lists everything, newest first, for an empty query', async () => {
    const r = await search('q=');
    expect(r.total).toBe(3);
    expect(titles(r)[0]).toBe('Arbres d’alignement');
  });
});

describe('facets', () => {
  it('counts each value over the matching datasets and narrows by several facets', async () => {
    const all = await search('');
    const communes = Object.fromEntries(all.facets.commune.map((v) => [v.value, v.count]));
    expect(communes).toEqual({ '69123': 2, '69266': 2 });
    expect(all.facets.commune.find((v) => v.value === '69123')!.label).toBe('Lyon');
    expect(Object.fromEntries(all.facets.kind.map((v) => [v.value, v.count]))).toEqual({ public: 1, citizen: 2 });
    expect(Object.fromEntries(all.facets.format.map((v) => [v.value, v.count]))).toEqual({ csv: 2, geojson: 1 });
    expect(all.facets.org).toEqual([{ value: 'ville-de-lyon', label: 'Ville de Lyon', count: 1, selected: false }]);

    const lyon = await search('q=eclairage&commune=69123');
    expect(titles(lyon)).toEqual(['Éclairage public de Lyon', 'Arbres d’alignement']);
    expect(lyon.facets.commune.find((v) => v.value === '69123')!.selected).toBe(true);
    expect(titles(await search('commune=69123&theme=energie&kind=public'))).toEqual(['Éclairage public de Lyon']);
    expect(titles(await search('licence=odbl-1.0&format=geojson'))).toEqual(['Stationnements vélo de Villeurbanne']);
    expect(titles(await search('org=ville-de-lyon'))).toEqual(['Éclairage public de Lyon']);
  });

  it('counts the datasets updated recently', async () => {
    const r = await search('depuis=7j');
    expect(r.total).toBe(3);
    expect(r.since.map((s) => s.count)).toEqual([3, 3, 3]);
    // With words, the same counts come from the single pass that counts the facets.
    const words = await search('q=eclairage&theme=energie');
    expect(words.total).toBe(1);
    expect(words.since.map((s) => s.count)).toEqual([1, 1, 1]);
  });
});

describe('results', () => {
  it('show publisher, licence, formats, last update and quality score', async () => {
    const r = await search('q=eclairage');
    const first = r.items[0]!;
    expect(first.publisher).toEqual({ name: 'Ville de Lyon', slug: 'ville-de-lyon' });
    expect(first.licence).toBe('lo-2.0');
    expect(first.formats).toEqual(['csv']);
    expect(first.updatedAt).toBeInstanceOf(Date);
    expect(first.quality).toBeGreaterThan(0);
    expect(first.quality).toBeLessThanOrEqual(100);
  });

  it('sort by most downloaded and by last update', async () => {
    await t.db.updateTable('dataset').set({ download_count: 10 }).where('id', '=', parking.datasetId).execute();
    expect(titles(await search('tri=downloads'))[0]).toBe('Stationnements vélo de Villeurbanne');
    expect(titles(await search('q=eclairage&tri=updated'))[0]).toBe('Arbres d’alignement');
  });
});

describe('archive and retraction', () => {
  it('an archived dataset leaves default results, stays findable on request, and comes back when restored', async () => {
    await archiveDataset(t.db, orgAdminId, lighting.datasetId, 'Remplacé par le jeu 2027');
    expect(titles(await search('q=eclairage'))).not.toContain('Éclairage public de Lyon');
    const withArchives = await search('q=eclairage&archives=1');
    expect(withArchives.items.find((i) => i.slug === lighting.slug)?.archived).toBe(true);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id', 'target_id']).where('target_id', '=', lighting.datasetId).execute();
    expect(audit).toEqual([{ action: 'dataset.archive', actor_id: orgAdminId, target_id: lighting.datasetId }]);
    await restoreDataset(t.db, orgAdminId, lighting.datasetId);
    expect(titles(await search('q=eclairage'))).toContain('Éclairage public de Lyon');
  });

  it('only the publisher’s admins may archive', async () => {
    const stranger = await createUserWithSession(t.db);
    await expect(archiveDataset(t.db, stranger.user.id, lighting.datasetId, 'Je veux')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(archiveDataset(t.db, orgAdminId, lighting.datasetId, '')).rejects.toMatchObject({ code: 'reason_required' });
  });

  it('a retracted dataset never appears in search, facets or listings', async () => {
    await retract(t.db, trees.contributionId);
    const r = await search('q=eclairage');
    expect(titles(r)).not.toContain('Arbres d’alignement');
    expect(r.facets.theme.map((v) => v.value)).not.toContain('environnement');
    expect((await search('archives=1')).items.map((i) => i.slug)).not.toContain(trees.slug);
    expect((await listPublishedDatasets(t.db)).map((d) => d.slug)).not.toContain(trees.slug);
  });

  it('the kept facet counts of the whole catalogue equal a recount after publication, archive, restore and retraction', async () => {
    await archiveDataset(t.db, orgAdminId, lighting.datasetId, 'Pour le compte');
    const kept = await t.db.selectFrom('catalogue_facet_count').select(['key', 'active', 'total']).where('total', '>', 0).orderBy('key').execute();
    const { rows } = await sql<{ key: string; active: number; total: number }>`select k as key, (count(*) filter (where archived_at is null))::int as active, count(*)::int as total
      from dataset, unnest('{*}'::text[] || facets) k where listed group by k order by k`.execute(t.db);
    expect(kept).toEqual(rows);
    const all = await search('');
    expect(all.total).toBe(1);
    expect((await search('archives=1')).total).toBe(2);
    await restoreDataset(t.db, orgAdminId, lighting.datasetId);
  });
  it('the narrow search table equals the listed datasets after publication, downloads, archive, restore and retraction', async () => {
    await archiveDataset(t.db, orgAdminId, lighting.datasetId, 'Pour la table de recherche');
    await t.db.updateTable('dataset').set({ download_count: 42 }).where('id', '=', lighting.datasetId).execute();
    const { rows: expected } = await sql<{ id: string; keys: string[]; updated_at: Date; download_count: number; archived: boolean; document: string }>`
      select d.id, d.facets as keys, d.updated_at, d.download_count::int, d.archived_at is not null as archived, d.search_document::text as document
      from dataset d where d.listed order by d.id`.execute(t.db);
    const { rows: kept } = await sql<{ id: string; keys: string[]; updated_at: Date; download_count: number; archived: boolean; document: string }>`
      select s.dataset_id as id, array(select f.key from catalogue_facet_key f where f.id = any(s.keys) order by f.key) as keys,
        s.updated_at, s.download_count::int, s.archived, s.document::text as document
      from dataset_search s order by s.dataset_id`.execute(t.db);
    expect(kept).toEqual(expected);
    expect(kept.map((r) => r.id)).not.toContain(trees.datasetId);
    expect(kept.find((r) => r.id === lighting.datasetId)).toMatchObject({ archived: true, download_count: 42 });
    await restoreDataset(t.db, orgAdminId, lighting.datasetId);
    expect((await t.db.selectFrom('dataset_search').select('archived').where('dataset_id', '=', lighting.datasetId).executeTakeFirstOrThrow()).archived).toBe(false);
  });
});

describe('counting many matches', () => {
  it('rounds estimates to two significant digits', () => {
    expect([0, 1, 7, 42, 99, 123, 10_831, 987_654].map(roundEstimate)).toEqual([0, 1, 7, 42, 99, 120, 11_000, 990_000]);
  });

  it('past the exact-count limit, counts come from a sample, say so, and results stay exact', async () => {
    const parsed = parseSearch(new URLSearchParams('q=eclairage'));
    if (!parsed.success) throw new Error('invalid');
    const exact = await searchDatasets(t.db, parsed.data, { labels });
    // A limit of 0 sends every search with words to the sample; a sample of the whole table
    // (few rows here) must then give the exact figures, flagged as estimates.
    const sampled = await searchDatasets(t.db, parsed.data, { labels, counting: { exactLimit: 0, sampleTarget: 1_000_000, minSample: 1, onlyWhenCheaper: false } });
    expect(exact.approximate).toBe(false);
    expect(sampled.approximate).toBe(true);
    expect(sampled.total).toBe(exact.total);
    expect(sampled.facets).toEqual(exact.facets);
    expect(sampled.since).toEqual(exact.since);
    expect(sampled.items.map((i) => i.slug)).toEqual(exact.items.map((i) => i.slug));
    // A sample that finds too few matches (a wrong estimate) gives way to an exact count.
    const fallback = await searchDatasets(t.db, parsed.data, { labels, counting: { exactLimit: 0, sampleTarget: 1_000_000, minSample: 1000, onlyWhenCheaper: false } });
    expect(fallback.approximate).toBe(false);
    expect(fallback.total).toBe(exact.total);
  });

  it('a facet value no dataset ever had, with words, finds nothing (never a 500)', async () => {
    const r = await search('q=eclairage&format=xyz');
    expect(r.total).toBe(0);
    expect(r.items).toEqual([]);
  });
});
