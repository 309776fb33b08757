// The CKAN-compatible API through the real HTTP server: envelope and shapes compared to
// CKAN's own (test/fixtures/ckan/), field by field as harvesters read them, search
// parameters, retracted datasets as "deleted", and hostile parameters (never a 500).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { prepareReferences } from '../contributions/helpers';
import { csvReport, publishDataset, resetCatalogueFixtures, retract } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';
import { createUserWithSession } from '../support/auth';
import { shapeErrors } from './shape';

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '../fixtures/ckan', name), 'utf8'));

let t: TestDatabase;
let server: TestServer;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-ckan-'));
let lighting: Published;
let bikes: Published;
let gone: Published;

const api = async (action: string, params: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}/api/3/action/${action}?${new URLSearchParams(params)}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- CKAN JSON read field by field
  const body = (await res.json()) as { help: string; success: boolean; result?: any; error?: any };
  return { res, body };
};

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  const org = await t.db
    .insertInto('organization')
    .values({
      slug: 'ville-de-lyon',
      name: 'Ville de Lyon',
      kind: 'public_body',
      siren: '216901231',
      description: 'La ville.',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const member = await createUserWithSession(t.db);
  await t.db
    .insertInto('membership')
    .values({ user_id: member.user.id, organization_id: org.id, role: 'admin' })
    .execute();
  lighting = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: member.user.id,
    draft: {
      title: 'Éclairage public de Lyon',
      description: 'Les points lumineux du réseau.',
      communes: ['69123'],
      keywords: ['éclairage', 'énergie'],
      themes: ['energie'],
      organizationId: org.id,
      temporalStart: '2020-01-01',
      temporalEnd: '2024-12-31',
      updateFrequency: 'monthly',
    },
    files: [
      {
        filename: 'points-lumineux.csv',
        content: 'id;nom\n1;A\n',
        report: csvReport(1, ['id', 'nom']),
      },
    ],
  });
  bikes = await publishDataset(t.db, refs, uploadsDir, {
    draft: { title: 'Arceaux vélo de Villeurbanne', keywords: ['vélo'] },
  });
  gone = await publishDataset(t.db, refs, uploadsDir, {
    draft: { title: 'Données retirées', keywords: ['retrait'] },
  });
  await retract(t.db, gone.contributionId);
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('CKAN envelope and shapes', () => {
  it('package_show has CKAN’s keys, types and nesting, with what harvesters read', async () => {
    const { res, body } = await api('package_show', { id: lighting.slug });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(shapeErrors(fixture('package_show.json'), body)).toEqual([]);
    const p = body.result;
    expect(p).toMatchObject({
      id: lighting.datasetId,
      name: lighting.slug,
      title: 'Éclairage public de Lyon',
      notes: 'Les points lumineux du réseau.',
    });
    expect(p.url).toBe(`${server.url}/datasets/${lighting.slug}`);
    expect(p.license_id).toBe('lo-2.0');
    expect(p.license_title).toContain('Licence Ouverte');
    expect(p.tags.map((x: { name: string }) => x.name).sort()).toEqual(
      ['énergie', 'éclairage'].sort(),
    );
    expect(p.private).toBe(false);
    expect(p.type).toBe('dataset');
    expect(p.state).toBe('active');
    expect(p.organization).toMatchObject({
      name: 'ville-de-lyon',
      title: 'Ville de Lyon',
      is_organization: true,
      type: 'organization',
    });
    expect(p.author).toBe('Ville de Lyon');
    expect(p.maintainer).toBe('Camille Martin');
    expect(p.maintainer_email).toBe('camille@example.org');
    expect(p.metadata_created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    expect(p.metadata_modified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    const extras = Object.fromEntries(
      p.extras.map((e: { key: string; value: string }) => [e.key, e.value]),
    );
    expect(extras.frequency).toBe('monthly');
    expect(extras.temporal_start).toBe('2020-01-01');
    expect(extras.temporal_end).toBe('2024-12-31');
    const spatial = JSON.parse(extras.spatial);
    expect(spatial.type).toBe('Polygon');
    expect(spatial.coordinates[0]).toHaveLength(5);
    expect(p.resources).toHaveLength(1);
    const r = p.resources[0];
    expect(r).toMatchObject({
      position: 0,
      name: 'points-lumineux.csv',
      format: 'CSV',
      resource_type: 'file',
    });
    expect(r.size).toBe(Buffer.byteLength('id;nom\n1;A\n'));
    expect(r.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.mimetype).toMatch(/csv|text/);
    expect(r.url).toMatch(new RegExp(`^${server.url}/datasets/${lighting.slug}/telecharger/`));
    for (const k of ['id', 'description', 'created', 'last_modified']) expect(r).toHaveProperty(k);
    const download = await fetch(r.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('id;nom\n1;A\n');
  });

  it('package_show by id works too, and a retracted dataset is state "deleted" with no files', async () => {
    expect((await api('package_show', { id: lighting.datasetId })).body.result.name).toBe(
      lighting.slug,
    );
    const { res, body } = await api('package_show', { id: gone.slug });
    expect(res.status).toBe(200);
    expect(body.result.state).toBe('deleted');
    expect(body.result.resources).toEqual([]);
  });

  it('organization_show has CKAN’s shape; organization_list gives names or full objects', async () => {
    const { body } = await api('organization_show', {
      id: 'ville-de-lyon',
      include_datasets: 'true',
    });
    expect(shapeErrors(fixture('organization_show.json'), body)).toEqual([]);
    expect(body.result).toMatchObject({
      name: 'ville-de-lyon',
      title: 'Ville de Lyon',
      package_count: 1,
    });
    expect(body.result.packages.map((p: { name: string }) => p.name)).toEqual([lighting.slug]);
    expect((await api('organization_list')).body.result).toEqual(['ville-de-lyon']);
    const full = await api('organization_list', { all_fields: 'true' });
    expect(full.body.result[0]).toMatchObject({ name: 'ville-de-lyon', package_count: 1 });
  });

  it('package_list lists published datasets only; license_list and status_show answer', async () => {
    const list = (await api('package_list')).body.result as string[];
    expect(list.sort()).toEqual([lighting.slug, bikes.slug].sort());
    const licences = (await api('license_list')).body.result;
    expect(licences.map((l: { id: string }) => l.id)).toContain('lo-2.0');
    expect(licences[0]).toHaveProperty('title');
    expect(licences[0]).toHaveProperty('url');
    const status = (await api('status_show')).body;
    expect(status.success).toBe(true);
    expect(status.result.ckan_version).toMatch(/^2\./);
  });

  it('errors are CKAN error envelopes', async () => {
    const { res, body } = await api('package_show', { id: 'nope' });
    expect(res.status).toBe(404);
    expect(shapeErrors(fixture('error.json'), body)).toEqual([]);
    expect(body.success).toBe(false);
    expect(body.error.__type).toBe('Not Found Error');
  });
});

describe('package_search', () => {
  it('searches words and field:value terms, filters with fq, counts and pages', async () => {
    const all = await api('package_search');
    expect(all.body.result.count).toBe(2);
    expect(all.body.result.results).toHaveLength(2);
    expect(
      shapeErrors(
        fixture('package_show.json').result.resources[0],
        all.body.result.results[0].resources[0],
      ),
    ).toEqual([]);
    expect(
      (await api('package_search', { q: 'eclairage' })).body.result.results.map(
        (p: { name: string }) => p.name,
      ),
    ).toEqual([lighting.slug]);
    expect(
      (await api('package_search', { q: 'tags:vélo' })).body.result.results.map(
        (p: { name: string }) => p.name,
      ),
    ).toEqual([bikes.slug]);
    expect(
      (await api('package_search', { fq: 'organization:ville-de-lyon' })).body.result.count,
    ).toBe(1);
    expect((await api('package_search', { fq: 'tags:"éclairage"' })).body.result.count).toBe(1);
    expect((await api('package_search', { fq: 'res_format:CSV' })).body.result.count).toBe(2);
    expect(
      (await api('package_search', { fq: 'metadata_modified:[2000-01-01T00:00:00Z TO *]' })).body
        .result.count,
    ).toBe(2);
    expect(
      (await api('package_search', { fq: 'metadata_modified:[2999-01-01T00:00:00Z TO *]' })).body
        .result.count,
    ).toBe(0);
    const page = await api('package_search', { rows: '1', start: '1', sort: 'name asc' });
    expect(page.body.result.count).toBe(2);
    expect(page.body.result.results.map((p: { name: string }) => p.name)).toEqual([
      [lighting.slug, bikes.slug].sort()[1],
    ]);
    const past = await api('package_search', { start: '50' });
    expect(past.body.result).toMatchObject({ count: 2, results: [] });
    for (const sort of ['metadata_modified desc', 'id asc', 'name asc', 'score desc']) {
      expect((await api('package_search', { sort })).body.result.results).toHaveLength(2);
    }
  });

  it('gives facets in search_facets', async () => {
    const { body } = await api('package_search', {
      'facet.field': JSON.stringify(['organization', 'tags', 'res_format']),
    });
    const f = body.result.search_facets;
    expect(f.organization.items).toEqual([
      { name: 'ville-de-lyon', display_name: 'Ville de Lyon', count: 1 },
    ]);
    expect(f.res_format.items).toEqual([{ name: 'CSV', display_name: 'CSV', count: 2 }]);
    expect(f.tags.items.map((i: { name: string }) => i.name)).toContain('vélo');
  });

  it('never answers a hostile parameter with a 500', async () => {
    const cases: [string, Record<string, string>][] = [
      ['package_search', { rows: '100000' }],
      ['package_search', { start: '-5' }],
      ['package_search', { rows: 'abc' }],
      ['package_search', { q: 'title:(a OR b) AND "x' }],
      ['package_search', { q: '*:* && || ! ( ) { } [ ] ^ " ~ * ? : \\ /' }],
      ['package_search', { fq: 'nonsense:"x' }],
      ['package_search', { fq: 'nonsense:x' }],
      ['package_search', { fq: 'metadata_modified:[yesterday TO *]' }],
      ['package_search', { sort: 'drop table desc' }],
      ['package_search', { 'facet.field': 'not json' }],
      ['package_search', { 'facet.field': '["password"]' }],
      ['package_show', {}],
      ['package_show', { id: 'x'.repeat(5000) }],
      ['package_show', { id: "'; select 1; --" }],
      ['organization_show', { id: '00000000-0000-4000-8000-000000000000' }],
      ['organization_list', { sort: 'evil' }],
      ['organization_list', { limit: '-1' }],
      ['package_list', { offset: '1e9' }],
      ['no_such_action', {}],
    ];
    for (const [action, params] of cases) {
      const { res, body } = await api(action, params);
      expect(res.status, `${action} ${JSON.stringify(params)}`).toBeLessThan(500);
      expect(body).toHaveProperty('success');
      expect(body).toHaveProperty('help');
      if (!body.success) expect(body.error.__type).toEqual(expect.any(String));
    }
    expect((await api('package_search', { rows: '100000' })).body.success).toBe(true);
    expect((await api('package_search', { start: '-5' })).res.status).toBe(409);
    expect((await api('package_search', { fq: 'nonsense:"x' })).body.success).toBe(false);
    expect((await api('package_search', { sort: 'drop table desc' })).body.error.__type).toBe(
      'Validation Error',
    );
    expect((await api('no_such_action')).res.status).toBe(400);
  });
});
