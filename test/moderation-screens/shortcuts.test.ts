// The review screen over real HTTP: a GeoJSON file previewed on a map over the commune outlines
// (shapes only, properties as escaped text), and the moderator's single-key shortcuts (listed,
// turned off in one click, remapped; bad keys refused field by field, nothing saved).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { exportPersonalData } from '../../app/domain/identity/personal-data.features.server';
import { communeOutlines } from '../../app/domain/catalogue/dataset-page.server';
import { claimContribution, getReviewItem } from '../../app/domain/moderation/queue.server';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';
import { loadModerator } from '../../app/domain/moderation/moderation.server';
import { prepareReferences } from '../contributions/helpers';
import { submitted } from '../moderation/helpers';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';

let t: TestDatabase;
let s: TestServer;
let refs: ReferenceLists;
let uploadsDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = await mkdtemp(path.join(os.tmpdir(), 'td-modshortcuts-'));
  refs = await prepareReferences(t.db);
  s = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
});
afterAll(async () => {
  await s?.close();
  await t?.close();
  await rm(uploadsDir, { recursive: true, force: true });
});

async function moderator() {
  const u = await createUserWithSession(t.db);
  await t.db.updateTable('users').set({ totp_enabled_at: new Date(), totp_secret: 'JBSWY3DPEHPK3PXP' }).where('id', '=', u.user.id).execute();
  await t.db.insertInto('moderator_scope').values({ user_id: u.user.id, kind: 'territory', code: '200046977' }).execute();
  return { m: (await loadModerator(t.db, u.user.id))!, cookie: u.cookie };
}

function post(url: string, cookie: string, fields: Record<string, string>) {
  return fetch(`${s.url}${url}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, Origin: s.url, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}
const get = (url: string, cookie: string) => fetch(`${s.url}${url}`, { redirect: 'manual', headers: { Cookie: cookie } });

/** The stored file of a submitted contribution, renamed as a GeoJSON upload with the given bytes. */
async function asGeoJson(id: string, content: string) {
  const up = await t.db
    .selectFrom('contribution as c')
    .innerJoin('revision_upload as ru', 'ru.revision_id', 'c.current_revision_id')
    .innerJoin('upload as u', 'u.id', 'ru.upload_id')
    .select(['u.id', 'u.storage_key'])
    .where('c.id', '=', id)
    .executeTakeFirstOrThrow();
  await writeFile(path.join(uploadsDir, up.storage_key), content);
  await t.db.updateTable('upload').set({ filename: 'arceaux.geojson', detected_format: 'json', size: Buffer.byteLength(content) }).where('id', '=', up.id).execute();
}

describe('GeoJSON preview on the review screen', () => {
  it('sends the first features without their properties, the commune outlines, and the properties as escaped text', async () => {
    const mod = await moderator();
    const { id } = await submitted(t.db, refs, uploadsDir, { draft: { title: 'Arceaux vélo', communes: ['69266'] } });
    const stored = Array.from({ length: 3 }, (_, i) => ({
      type: 'Feature',
      properties: { nom: i === 0 ? '<img src=x onerror=alert(1)>' : `Arceau ${i}`, places: 4 + i },
      geometry: { type: 'Point', coordinates: [4.88 + i / 100, 45.77] },
    }));
    await asGeoJson(id, JSON.stringify({ type: 'FeatureCollection', features: stored }));
    await claimContribution(t.db, mod.m, id);
    const html = await (await get(`/moderation/${id}`, mod.cookie)).text();
    expect(html).toContain('data-testid="geo-preview"');
    expect(html).toContain('3 objets sur 3 sont dessinés sur la carte');
    expect(html).toContain('Propriétés des premiers objets de « arceaux.geojson »');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('aria-label="Carte des 3 premiers objets de « arceaux.geojson » sur les contours des communes"');
    // What the page is given: the shapes without their properties, and Villeurbanne's outline.
    const item = (await getReviewItem(t.db, mod.m, id, { storage: new DirectoryStorage(uploadsDir) }))!;
    const preview = item.revisions[0]!.files[0]!.preview;
    expect(preview?.kind).toBe('geojson');
    const features = preview?.kind === 'geojson' ? (preview.collection.features as { properties: object }[]) : [];
    expect(features).toHaveLength(3);
    expect(features.every((f) => Object.keys(f.properties).length === 0)).toBe(true);
    const outlines = await communeOutlines(t.db, item.communes);
    expect(outlines.features.map((f) => (f as { properties: { code: string } }).properties.code)).toContain('69266');
  });
});

describe('single-key shortcuts', () => {
  it('lists the shortcuts, turns them off in one click and back, and remaps them', async () => {
    const mod = await moderator();
    const { id } = await submitted(t.db, refs, uploadsDir);
    await claimContribution(t.db, mod.m, id);
    let html = await (await get(`/moderation/${id}`, mod.cookie)).text();
    expect(html).toContain('Raccourcis clavier');
    expect(html).toMatch(/<kbd>a<\/kbd><\/dt><dd>Choisir « Approuver »<\/dd>/);
    expect(html).toContain('aria-keyshortcuts="a"');
    expect(html).toContain('Désactiver les raccourcis à une touche');

    // The one-click form of the panel.
    let r = await post('/moderation/raccourcis', mod.cookie, { back: `/moderation/${id}`, next: 'n', approve: 'a', reject: 'r', changes: 'm' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(`/moderation/${id}`);
    html = await (await get(`/moderation/${id}`, mod.cookie)).text();
    expect(html).toContain('Les raccourcis à une touche sont désactivés.');
    expect(html).not.toContain('aria-keyshortcuts');
    expect(html).toContain('Réactiver les raccourcis à une touche');
    html = await (await get('/moderation', mod.cookie)).text();
    expect(html).toContain('Les raccourcis à une touche sont désactivés.');

    // Remapped and back on.
    r = await post('/moderation/raccourcis', mod.cookie, { back: '/moderation?kind=dataset', enabled: 'on', next: 'J', approve: 'p', reject: 'x', changes: '2' });
    expect(r.headers.get('location')).toBe('/moderation?kind=dataset');
    html = await (await get(`/moderation/${id}`, mod.cookie)).text();
    expect(html).toContain('aria-keyshortcuts="p"');
    expect(html).toContain('aria-keyshortcuts="j"');
    expect(html).toMatch(/<kbd>2<\/kbd><\/dt><dd>Choisir « Demander des modifications »<\/dd>/);
    expect((await exportPersonalData(t.db, mod.m.id)).data.moderation_shortcuts).toMatchObject({ enabled: true, keys: { next: 'j', approve: 'p', reject: 'x', changes: '2' } });
  });

  it('refuses keys that are not one letter or digit, or used twice, field by field, and saves nothing', async () => {
    const mod = await moderator();
    const bad: [Record<string, string>, string][] = [
      [{ next: 'n', approve: 'a', reject: 'r', changes: 'a' }, 'La touche « a » sert déjà à « Choisir « Approuver » ».'],
      [{ next: 'nn', approve: 'a', reject: 'r', changes: 'm' }, 'Une seule lettre (a à z) ou un seul chiffre.'],
      [{ next: '<', approve: 'a', reject: 'r', changes: 'm' }, 'Une seule lettre (a à z) ou un seul chiffre.'],
      [{ next: ' ', approve: 'a', reject: 'r', changes: 'm' }, 'Une seule lettre (a à z) ou un seul chiffre.'],
      [{ next: '', approve: 'a', reject: 'r', changes: 'm' }, 'Choisissez une touche.'],
      [{ approve: 'a', reject: 'r', changes: 'm' }, 'Choisissez une touche.'],
    ];
    for (const [fields, message] of bad) {
      const r = await post('/moderation/raccourcis', mod.cookie, { back: '/moderation', enabled: 'on', ...fields });
      expect(r.status, JSON.stringify(fields)).toBe(400);
      const html = await r.text();
      expect(html, JSON.stringify(fields)).toContain(message);
      expect(html).toContain('aria-invalid="true"');
    }
    expect(await t.db.selectFrom('shortcut_preference').select('user_id').where('user_id', '=', mod.m.id).execute()).toEqual([]);
    // Going back is only ever to a moderation page: elsewhere falls back to the settings page.
    const r = await post('/moderation/raccourcis', mod.cookie, { back: 'https://evil.example/moderation', next: 'n', approve: 'a', reject: 'r', changes: 'm', enabled: 'on' });
    expect(r.headers.get('location')).toBe('/moderation/raccourcis?enregistre=1');
    // Not a moderator: refused.
    const citizen = await createUserWithSession(t.db);
    expect((await post('/moderation/raccourcis', citizen.cookie, { next: 'n', approve: 'a', reject: 'r', changes: 'm' })).status).toBe(403);
  });
});
