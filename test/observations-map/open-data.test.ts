// Observations as open data: one catalogue dataset per category (published by the Métropole,
// credited to "contributeurs de terridata", ODbL), with CSV and GeoJSON distributions that
// round-trip to the published observations; a description starting with = + - @ is
// neutralised in the CSV; the job regenerates only what changed (resolution, retraction),
// keeps the download links, and the files download through the real server. A category
// without published observations gets no dataset until its first publication; once
// published, a dataset stays (and says so) even when its last observation is withdrawn.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReferenceLists } from '../../app/domain/contributions/reference.server';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import { retractContribution } from '../../app/domain/moderation/reports.server';
import { CONTRIBUTORS_CREDIT, csvField, exportChangedObservations } from '../../app/domain/observations/open-data.server';
import { resolveObservations } from '../../app/domain/observations/observations.server';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';
import { citizen, makeModerator, observe, seedReference } from '../observations/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { generatePublishedObservations } from './generate';

let t: TestDatabase;
let uploadsDir: string;
let storage: DirectoryStorage;
const ORIGIN = 'https://terridata.example';
const EVIL = ['=HYPERLINK("http://evil.example","clic")', '+33 6 12 34 56 78 appelle', '-2+3 voitures garées', '@SUM(A1:A9) déchets'];
const evilIds: string[] = [];
/** A category no observation uses yet (added to the admin-managed list by the test). */
const EMPTY = { code: 'signalisation', label: 'Signalisation' };

/** RFC 4180 parser (quotes, doubled quotes, CRLF): what a reuser's tool does. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

async function datasetOf(category: string) {
  const s = await t.db.selectFrom('observation_export_state').select('dataset_id').where('category', '=', category).executeTakeFirstOrThrow();
  const d = await t.db.selectFrom('dataset').selectAll().where('id', '=', s.dataset_id!).executeTakeFirstOrThrow();
  const dists = await t.db.selectFrom('distribution').selectAll().where('dataset_version_id', '=', d.current_version_id!).orderBy('position').execute();
  return { d, dists };
}

const fileOf = (key: string) => readFile(path.join(uploadsDir, key), 'utf8');

/** The titles of the datasets the catalogue lists. */
const catalogueTitles = async () =>
  (await t.db.selectFrom('dataset').select('metadata').where('listed', '=', true).execute()).map((d) => (d.metadata as { title: string }).title);

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-obs-open-'));
  storage = new DirectoryStorage(uploadsDir);
  await seedReferenceLists(t.db);
  await seedReference(t.db);
  await t.db.insertInto('observation_category').values({ code: EMPTY.code, label_fr: EMPTY.label, label_en: 'Road signs', position: 20 }).execute();
  // Every seeded category gets observations (the empty one stays empty).
  await generatePublishedObservations(t.db, { count: 600, categories: (await t.db.selectFrom('observation_category').select('code').where('code', '!=', EMPTY.code).execute()).map((c) => c.code) });
  const author = await citizen(t.db);
  const m = await makeModerator(t.db);
  for (const description of EVIL) {
    const { id } = await observe(t.db, author.user.id, uploadsDir, { category: 'proprete', description });
    await claimNextContribution(t.db, m, { kind: 'observation' });
    await approveContribution(t.db, m, id);
    evilIds.push(id);
  }
});
afterAll(async () => {
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('csvField', () => {
  it('neutralises = + - @ at the start of a text, quotes what must be quoted', () => {
    expect(csvField('=1+2')).toBe(`"'=1+2"`);
    expect(csvField('+33')).toBe(`"'+33"`);
    expect(csvField('-5')).toBe(`"'-5"`);
    expect(csvField('@cmd')).toBe(`"'@cmd"`);
    expect(csvField('dit "bonjour", puis\nrepart')).toBe('"dit ""bonjour"", puis\nrepart"');
    expect(csvField(-4.5)).toBe('-4.5');
    expect(csvField('Éclairage')).toBe('Éclairage');
  });
});

describe('one dataset per category', () => {
  it('the first run creates them for the categories with published observations, published by the Métropole, credited to the contributors, ODbL', async () => {
    const done = await exportChangedObservations(t.db, { storage, origin: ORIGIN });
    const categories = await t.db.selectFrom('observation_category').select('code').where('active', '=', true).where('code', '!=', EMPTY.code).execute();
    expect(categories.length).toBe(10);
    expect(done.map((d) => d.category).sort()).toEqual(categories.map((c) => c.code).sort());
    expect(done.every((d) => d.created && d.rows > 0)).toBe(true);
    // No empty dataset for the category nobody used: not in the catalogue at all.
    expect(await catalogueTitles()).not.toContain(`Observations citoyennes — ${EMPTY.label}`);
    expect(await catalogueTitles()).toContain('Observations citoyennes — Voirie');

    const { d, dists } = await datasetOf('voirie');
    const meta = d.metadata as Record<string, unknown>;
    expect(meta.title).toBe('Observations citoyennes — Voirie');
    expect(meta.licence).toBe('odbl-1.0');
    expect(String(meta.description)).toContain('modération');
    expect(String(meta.description)).toContain(CONTRIBUTORS_CREDIT);
    expect(d.listed).toBe(true);
    expect(d.slug).toBe('observations-citoyennes-voirie');
    const org = await t.db.selectFrom('organization').select(['name', 'kind']).where('id', '=', d.organization_id!).executeTakeFirstOrThrow();
    expect(org).toEqual({ name: 'Métropole de Lyon', kind: 'public_body' });
    const v = await t.db
      .selectFrom('dataset_version as v')
      .innerJoin('users as u', 'u.id', 'v.submitter_id')
      .select(['u.pseudonym', 'v.metadata'])
      .where('v.id', '=', d.current_version_id!)
      .executeTakeFirstOrThrow();
    expect(v.pseudonym).toBe(CONTRIBUTORS_CREDIT);
    expect((v.metadata as { licence: string }).licence).toBe('odbl-1.0');
    expect(dists.map((x) => [x.format, x.media_type])).toEqual([
      ['csv', 'text/csv'],
      ['geojson', 'application/geo+json'],
    ]);
  });

  it('CSV round-trip: every published observation of the category, UTF-8, properly quoted', async () => {
    const { dists } = await datasetOf('proprete');
    const rows = parseCsv(await fileOf(dists[0]!.storage_key));
    const [header, ...data] = rows;
    expect(header).toEqual(['id', 'url', 'categorie', 'categorie_libelle', 'description', 'date_observation', 'date_publication', 'commune_insee', 'commune', 'longitude', 'latitude', 'statut', 'date_resolution', 'confirmations']);
    const db = await t.db.selectFrom('observation').select(['id', 'lon', 'lat', 'description', 'commune_code', 'resolved_at']).where('listed', '=', true).where('category', '=', 'proprete').execute();
    expect(data.length).toBe(db.length);
    expect(dists[0]!.row_count).toBe(db.length);
    const byId = new Map(data.map((r) => [r[0]!, r]));
    for (const o of db) {
      const r = byId.get(o.id)!;
      expect(r[1]).toBe(`${ORIGIN}/observations/${o.id}`);
      expect(r[3]).toBe('Propreté');
      expect(Number(r[9])).toBe(o.lon);
      expect(Number(r[10])).toBe(o.lat);
      expect(r[7]).toBe(o.commune_code);
      expect(r[11]).toBe(o.resolved_at ? 'resolue' : 'ouverte');
      // A description is the same text, except the apostrophe that neutralises a formula.
      expect(r[4]!.replace(/^'(?=[=+\-@])/, '')).toBe(o.description);
    }
  });

  it('a description starting with = + - or @ is neutralised in the CSV', async () => {
    const { dists } = await datasetOf('proprete');
    const text = await fileOf(dists[0]!.storage_key);
    const data = parseCsv(text).slice(1);
    for (const [i, id] of evilIds.entries()) {
      const r = data.find((x) => x[0] === id)!;
      expect(r[4]).toBe(`'${EVIL[i]}`);
      expect(r[4]![0]).toBe("'");
    }
    // No field of the file starts with a formula character (numbers aside).
    for (const r of data) for (const f of [r[3], r[4], r[8]]) expect(f).not.toMatch(/^[=+\-@]/);
  });

  it('GeoJSON round-trip: the same observations, points in WGS 84', async () => {
    const { dists } = await datasetOf('proprete');
    const fc = JSON.parse(await fileOf(dists[1]!.storage_key)) as { type: string; features: { id: string; geometry: { coordinates: [number, number] }; properties: Record<string, unknown> }[] };
    expect(fc.type).toBe('FeatureCollection');
    const db = await t.db.selectFrom('observation').select(['id', 'lon', 'lat', 'description']).where('listed', '=', true).where('category', '=', 'proprete').execute();
    expect(fc.features.length).toBe(db.length);
    const byId = new Map(fc.features.map((f) => [f.id, f]));
    for (const o of db) {
      const f = byId.get(o.id)!;
      expect(f.geometry.coordinates).toEqual([o.lon, o.lat]);
      expect(f.properties.description).toBe(o.description);
    }
  });
});

describe('regenerated when observations change', () => {
  it('nothing changed: nothing regenerated', async () => {
    expect(await exportChangedObservations(t.db, { storage, origin: ORIGIN })).toEqual([]);
  });

  it('a resolution and a retraction regenerate that category only, at the same download links', async () => {
    const before = await datasetOf('proprete');
    const m = await makeModerator(t.db);
    expect((await resolveObservations(t.db, m, [evilIds[0]!]))[0]!.outcome).toBe('done');
    await t.db.transaction().execute((trx) => retractContribution(trx, m.id, evilIds[1]!, 'Numéro de téléphone personnel'));
    const done = await exportChangedObservations(t.db, { storage, origin: ORIGIN });
    expect(done.map((d) => d.category)).toEqual(['proprete']);
    const after = await datasetOf('proprete');
    expect(after.dists.map((x) => x.id)).toEqual(before.dists.map((x) => x.id));
    expect(after.dists[0]!.sha256).not.toBe(before.dists[0]!.sha256);
    expect(after.dists[0]!.row_count).toBe(before.dists[0]!.row_count! - 1);
    const data = parseCsv(await fileOf(after.dists[0]!.storage_key)).slice(1);
    expect(data.find((r) => r[0] === evilIds[0])![11]).toBe('resolue');
    expect(data.find((r) => r[0] === evilIds[1])).toBeUndefined();
  });

  it('the files download from the dataset page’s links (real server)', async () => {
    const server: TestServer = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
    try {
      const { d, dists } = await datasetOf('proprete');
      const res = await fetch(`${server.url}/datasets/${d.slug}/telecharger/${dists[0]!.id}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(await fileOf(dists[0]!.storage_key));
      const page = await (await fetch(`${server.url}/datasets/${d.slug}`)).text();
      expect(page).toContain('Observations citoyennes — Propreté');
      expect(page).toContain(CONTRIBUTORS_CREDIT);
    } finally {
      await server.close();
    }
  });
});

describe('a category without published observations', () => {
  it('has no dataset until its first publication, then one with that observation', async () => {
    const m = await makeModerator(t.db);
    // Submitted but not yet approved: still nothing to publish.
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir, { category: EMPTY.code, description: 'Panneau « stop » couché au carrefour.' });
    expect(await exportChangedObservations(t.db, { storage, origin: ORIGIN })).toEqual([]);
    expect(await exportChangedObservations(t.db, { storage, origin: ORIGIN, all: true }).then((d) => d.map((x) => x.category))).not.toContain(EMPTY.code);
    expect(await catalogueTitles()).not.toContain(`Observations citoyennes — ${EMPTY.label}`);

    expect((await claimNextContribution(t.db, m, { kind: 'observation' }))?.id).toBe(id);
    await approveContribution(t.db, m, id);
    const done = await exportChangedObservations(t.db, { storage, origin: ORIGIN });
    expect(done.map((d) => [d.category, d.created, d.rows])).toEqual([[EMPTY.code, true, 1]]);
    expect(await catalogueTitles()).toContain(`Observations citoyennes — ${EMPTY.label}`);
    const { d, dists } = await datasetOf(EMPTY.code);
    expect(d.slug).toBe('observations-citoyennes-signalisation');
    const data = parseCsv(await fileOf(dists[0]!.storage_key)).slice(1);
    expect(data.map((r) => [r[0], r[4]])).toEqual([[id, 'Panneau « stop » couché au carrefour.']]);
    expect((d.metadata as { temporalStart?: string }).temporalStart).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('once published, its dataset stays when its last observation is withdrawn, and says why it is empty', async () => {
    const before = await datasetOf(EMPTY.code);
    const m = await makeModerator(t.db);
    const [only] = await t.db.selectFrom('observation').select('id').where('category', '=', EMPTY.code).where('listed', '=', true).execute();
    await t.db.transaction().execute((trx) => retractContribution(trx, m.id, only!.id, 'Doublon d’un autre signalement'));
    const done = await exportChangedObservations(t.db, { storage, origin: ORIGIN });
    expect(done.map((x) => [x.category, x.created, x.rows])).toEqual([[EMPTY.code, false, 0]]);
    const after = await datasetOf(EMPTY.code);
    expect(after.d.id).toBe(before.d.id);
    expect(after.d.listed).toBe(true);
    expect(after.dists.map((x) => [x.id, x.row_count])).toEqual(before.dists.map((x) => [x.id, 0]));
    expect(parseCsv(await fileOf(after.dists[0]!.storage_key))).toHaveLength(1);
    const meta = after.d.metadata as { description: string; temporalStart?: string };
    expect(meta.description).toContain('Aucune observation de cette catégorie n’est publiée pour le moment');
    expect(meta.temporalStart).toBeUndefined();
    expect((before.d.metadata as { description: string }).description).not.toContain('Aucune observation');
  });
});
