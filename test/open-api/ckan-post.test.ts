// CKAN clients POST: ckanapi and harvesters send every action as a POST with a JSON body,
// no cookie, no Origin, an API key in a header at most. Those are answered; a POST that
// carries the site's cookies from another origin (or from nowhere) stays refused by the
// CSRF check, in CKAN's error envelope; hostile bodies get a CKAN error, never a 500.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { prepareReferences } from '../contributions/helpers';
import { publishDataset, resetCatalogueFixtures } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';

let t: TestDatabase;
let server: TestServer;
let lighting: Published;
let visitor: SignedInTestUser;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-ckan-post-'));

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  lighting = await publishDataset(t.db, refs, uploadsDir, {
    draft: { title: 'Éclairage public', keywords: ['éclairage'] },
  });
  await publishDataset(t.db, refs, uploadsDir, { draft: { title: 'Arceaux vélo' } });
  visitor = await createUserWithSession(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CKAN JSON read field by field
type Envelope = { help: string; success: boolean; result?: any; error?: any };

async function post(action: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/3/action/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { res, body: (await res.json()) as Envelope };
}

// What ckanapi's RemoteCKAN sends: JSON body, its user agent, the key in both headers.
const ckanapi = {
  'user-agent': 'ckanapi/4.8 (+https://github.com/ckan/ckanapi)',
  authorization: 'a-ckan-api-key',
  'x-ckan-api-key': 'a-ckan-api-key',
};

describe('CKAN actions by POST', () => {
  it('answers a CKAN client’s POST (JSON body, no cookie, no Origin, an API key header)', async () => {
    const search = await post(
      'package_search',
      JSON.stringify({ q: 'eclairage', rows: 5, 'facet.field': ['tags'] }),
      ckanapi,
    );
    expect(search.res.status).toBe(200);
    expect(search.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(search.body.success).toBe(true);
    expect(search.body.result.results.map((p: { name: string }) => p.name)).toEqual([
      lighting.slug,
    ]);
    expect(search.body.result.search_facets.tags.items[0].name).toBe('éclairage');
    const show = await post('package_show', JSON.stringify({ id: lighting.slug }), ckanapi);
    expect(show.body.result.title).toBe('Éclairage public');
    // No key at all, no body at all: a plain harvester.
    const list = await post('package_list', '');
    expect(list.body.result).toHaveLength(2);
  });

  it('answers the CORS preflight of a JSON POST from another site, without credentials', async () => {
    const res = await fetch(`${server.url}/api/3/action/package_search`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://portail.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'content-type',
    );
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    // The POST that follows, as the browser sends it (Origin, no cookie), is answered.
    const { res: after, body } = await post('package_list', '{}', {
      origin: 'https://portail.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(after.status).toBe(200);
    expect(after.headers.get('access-control-allow-origin')).toBe('*');
    expect(body.result).toHaveLength(2);
  });

  it('answers a POST with the site’s cookies from the site itself', async () => {
    const { res, body } = await post('package_list', '{}', {
      cookie: visitor.cookie,
      origin: server.url,
    });
    expect(res.status).toBe(200);
    expect(body.result).toHaveLength(2);
  });

  it('refuses a POST carrying cookies from another origin, or from no origin, in a CKAN envelope', async () => {
    const refused: Record<string, string>[] = [
      { cookie: visitor.cookie, origin: 'https://evil.example' },
      { cookie: visitor.cookie, origin: 'null' },
      { cookie: visitor.cookie },
      { cookie: visitor.cookie, 'sec-fetch-site': 'cross-site' },
      { cookie: visitor.cookie, referer: 'https://evil.example/page' },
    ];
    for (const headers of refused) {
      const { res, body } = await post('package_search', '{"q":"x"}', headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(body.success).toBe(false);
      expect(body.error.__type).toBe('Authorization Error');
      expect(body.help).toContain('/api/3/action/help_show?name=package_search');
    }
  });

  it('keeps the exemption to the CKAN API: a cookie-less POST elsewhere with no Origin is still refused', async () => {
    const res = await fetch(`${server.url}/api/v1/contributions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers hostile bodies with a CKAN error, never a 500', async () => {
    const cases: [string, string, number][] = [
      ['package_search', '{not json', 400],
      ['package_search', '[1,2]', 400],
      ['package_search', '"a string"', 400],
      ['package_search', JSON.stringify({ rows: 100000 }), 200],
      ['package_search', JSON.stringify({ start: -5 }), 409],
      ['package_search', JSON.stringify({ q: 'title:(a OR b) AND "x' }), 409],
      ['package_search', JSON.stringify({ q: 'title:(a OR b) AND x' }), 200],
      ['package_search', JSON.stringify({ fq: 'nonsense:"x' }), 409],
      ['package_search', JSON.stringify({ sort: 'drop table desc' }), 409],
      ['package_search', JSON.stringify({ 'facet.field': { a: 1 } }), 409],
      ['package_show', JSON.stringify({ id: { $ne: null } }), 404],
      ['package_show', JSON.stringify({ id: 'x'.repeat(5000) }), 404],
      ['organization_show', JSON.stringify({ id: null }), 409],
      ['no_such_action', '{}', 400],
    ];
    for (const [action, body, status] of cases) {
      const r = await post(action, body);
      expect(r.res.status, `${action} ${body.slice(0, 40)}`).toBe(status);
      expect(r.body).toHaveProperty('help');
      if (status !== 200) {
        expect(r.body.success).toBe(false);
        expect(r.body.error.__type).toEqual(expect.any(String));
      }
    }
  });
});
