// The three serialisations of the DCAT-AP export say the same thing: the JSON-LD (read by
// the `jsonld` processor, inline context resolved), the Turtle (n3) and the RDF/XML
// (rdfxml-streaming-parser) of the catalogue and of a dataset are turned into RDF, then
// canonicalised (RDFC-1.0, blank nodes relabelled) and compared: the same graph, triple
// for triple. Literals carry what contributors type (quotes, backslashes, CRLF, markup,
// accents, emoji).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsonld from 'jsonld';
import { Parser, Writer } from 'n3';
import type { Quad } from '@rdfjs/types';
import { RdfXmlParser } from 'rdfxml-streaming-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { prepareReferences } from '../contributions/helpers';
import { publishDataset, resetCatalogueFixtures } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';

let t: TestDatabase;
let server: TestServer;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-rdf-'));
const published: Published[] = [];

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  published.push(
    await publishDataset(t.db, refs, uploadsDir, {
      draft: {
        title: 'Éclairage « public » & <ville>',
        // A browser form sends CRLF line ends.
        description: 'Avec "guillemets", \\ barre,\r\nune ligne <b>&amp;</b>\ttab — été 🌙',
        keywords: ['éclairage', 'nuit'],
        themes: ['energie', 'urbanisme'],
        updateFrequency: 'monthly',
        temporalStart: '2020-01-01',
        temporalEnd: '2024-12-31',
      },
    }),
  );
  published.push(
    await publishDataset(t.db, refs, uploadsDir, { draft: { title: 'Arceaux vélo' } }),
  );
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

async function fetchText(url: string, format: string): Promise<string> {
  const u = new URL(url);
  u.searchParams.set('format', format);
  const res = await fetch(u);
  expect(res.status, `${u}`).toBe(200);
  return res.text();
}

const toNQuads = (quads: Quad[]) => new Writer({ format: 'N-Quads' }).quadsToString(quads);

/** JSON-LD → N-Quads by the jsonld processor; no remote context may be fetched. */
async function fromJsonLd(text: string): Promise<string> {
  return (await jsonld.toRDF(
    JSON.parse(text) as jsonld.JsonLdDocument,
    {
      format: 'application/n-quads',
      documentLoader: (url: string) => Promise.reject(new Error(`remote context ${url}`)),
    } as never,
  )) as unknown as string;
}

function fromTurtle(text: string, base: string): string {
  return toNQuads(new Parser({ baseIRI: base, format: 'text/turtle' }).parse(text) as Quad[]);
}

function fromRdfXml(text: string, base: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const quads: Quad[] = [];
    const parser = new RdfXmlParser({ baseIRI: base });
    parser.on('data', (q: Quad) => quads.push(q));
    parser.on('error', reject);
    parser.on('end', () => resolve(toNQuads(quads)));
    parser.write(text);
    parser.end();
  });
}

/** Canonical N-Quads (RDFC-1.0: blank nodes relabelled, lines sorted). */
async function canonical(nquads: string): Promise<string> {
  const canonize = jsonld.canonize as unknown as (
    input: string,
    options: Record<string, string>,
  ) => Promise<string>;
  return canonize(nquads, {
    algorithm: 'RDFC-1.0',
    inputFormat: 'application/n-quads',
    format: 'application/n-quads',
  });
}

async function threeGraphs(url: string) {
  const [ld, ttl, xml] = await Promise.all([
    fetchText(url, 'jsonld'),
    fetchText(url, 'ttl'),
    fetchText(url, 'rdf'),
  ]);
  const [a, b, c] = await Promise.all([
    fromJsonLd(ld).then(canonical),
    canonical(fromTurtle(ttl, url)),
    fromRdfXml(xml, url).then(canonical),
  ]);
  return { jsonld: a, turtle: b, rdfxml: c };
}

const lines = (nq: string) => nq.split('\n').filter(Boolean);

describe('DCAT-AP: JSON-LD, Turtle and RDF/XML are the same graph', () => {
  it('for the catalogue', async () => {
    const g = await threeGraphs(`${server.url}/catalog?pageSize=50`);
    expect(lines(g.jsonld).length).toBeGreaterThan(60);
    expect(lines(g.jsonld)).toEqual(lines(g.turtle));
    expect(lines(g.rdfxml)).toEqual(lines(g.turtle));
    // What a harvester reads, with the right IRIs (the inline context was applied).
    expect(g.jsonld).toContain(
      '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Catalog>',
    );
    expect(
      lines(g.jsonld).filter((l) =>
        l.includes(
          '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset>',
        ),
      ),
    ).toHaveLength(2);
  });

  it('for one dataset, literals typed by contributors included', async () => {
    const url = `${server.url}/catalog/datasets/${published[0]!.slug}`;
    const g = await threeGraphs(url);
    expect(lines(g.jsonld)).toEqual(lines(g.turtle));
    expect(lines(g.rdfxml)).toEqual(lines(g.turtle));
    const description = lines(g.turtle).find((l) =>
      l.includes(`<${url}> <http://purl.org/dc/terms/description>`),
    );
    // N-Quads escapes: the CRLF, the tab, the quotes and the backslash survived all three.
    expect(description).toContain(
      '"Avec \\"guillemets\\", \\\\ barre,\\r\\nune ligne <b>&amp;</b>\\ttab — été 🌙"@fr',
    );
    expect(g.turtle).toContain('"Éclairage « public » & <ville>"@fr');
  });
});
