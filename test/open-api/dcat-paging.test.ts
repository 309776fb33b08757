// Keyset paging of the DCAT-AP catalogue (/catalog) through the real HTTP server: a harvester
// walking hydra:next sees every listed dataset exactly once while datasets are published and
// retracted between its page fetches; the old ?page=N still answers; a cursor this feed did
// not give out is a 400 problem, never a 500.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataFactory, Parser, Store } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { prepareReferences } from '../contributions/helpers';
import { publishDataset, resetCatalogueFixtures, retract } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';

const { namedNode } = DataFactory;
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const HYDRA = 'http://www.w3.org/ns/hydra/core#';

let t: TestDatabase;
let server: TestServer;
let refs: ReferenceLists;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-dcat-paging-'));
const published: Published[] = [];

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  for (let i = 1; i <= 5; i++)
    published.push(
      await publishDataset(t.db, refs, uploadsDir, { draft: { title: `Jeu de données ${i}` } }),
    );
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

interface Page {
  status: number;
  ids: string[];
  view: Record<'first' | 'next' | 'previous' | 'last', string | undefined> & { self?: string };
  total: number;
}

/** One page as a harvester reads it: the datasets' identifiers in order and the Hydra links. */
async function fetchPage(url: string): Promise<Page> {
  const res = await fetch(url.startsWith('http') ? url : `${server.url}${url}`, {
    headers: { accept: 'text/turtle' },
  });
  expect(res.status, url).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/turtle/);
  const store = new Store();
  store.addQuads(new Parser({ baseIRI: url, format: 'text/turtle' }).parse(await res.text()));
  const catalog = store.getSubjects(namedNode(RDF_TYPE), namedNode(`${DCAT}Catalog`), null)[0]!;
  // The order of dcat:dataset in a graph is not meaningful: a page is a set.
  const ids = store
    .getObjects(catalog, namedNode(`${DCAT}dataset`), null)
    .map((ds) => store.getObjects(ds, namedNode(`${DCT}identifier`), null)[0]!.value);
  const views = store.getSubjects(
    namedNode(RDF_TYPE),
    namedNode(`${HYDRA}PartialCollectionView`),
    null,
  );
  expect(views).toHaveLength(1);
  const link = (p: string) => store.getObjects(views[0]!, namedNode(HYDRA + p), null)[0]?.value;
  return {
    status: res.status,
    ids,
    view: {
      self: views[0]!.value,
      first: link('first'),
      next: link('next'),
      previous: link('previous'),
      last: link('last'),
    },
    total: Number(link('totalItems')),
  };
}

describe('/catalog keyset paging', () => {
  it('walks every dataset exactly once while one is published and one retracted mid-walk', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/catalog?pageSize=2';
    let pages = 0;
    let added: Published | null = null;
    let lastPage: string[] = [];
    while (url) {
      const page = await fetchPage(url);
      seen.push(...page.ids);
      lastPage = page.ids;
      pages++;
      if (pages === 1) {
        expect(page.view.first).toBe(`${server.url}/catalog?pageSize=2`);
        expect(page.view.next).toMatch(/\/catalog\?cursor=[A-Za-z0-9_-]+&pageSize=2$/);
        // Between two fetches: a new dataset is published, one already seen is retracted.
        // With page numbers the retraction would shift the third dataset onto page 1 (never
        // seen) and the publication could repeat one; the cursor shifts nothing.
        added = await publishDataset(t.db, refs, uploadsDir, {
          draft: { title: 'Publié pendant la moisson' },
        });
        await retract(t.db, published[0]!.contributionId);
      }
      url = page.view.next;
      expect(pages).toBeLessThan(10);
    }
    expect(added).not.toBeNull();
    const expected = [...published.map((p) => p.datasetId), added!.datasetId];
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    // The new dataset comes last (creation order), after all that were there before.
    expect(lastPage).toContain(added!.datasetId);
    expect(pages).toBe(3);

    // Put back for the other tests: the retracted dataset stays gone, so count what is listed.
    published.shift();
    published.push(added!);
  });

  it('still serves ?page=N, with numbered neighbours and a cursor to go on from', async () => {
    const all = (await fetchPage('/catalog')).ids;
    expect(all).toHaveLength(published.length);
    const p2 = await fetchPage('/catalog?page=2&pageSize=2');
    expect(p2.total).toBe(published.length);
    expect(p2.view.self).toBe(`${server.url}/catalog?page=2&pageSize=2`);
    expect(p2.view.previous).toBe(`${server.url}/catalog?page=1&pageSize=2`);
    expect(p2.view.last).toBe(`${server.url}/catalog?page=3&pageSize=2`);
    expect(p2.view.next).toMatch(/cursor=/);
    // Page 2 holds the 3rd and 4th datasets of the whole order; its next link the rest.
    const order = await walk('/catalog?pageSize=1');
    expect(order).toHaveLength(published.length);
    expect(p2.ids.sort()).toEqual(order.slice(2, 4).sort());
    const rest = await fetchPage(p2.view.next!);
    expect(rest.ids.sort()).toEqual(order.slice(4, 6).sort());
    expect(rest.view.next).toBeUndefined();
    // Past the end: 404 for a page number, as before.
    const past = await fetch(`${server.url}/catalog?page=99`);
    expect(past.status).toBe(404);
    expect(past.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers a cursor it did not give out with a 400 problem, never a 500', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const uuid = published[0]!.datasetId;
    const bad = [
      'garbage',
      '%%%',
      b64('not an array'),
      b64([]),
      b64(['2026-11-28T10:00:00.000000Z']),
      b64(['2026-11-28T10:00:00.000000Z', uuid, 'extra']),
      b64([1, 2]),
      b64(['2026-02-31T10:00:00.000000Z', uuid]), // no 31 February
      b64(['2026-11-28T24:00:00.000000Z', uuid]),
      b64(['275760-09-13T00:00:00.000000Z', uuid]),
      b64(['2026-11-28 10:00:00', uuid]),
      b64(['2026-11-28T10:00:00.000000Z', 'not-a-uuid']),
      b64(['2026-11-28T10:00:00.000000Z', `${uuid}'; drop table dataset; --`]),
      'x'.repeat(5000),
    ];
    for (const cursor of bad) {
      const res = await fetch(`${server.url}/catalog?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(res.headers.get('content-type'), cursor).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as { status: number; errors: Record<string, unknown> };
      expect(body.status).toBe(400);
      expect(body.errors).toHaveProperty('cursor');
    }
    const page = await fetchPage('/catalog?pageSize=2');
    const both = await fetch(`${page.view.next!}&page=2`);
    expect(both.status).toBe(400);
    expect(both.headers.get('content-type')).toMatch(/problem\+json/);
    // A well-formed cursor past every dataset: an empty last page, not an error.
    const end = await fetchPage(`/catalog?cursor=${b64(['2999-01-01T00:00:00.000000Z', uuid])}`);
    expect(end.ids).toEqual([]);
    expect(end.view.next).toBeUndefined();
  });
});

/** Every identifier following hydra:next (in the feed's order with one dataset a page). */
async function walk(start: string): Promise<string[]> {
  const out: string[] = [];
  let url: string | undefined = start;
  for (let i = 0; url && i < 20; i++) {
    const page = await fetchPage(url);
    out.push(...page.ids);
    url = page.view.next;
  }
  return out;
}
