// The observation pages over real HTTP (the production build, the real Express app): the
// form refuses each bad input with a clear message in French and stores nothing; photos
// too large or that are programs are refused (by the tus endpoint, or at submission);
// confirming twice, one's own, or signed out is refused; the pages show what they should.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { createUpload, patchUpload } from '../uploads/helpers';
import { citizen, makeModerator, observe, seedReference, validFields } from './helpers';
import type { SignedInTestUser } from '../support/auth';

let t: TestDatabase;
let uploadsDir: string;
let server: TestServer;
let me: SignedInTestUser;

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-obs-http-'));
  await seedReference(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
  me = await citizen(t.db);
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

const count = async (table: 'contribution' | 'observation' | 'confirmation' | 'upload') =>
  Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

function post(pathname: string, fields: Record<string, unknown>, cookie?: string) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.set(k, String(v));
  return fetch(`${server.url}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, ...(cookie ? { Cookie: cookie } : {}) },
    body,
  });
}

/** The page's text, with entities and typographic apostrophes as a reader sees them. */
const text = (html: string) => html.replace(/&#x27;|&#39;/g, '’').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('the observation form', () => {
  it('asks visitors to sign in', async () => {
    const res = await fetch(`${server.url}/observations/nouvelle`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/connexion\?redirectTo=/);
  });

  it('shows the form, its categories and the commune outlines to a citizen', async () => {
    const res = await fetch(`${server.url}/observations/nouvelle`, { headers: { Cookie: me.cookie } });
    expect(res.status).toBe(200);
    const html = text(await res.text());
    expect(html).toContain('Signaler une observation');
    expect(html).toContain('Stationnement vélo');
    expect(html).toContain('Qualité de l’air');
    expect(html).toContain('name="lon"');
    expect(html).toContain('Villeurbanne'); // outlines, for the map
  });

  it.each([
    ['a point outside the Métropole', { lon: '2.3522', lat: '48.8566' }, 'Ce point est hors de la Métropole de Lyon'],
    ['the point (0, 0)', { lon: '0', lat: '0' }, 'Ce point est hors de la Métropole de Lyon'],
    ['latitude 91', { lat: '91' }, 'La latitude doit être comprise entre -90 et 90.'],
    ['a missing category', { category: '' }, 'Choisissez une catégorie.'],
    ['a 10 000-character description', { description: 'é'.repeat(10_000) }, 'La description est trop longue : 2000 caractères au plus.'],
    ['a date in the future', { observedAt: '2099-06-01T10:00' }, 'La date ne peut pas être dans le futur.'],
    ['a photo that does not exist', { photoUploadId: 'abcdef0123456789' }, 'Cette photo est introuvable'],
  ])('refuses %s with a clear message and stores nothing', async (_name, overrides, message) => {
    const before = [await count('contribution'), await count('observation')];
    const res = await post('/observations/nouvelle', validFields(overrides), me.cookie);
    expect(res.status).toBe(422);
    const html = text(await res.text());
    expect(html).toContain(message);
    expect(html).toContain('L’observation n’a pas été envoyée');
    expect([await count('contribution'), await count('observation')]).toEqual(before);
  });

  it('answers in English when asked', async () => {
    const res = await post('/observations/nouvelle?lng=en', validFields({ lat: '91' }), me.cookie);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('The latitude must be between -90 and 90.');
  });

  it('accepts a valid observation (comma decimals too) and shows it to its author', async () => {
    const res = await post('/observations/nouvelle', validFields({ lon: '4,8357', lat: '45,7676' }), me.cookie);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/observations\/[0-9a-f-]{36}\?envoyee=1$/);
    const page = await fetch(`${server.url}${location}`, { headers: { Cookie: me.cookie } });
    const html = text(await page.text());
    expect(html).toContain('Merci ! Votre observation a été envoyée aux modérateurs.');
    expect(html).toContain('Voirie — Lyon');
    expect(html).toContain('À confirmer');
    const mine = text(await (await fetch(`${server.url}/compte/observations`, { headers: { Cookie: me.cookie } })).text());
    expect(mine).toContain('Voirie — Lyon');
    expect(mine).toContain('Envoyée');
  });
});

describe('photos at the upload endpoint and at submission', () => {
  it('refuses a 40 MB photo before storing any byte', async () => {
    const before = await count('upload');
    const { res, body } = await createUpload(server.url, {
      origin: server.url,
      cookie: me.cookie,
      length: 40_000_000,
      metadata: { purpose: 'photo', filename: 'grande.jpg', filetype: 'image/jpeg' },
    });
    expect(res.status).toBe(413);
    expect(body).toContain('trop volumineux');
    expect(await count('upload')).toBe(before);
  });

  it('refuses, at submission, a photo that is really an executable (sent through tus)', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.alloc(400)]);
    const created = await createUpload(server.url, {
      origin: server.url,
      cookie: me.cookie,
      length: exe.length,
      metadata: { purpose: 'photo', filename: 'photo.jpg', filetype: 'image/jpeg' },
    });
    expect(created.res.status).toBe(201);
    const patched = await patchUpload(created.url!, { origin: server.url, cookie: me.cookie, offset: 0, body: new Uint8Array(exe) });
    expect(patched.res.status).toBe(204);
    const uploadId = created.url!.split('/').pop()!;
    const before = await count('observation');
    const res = await post('/observations/nouvelle', validFields({ photoUploadId: uploadId }), me.cookie);
    expect(res.status).toBe(422);
    const html = text(await res.text());
    expect(html).toContain('La photo est refusée.');
    expect(html).toContain('en réalité un programme');
    expect(await count('observation')).toBe(before);
  });
});

describe('confirming over HTTP', () => {
  it('refuses signed out (to the sign-in page), one’s own, and twice; accepts another citizen once', async () => {
    const author = await citizen(t.db);
    const { id } = await observe(t.db, author.user.id, uploadsDir);
    const before = await count('confirmation');

    const anon = await post(`/observations/${id}`, { intent: 'confirm' });
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toMatch(/^\/connexion/);
    // Visitors do not even see a waiting observation.
    expect((await fetch(`${server.url}/observations/${id}`)).status).toBe(404);

    const own = await post(`/observations/${id}`, { intent: 'confirm' }, author.cookie);
    expect(own.status).toBe(403);
    expect(text(await own.text())).toContain('Vous ne pouvez pas confirmer votre propre observation.');

    const other = await citizen(t.db);
    const page = text(await (await fetch(`${server.url}/observations/${id}`, { headers: { Cookie: other.cookie } })).text());
    expect(page).toContain('Je l’ai vu aussi');
    const ok = await post(`/observations/${id}`, { intent: 'confirm' }, other.cookie);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe(`/observations/${id}?confirmee=1`);
    const twice = await post(`/observations/${id}`, { intent: 'confirm' }, other.cookie);
    expect(twice.status).toBe(409);
    expect(text(await twice.text())).toContain('Vous avez déjà confirmé cette observation.');
    expect(await count('confirmation')).toBe(before + 1);
  });
});

describe('moderators', () => {
  it('mark published observations as resolved in bulk from /moderation/observations; citizens may not', async () => {
    const m = await makeModerator(t.db);
    const trusted = await citizen(t.db, { ageDays: 100, balance: 50 });
    const a = await observe(t.db, trusted.user.id, uploadsDir);
    const b = await observe(t.db, trusted.user.id, uploadsDir);
    expect(a.state).toBe('published');
    const list = text(await (await fetch(`${server.url}/moderation/observations`, { headers: { Cookie: m.cookie } })).text());
    expect(list).toContain(a.id);
    const body = new URLSearchParams([
      ['intent', 'resolve'],
      ['ids', a.id],
      ['ids', b.id],
    ]);
    const refused = await fetch(`${server.url}/moderation/observations`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: me.cookie },
      body,
    });
    expect(refused.status).toBe(403);
    const res = await fetch(`${server.url}/moderation/observations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: m.cookie },
      body,
    });
    expect(res.status).toBe(200);
    expect(text(await res.text())).toContain('2 observations mises à jour.');
    const resolved = await t.db.selectFrom('observation').select('resolved_at').where('id', 'in', [a.id, b.id]).execute();
    expect(resolved.every((r) => r.resolved_at)).toBe(true);
    // The public page says so.
    expect(text(await (await fetch(`${server.url}/observations/${a.id}`)).text())).toContain('Résolu le');
    expect(text(await (await fetch(`${server.url}/observations`)).text())).toContain(a.id);
  });
});
