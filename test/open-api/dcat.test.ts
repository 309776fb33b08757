// The DCAT-AP 3 export through the real HTTP server: every page of /catalog parsed with n3,
// every mandatory property checked on every dataset and distribution, Hydra paging walked
// to the end, JSON-LD and RDF/XML served by content negotiation, 406 otherwise, retracted
// datasets dropped.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Parser, Store, DataFactory } from 'n3';
import type { Quad_Object, Term } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { prepareReferences } from '../contributions/helpers';
import { publishDataset, resetCatalogueFixtures, retract } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';

const { namedNode } = DataFactory;
const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  spdx: 'http://spdx.org/rdf/terms#',
  hydra: 'http://www.w3.org/ns/hydra/core#',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
};
const DATASET_MANDATORY = [
  'dct:identifier',
  'dct:title',
  'dct:description',
  'dcat:distribution',
  'dcat:keyword',
  'dct:publisher',
  'dct:spatial',
  'dct:temporal',
  'dcat:theme',
  'dcat:contactPoint',
  'dct:issued',
  'dct:modified',
  'dct:accrualPeriodicity',
  'dcat:landingPage',
];
const DISTRIBUTION_MANDATORY = [
  'dcat:accessURL',
  'dcat:downloadURL',
  'dct:format',
  'dcat:mediaType',
  'dct:license',
  'dcat:byteSize',
  'spdx:checksum',
];
const full = (q: string) => {
  const [p, l] = q.split(':') as [keyof typeof NS, string];
  return NS[p] + l;
};

let t: TestDatabase;
let server: TestServer;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-dcat-'));
const published: Published[] = [];
let gone: Published;

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  published.push(
    await publishDataset(t.db, refs, uploadsDir, {
      draft: {
        title: 'Éclairage public',
        themes: ['energie', 'urbanisme'],
        updateFrequency: 'monthly',
        temporalStart: '2020-01-01',
        temporalEnd: '2024-12-31',
      },
    }),
  );
  published.push(
    await publishDataset(t.db, refs, uploadsDir, {
      draft: {
        title: 'Arceaux vélo',
        description: 'Avec "guillemets" et \\ barre\nnouvelle ligne <b>&</b>',
      },
    }),
  );
  published.push(
    await publishDataset(t.db, refs, uploadsDir, {
      draft: { title: 'Offices de tourisme', themes: ['tourisme'], updateFrequency: 'punctual' },
    }),
  );
  gone = await publishDataset(t.db, refs, uploadsDir, { draft: { title: 'Retiré' } });
  await retract(t.db, gone.contributionId);
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const get = (p: string, accept?: string) =>
  fetch(p.startsWith('http') ? p : `${server.url}${p}`, { headers: accept ? { accept } : {} });

function parseTurtle(text: string, base: string): Store {
  const store = new Store();
  store.addQuads(new Parser({ baseIRI: base, format: 'text/turtle' }).parse(text));
  return store;
}
const objects = (s: Store, subject: Term, pred: string): Quad_Object[] =>
  s.getObjects(subject, namedNode(full(pred)), null);

function checkDataset(store: Store, ds: Term): string[] {
  const missing: string[] = [];
  for (const p of DATASET_MANDATORY)
    if (!objects(store, ds, p).length) missing.push(`${ds.value} ${p}`);
  for (const p of ['dct:title', 'dct:description']) {
    for (const o of objects(store, ds, p))
      if (o.termType !== 'Literal' || !o.language)
        missing.push(`${ds.value} ${p} without a language tag`);
  }
  for (const th of objects(store, ds, 'dcat:theme')) {
    if (!th.value.startsWith('http://publications.europa.eu/resource/authority/data-theme/'))
      missing.push(`${ds.value} theme ${th.value}`);
  }
  for (const f of objects(store, ds, 'dct:accrualPeriodicity')) {
    if (!f.value.startsWith('http://publications.europa.eu/resource/authority/frequency/'))
      missing.push(`${ds.value} frequency ${f.value}`);
  }
  for (const dist of objects(store, ds, 'dcat:distribution')) {
    for (const p of DISTRIBUTION_MANDATORY)
      if (!objects(store, dist, p).length) missing.push(`${dist.value} ${p}`);
    for (const sum of objects(store, dist, 'spdx:checksum')) {
      const v = objects(store, sum, 'spdx:checksumValue')[0];
      if (!v || !/^[0-9a-f]{64}$/.test(v.value)) missing.push(`${dist.value} checksum value`);
    }
  }
  return missing;
}

describe('DCAT-AP catalogue', () => {
  it('walks every page by hydra:next, with every mandatory property on every dataset and distribution', async () => {
    let url: string | null = `${server.url}/catalog?pageSize=2`;
    const seen: string[] = [];
    let pages = 0;
    while (url) {
      const res = await get(url, 'text/turtle');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/turtle/);
      const store = parseTurtle(await res.text(), url);
      const datasets = store.getSubjects(
        namedNode(NS.rdf + 'type'),
        namedNode(NS.dcat + 'Dataset'),
        null,
      );
      expect(datasets.length).toBeGreaterThan(0);
      for (const ds of datasets) {
        expect(checkDataset(store, ds)).toEqual([]);
        seen.push(objects(store, ds, 'dct:identifier')[0]!.value);
      }
      const views = store.getSubjects(
        namedNode(NS.rdf + 'type'),
        namedNode(NS.hydra + 'PartialCollectionView'),
        null,
      );
      expect(views).toHaveLength(1);
      expect(store.getObjects(views[0]!, namedNode(NS.hydra + 'first'), null)).toHaveLength(1);
      expect(
        Number(store.getObjects(views[0]!, namedNode(NS.hydra + 'totalItems'), null)[0]!.value),
      ).toBe(3);
      const next = store.getObjects(views[0]!, namedNode(NS.hydra + 'next'), null)[0];
      url = next ? next.value : null;
      pages++;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual(published.map((p) => p.datasetId).sort());
    expect(seen).not.toContain(gone.datasetId);
  });

  it('maps our themes and frequencies to the EU vocabularies', async () => {
    const res = await get(`/catalog/datasets/${published[0]!.slug}`, 'text/turtle');
    const store = parseTurtle(await res.text(), server.url);
    const ds = namedNode(`${server.url}/catalog/datasets/${published[0]!.slug}`);
    expect(checkDataset(store, ds)).toEqual([]);
    expect(
      objects(store, ds, 'dcat:theme')
        .map((o) => o.value.split('/').pop())
        .sort(),
    ).toEqual(['ENER', 'REGI']);
    expect(objects(store, ds, 'dct:accrualPeriodicity')[0]!.value).toMatch(/frequency\/MONTHLY$/);
    const period = objects(store, ds, 'dct:temporal')[0]!;
    expect(store.getObjects(period, namedNode(NS.dcat + 'startDate'), null)[0]!.value).toBe(
      '2020-01-01',
    );
    const other = parseTurtle(
      await (await get(`/catalog/datasets/${published[2]!.slug}`, 'text/turtle')).text(),
      server.url,
    );
    const ds2 = namedNode(`${server.url}/catalog/datasets/${published[2]!.slug}`);
    expect(checkDataset(other, ds2)).toEqual([]);
    expect(objects(other, ds2, 'dct:accrualPeriodicity')[0]!.value).toMatch(/frequency\/NEVER$/);
  });

  it('serves JSON-LD with an inline context by default, and RDF/XML on request', async () => {
    const res = await get('/catalog');
    expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    const doc = (await res.json()) as {
      '@context': Record<string, string>;
      '@graph': Record<string, unknown>[];
    };
    expect(doc['@context'].dcat).toBe(NS.dcat);
    const datasets = doc['@graph'].filter((n) =>
      (n['@type'] as string[] | undefined)?.includes('dcat:Dataset'),
    );
    expect(datasets).toHaveLength(3);
    for (const d of datasets) for (const p of DATASET_MANDATORY) expect(d, p).toHaveProperty([p]);
    const title = (datasets[0]!['dct:title'] as { '@language': string }[])[0]!;
    expect(title['@language']).toBe('fr');
    expect((await get('/catalog', 'application/json')).headers.get('content-type')).toMatch(
      /ld\+json/,
    );

    const xml = await get('/catalog', 'application/rdf+xml');
    expect(xml.headers.get('content-type')).toMatch(/^application\/rdf\+xml/);
    const body = await xml.text();
    expect(body).toContain('<rdf:RDF');
    expect(body.match(/rdf:resource="http:\/\/www\.w3\.org\/ns\/dcat#Dataset"/g)).toHaveLength(3);
    expect(body).toContain('&quot;guillemets&quot;');
    expect((await get('/catalog?format=ttl')).headers.get('content-type')).toMatch(/turtle/);
    expect(
      (await get('/catalog', 'text/html;q=0.9, text/turtle;q=0.5')).headers.get('content-type'),
    ).toMatch(/turtle/);
  });

  it('answers an Accept it cannot serve with 406 and the list of formats', async () => {
    for (const accept of ['text/html', 'image/png', 'application/xml;q=1, */*;q=0']) {
      const res = await get('/catalog', accept);
      expect(res.status, accept).toBe(406);
      const body = (await res.json()) as { formats: { type: string }[] };
      expect(body.formats.map((f) => f.type)).toEqual([
        'application/ld+json',
        'text/turtle',
        'application/rdf+xml',
      ]);
    }
    expect((await get(`/catalog/datasets/${published[0]!.slug}`, 'text/html')).status).toBe(406);
    expect((await get('/catalog?format=pdf')).status).toBe(406);
  });

  it('drops retracted datasets (410) and refuses hostile parameters without a 500', async () => {
    expect((await get(`/catalog/datasets/${gone.slug}`, 'text/turtle')).status).toBe(410);
    expect((await get('/catalog/datasets/unknown', 'text/turtle')).status).toBe(404);
    expect((await get(`/catalog/datasets/${'x'.repeat(3000)}`)).status).toBe(404);
    for (const q of ['page=-5', 'page=abc', 'pageSize=100000', 'page=1e9', 'pageSize=0']) {
      const res = await get(`/catalog?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await get('/catalog?page=99')).status).toBe(404);
    expect((await get('/catalog', 'a'.repeat(5000))).status).toBe(406);
  });
});
