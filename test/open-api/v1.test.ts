// The JSON API /api/v1 through the real HTTP server: search with the page's filters and
// cursor paging walked to the end, show, versions, files, organisations, reference lists,
// ETags (304), problem+json errors, hostile parameters on every endpoint (never a 500), the
// OpenAPI document validated by a validator library, and the /api page.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { createUserWithSession } from '../support/auth';
import { prepareReferences } from '../contributions/helpers';
import { publishDataset, resetCatalogueFixtures, retract } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';

let t: TestDatabase;
let server: TestServer;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-apiv1-'));
const published: Published[] = [];
let gone: Published;

type Json = Record<string, unknown> & {
  items: Record<string, unknown>[];
  links: { next: string | null };
};
const get = (p: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${p}`, { headers });
const json = async (p: string) => {
  const res = await get(p);
  return { res, body: (await res.json()) as Json };
};

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  const org = await t.db
    .insertInto('organization')
    .values({ slug: 'ville-de-lyon', name: 'Ville de Lyon', kind: 'public_body' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('organization')
    .values({ slug: 'asso-velo', name: 'Asso vélo', kind: 'association' })
    .execute();
  const member = await createUserWithSession(t.db);
  await t.db
    .insertInto('membership')
    .values({ user_id: member.user.id, organization_id: org.id, role: 'admin' })
    .execute();
  published.push(
    await publishDataset(t.db, refs, uploadsDir, {
      submitterId: member.user.id,
      draft: {
        title: 'Éclairage public',
        themes: ['energie'],
        communes: ['69123'],
        organizationId: org.id,
      },
    }),
  );
  for (let i = 0; i < 4; i++)
    published.push(
      await publishDataset(t.db, refs, uploadsDir, { draft: { title: `Arceaux vélo ${i}` } }),
    );
  gone = await publishDataset(t.db, refs, uploadsDir, { draft: { title: 'Retiré' } });
  await retract(t.db, gone.contributionId);
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('/api/v1 datasets', () => {
  it('searches with the page’s filters and walks the cursor to the end', async () => {
    const seen: string[] = [];
    let next: string | null = '/api/v1/datasets?limit=2';
    let pages = 0;
    while (next) {
      const { res, body } = await json(next);
      expect(res.status).toBe(200);
      expect(body.total).toBe(5);
      seen.push(...body.items.map((d) => d.id as string));
      next = body.links.next;
      pages++;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(published.map((p) => p.datasetId).sort());
    expect(seen).not.toContain(gone.datasetId);
    const filtered = await json(
      '/api/v1/datasets?q=eclairage&theme=energie&commune=69123&org=ville-de-lyon&format=csv',
    );
    expect(filtered.body.items.map((d) => d.slug)).toEqual([published[0]!.slug]);
    expect((await json('/api/v1/datasets?org=asso-velo')).body.total).toBe(0);
  });

  it('shows a dataset with its files, versions and distributions; a retracted one is 410', async () => {
    const { res, body } = await json(`/api/v1/datasets/${published[0]!.slug}`);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      id: published[0]!.datasetId,
      title: 'Éclairage public',
      organisation: { slug: 'ville-de-lyon' },
    });
    const files = body.distributions as { downloadUrl: string; sha256: string }[];
    expect(files[0]!.downloadUrl).toMatch(new RegExp(`^${server.url}/datasets/`));
    expect((await fetch(files[0]!.downloadUrl)).status).toBe(200);
    expect((await json(`/api/v1/datasets/${published[0]!.datasetId}`)).body.slug).toBe(
      published[0]!.slug,
    );
    const versions = await json(`/api/v1/datasets/${published[0]!.slug}/versions`);
    expect(versions.body.items).toHaveLength(1);
    expect(versions.body.items[0]).toMatchObject({ number: 1, state: 'published' });
    expect(
      (await json(`/api/v1/datasets/${published[0]!.slug}/distributions`)).body.items,
    ).toHaveLength(1);
    const retracted = await get(`/api/v1/datasets/${gone.slug}`);
    expect(retracted.status).toBe(410);
    expect(retracted.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers If-None-Match with 304', async () => {
    const first = await get('/api/v1/themes');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await get('/api/v1/themes', { 'if-none-match': etag! });
    expect(again.status).toBe(304);
  });
});

describe('/api/v1 reference lists and organisations', () => {
  it('lists organisations by cursor, communes, licences and themes', async () => {
    const first = await json('/api/v1/organisations?limit=1');
    expect(first.body.items.map((o) => o.slug)).toEqual(['asso-velo']);
    const second = await json(first.body.links.next!);
    expect(second.body.items.map((o) => o.slug)).toEqual(['ville-de-lyon']);
    expect(second.body.links.next).toBeNull();
    expect((await json('/api/v1/organisations/ville-de-lyon')).body.name).toBe('Ville de Lyon');
    expect((await json('/api/v1/communes')).body.items.map((c) => c.code)).toContain('69123');
    expect((await json('/api/v1/licences')).body.items.map((c) => c.id)).toContain('lo-2.0');
    expect((await json('/api/v1/themes')).body.items.map((c) => c.code)).toContain('mobilite');
  });
});

describe('bad input', () => {
  it('never answers a hostile parameter with a 500, and errors are problem+json', async () => {
    const cases = [
      '/api/v1/datasets?limit=100000',
      '/api/v1/datasets?limit=-5',
      '/api/v1/datasets?limit=abc',
      '/api/v1/datasets?cursor=nonsense',
      `/api/v1/datasets?cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
      `/api/v1/datasets?q=${encodeURIComponent('title:(a OR b) && "x !')}`,
      `/api/v1/datasets?q=${'a'.repeat(500)}`,
      '/api/v1/datasets?theme=nonsense&org=%27%3B--',
      '/api/v1/datasets?archives=maybe',
      '/api/v1/datasets/unknown',
      `/api/v1/datasets/${'x'.repeat(3000)}`,
      '/api/v1/datasets/00000000-0000-4000-8000-000000000000/versions',
      '/api/v1/datasets/unknown/distributions',
      '/api/v1/organisations?cursor=%FF',
      '/api/v1/organisations?limit=0',
      '/api/v1/organisations/nope',
      '/api/v1/communes?x=%00',
      '/api/v1/licences?limit=-1',
      '/api/v1/themes?cursor=x',
      // CKAN-style parameters sent to the JSON API by mistake.
      `/api/v1/datasets?rows=100000&start=-5&sort=nonsense&fq=${encodeURIComponent('nonsense:"x')}`,
      '/api/v1/organisations?rows=100000&start=-5&sort=drop',
    ];
    for (const p of cases) {
      const res = await get(p);
      expect(res.status, p).toBeLessThan(500);
      if (res.status >= 400)
        expect(res.headers.get('content-type'), p).toMatch(/application\/problem\+json/);
    }
    expect((await get('/api/v1/datasets?limit=100000')).status).toBe(400);
    expect((await get('/api/v1/datasets?cursor=nonsense')).status).toBe(400);
    expect((await get('/api/v1/datasets/unknown')).status).toBe(404);
  });
});

describe('bad input: Accept', () => {
  it('answers an Accept it cannot serve with 406 and the format it serves', async () => {
    for (const p of [
      '/api/v1/datasets',
      `/api/v1/datasets/${published[0]!.slug}`,
      '/api/v1/organisations',
      '/api/v1/communes',
      '/api/v1/licences',
      '/api/v1/themes',
      '/api/v1/openapi.json',
    ]) {
      for (const accept of ['text/html', 'application/xml', 'text/csv, application/json;q=0']) {
        const res = await get(p, { accept });
        expect(res.status, `${p} ${accept}`).toBe(406);
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
        const body = (await res.json()) as { formats: { type: string }[] };
        expect(body.formats).toEqual([{ type: 'application/json' }]);
      }
      // What browsers and JSON clients send is served.
      for (const accept of [
        'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        'application/json',
        'application/*',
        '',
      ])
        expect((await get(p, { accept })).status, `${p} ${accept}`).toBe(200);
    }
  });
});

describe('OpenAPI', () => {
  it('is a valid OpenAPI 3.1 document generated from the schemas, covering every path', async () => {
    const { res, body } = await json('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(body as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const paths = Object.keys(body.paths as object);
    for (const p of [
      '/datasets',
      '/datasets/{idOrSlug}',
      '/datasets/{idOrSlug}/versions',
      '/datasets/{idOrSlug}/distributions',
      '/organisations',
      '/organisations/{slug}',
      '/communes',
      '/licences',
      '/themes',
    ]) {
      expect(paths).toContain(p);
    }
    const schemas = (
      body.components as { schemas: Record<string, { properties: Record<string, unknown> }> }
    ).schemas;
    expect(Object.keys(schemas.Dataset!.properties)).toEqual(
      expect.arrayContaining(['id', 'slug', 'title', 'distributions', 'links']),
    );
  });

  it('is rendered for people at /api', async () => {
    const res = await get('/api');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('API ouvertes');
    expect(html).toMatch(/GET (<!-- -->)?\/datasets\/{idOrSlug}<\/code>/);
    expect(html).toContain('/api/3/action/');
    // The signed-in routes too, with their method, body and how to authenticate.
    expect(html).toContain('POST /contributions</code>');
    expect(html).toContain('PATCH /contributions/{id}</code>');
    expect(html).toContain('DraftMetadata');
    expect(html).toContain('Authorization: Bearer');
    expect(html).not.toMatch(/<script[^>]+src="https?:\/\//);
  });
});
