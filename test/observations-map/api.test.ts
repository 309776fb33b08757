// GET /api/v1/observations and /api/v1/observations/:id over real HTTP: every bad input of
// the issue is a 400 problem+json (never a 500); clusters and points come back as GeoJSON;
// one observation shows what the detail panel needs, 404 unless published, 410 once retracted.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import { retractContribution } from '../../app/domain/moderation/reports.server';
import { citizen, makeModerator, observe, seedReference } from '../observations/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { Validator } from '@seriousme/openapi-schema-validator';
import { observationMapSchema, publicObservationSchema } from '../../app/domain/observations/openapi.server';
import { generatePublishedObservations } from './generate';

let t: TestDatabase;
let server: TestServer;
let uploadsDir: string;
let published: string;
let waiting: string;

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-obs-api-'));
  await seedReference(t.db);
  await generatePublishedObservations(t.db, { count: 3000 });
  const author = await citizen(t.db);
  published = (await observe(t.db, author.user.id, uploadsDir, { description: 'Banc cassé près de la fontaine.' })).id;
  const m = await makeModerator(t.db);
  await claimNextContribution(t.db, m, { kind: 'observation' });
  await approveContribution(t.db, m, published);
  waiting = (await observe(t.db, author.user.id, uploadsDir)).id;
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const get = (q: string) => fetch(`${server.url}/api/v1/observations${q}`);

describe('bad input: 400 with problem+json, never 500', () => {
  const cases: [string, string, string][] = [
    ['a malformed bbox', '?bbox=4.8,45.7,abc,45.8&zoom=12', 'bbox'],
    ['a bbox of three numbers', '?bbox=4.8,45.7,4.9&zoom=12', 'bbox'],
    ['no bbox', '?zoom=12', 'bbox'],
    ['min > max (longitudes)', '?bbox=4.9,45.7,4.8,45.8&zoom=12', 'bbox'],
    ['min > max (latitudes)', '?bbox=4.8,45.8,4.9,45.7&zoom=12', 'bbox'],
    ['a bbox larger than the world', '?bbox=-200,-95,200,95&zoom=3', 'bbox'],
    ['a zoom of 99', '?bbox=4.8,45.7,4.9,45.8&zoom=99', 'zoom'],
    ['a zoom that is not a number', '?bbox=4.8,45.7,4.9,45.8&zoom=douze', 'zoom'],
    ['an unknown category', '?bbox=4.8,45.7,4.9,45.8&zoom=12&category=licornes', 'category'],
    ['an unknown commune', '?bbox=4.8,45.7,4.9,45.8&zoom=12&commune=75056', 'commune'],
    ['a malformed date', '?bbox=4.8,45.7,4.9,45.8&zoom=12&from=hier', 'from'],
    ['a date range the wrong way round', '?bbox=4.8,45.7,4.9,45.8&zoom=12&from=2026-05-01&to=2026-04-01', 'to'],
    ['an unknown status', '?bbox=4.8,45.7,4.9,45.8&zoom=12&status=closed', 'status'],
  ];
  for (const [name, q, field] of cases) {
    it(name, async () => {
      const r = await get(q);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      const body = (await r.json()) as { status: number; title: string; errors: Record<string, string[]> };
      expect(body.status).toBe(400);
      expect(Object.keys(body.errors)).toContain(field);
    });
  }
});

describe('answers', () => {
  it('clusters at city zoom, as GeoJSON with counts that add up', async () => {
    const r = await get('?bbox=4.68,45.55,5.07,45.95&zoom=12');
    expect(r.status).toBe(200);
    const a = (await r.json()) as { type: string; mode: string; total: number; features: { properties: { count: number } }[] };
    expect(a.type).toBe('FeatureCollection');
    expect(a.mode).toBe('clusters');
    expect(a.features.reduce((s, f) => s + f.properties.count, 0)).toBe(a.total);
    expect(a.total).toBe(3001);
  });

  it('points at street zoom; a filter by category narrows them', async () => {
    const all = (await (await get('?bbox=4.8340,45.7660,4.8375,45.7690&zoom=18')).json()) as { mode: string; features: { properties: { id: string; category: string } }[] };
    expect(all.mode).toBe('points');
    expect(all.features.map((f) => f.properties.id)).toContain(published);
    expect(all.features.map((f) => f.properties.id)).not.toContain(waiting);
    const none = (await (await get('?bbox=4.8340,45.7660,4.8375,45.7690&zoom=18&category=bruit&status=resolved')).json()) as { features: { properties: { id: string; category: string } }[] };
    expect(none.features.map((f) => f.properties.id)).not.toContain(published);
    expect(none.features.every((f) => f.properties.category === 'bruit')).toBe(true);
  });

  it('the list view: newest first, at most 50', async () => {
    const a = (await (await get('?bbox=4.68,45.55,5.07,45.95&zoom=11&view=list')).json()) as { features: { properties: { observedAt: string } }[] };
    expect(a.features.length).toBe(50);
    const dates = a.features.map((f) => f.properties.observedAt);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('one observation: what the detail panel shows', async () => {
    const r = await fetch(`${server.url}/api/v1/observations/${published}`);
    expect(r.status).toBe(200);
    const o = (await r.json()) as Record<string, unknown>;
    expect(o).toMatchObject({ id: published, category: 'voirie', categoryLabel: 'Voirie', description: 'Banc cassé près de la fontaine.', communeName: 'Lyon', status: 'open', confirmations: 0, photoUrl: null });
    expect(typeof o.author).toBe('string');
    const en = (await (await fetch(`${server.url}/api/v1/observations/${published}?lng=en`)).json()) as Record<string, unknown>;
    expect(en.categoryLabel).toBe('Roads and pavements');
  });

  it('documented in the OpenAPI document (valid), and the answers match its schemas', async () => {
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const validator = new Validator();
    expect((await validator.validate(doc as Record<string, unknown>)).valid).toBe(true);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/observations', '/observations/{id}']));
    for (const q of ['?bbox=4.68,45.55,5.07,45.95&zoom=12', '?bbox=4.8340,45.7660,4.8375,45.7690&zoom=18', '?bbox=4.68,45.55,5.07,45.95&zoom=11&view=list']) {
      expect(observationMapSchema.safeParse(await (await get(q)).json()).success).toBe(true);
    }
    expect(publicObservationSchema.safeParse(await (await fetch(`${server.url}/api/v1/observations/${published}`)).json()).success).toBe(true);
  });

  it('not published: 404; unknown or malformed id: 404; retracted: 410', async () => {
    for (const id of [waiting, '00000000-0000-0000-0000-000000000000', 'pas-un-id']) {
      const r = await fetch(`${server.url}/api/v1/observations/${id}`);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    const m = await makeModerator(t.db);
    await t.db.transaction().execute((trx) => retractContribution(trx, m.id, published, 'Doublon'));
    const r = await fetch(`${server.url}/api/v1/observations/${published}`);
    expect(r.status).toBe(410);
  });
});
