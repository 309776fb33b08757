// The contributions JSON API on the real server: create a draft, save metadata, attach an
// upload, submit, read; refusals are RFC 9457 problem+json with field errors in the
// caller's language, and write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { insertUpload, prepareReferences, validDraft } from './helpers';

let t: TestDatabase;
let server: TestServer;
beforeAll(async () => {
  t = await createTestDatabase();
  await prepareReferences(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool });
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

function api(cookie: string | null, path: string, init: { method?: string; body?: unknown; lang?: string } = {}) {
  return fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(cookie ? { cookie } : {}),
      origin: server.url,
      accept: 'application/json',
      'accept-language': init.lang ?? 'fr',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    redirect: 'manual',
  });
}

describe('/api/v1/contributions', () => {
  it('answers 401 problem+json to an anonymous caller', async () => {
    const r = await api(null, '/api/v1/contributions');
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });

  it('creates, fills, attaches, submits and reads a contribution', async () => {
    const { user, cookie } = await createUserWithSession(t.db);
    const created = await api(cookie, '/api/v1/contributions', { method: 'POST', body: { kind: 'new_dataset' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(created.headers.get('location')).toBe(`/api/v1/contributions/${id}`);

    const patched = await api(cookie, `/api/v1/contributions/${id}`, {
      method: 'PATCH',
      body: { ...validDraft(), personalData: false, rightsStatement: true },
    });
    expect(patched.status).toBe(200);
    const upload = await insertUpload(t.db, user.id, { filename: 'arceaux.csv' });
    const attached = await api(cookie, `/api/v1/contributions/${id}/files`, { method: 'POST', body: { uploadId: upload } });
    expect(attached.status).toBe(200);
    expect(((await attached.json()) as { revisions: { files: { filename: string }[] }[] }).revisions[0]!.files[0]!.filename).toBe(
      'arceaux.csv',
    );

    const submitted = await api(cookie, `/api/v1/contributions/${id}/submit`, { method: 'POST' });
    expect(submitted.status).toBe(200);
    expect(await submitted.json()).toMatchObject({ state: 'submitted', revisionNumber: 1 });

    const again = await api(cookie, `/api/v1/contributions/${id}/submit`, { method: 'POST', lang: 'en' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'already_submitted', detail: expect.stringContaining('already been submitted') });

    const list = (await (await api(cookie, '/api/v1/contributions')).json()) as { contributions: { id: string; state: string }[] };
    expect(list.contributions).toEqual([expect.objectContaining({ id, state: 'submitted' })]);
  });

  it('refuses incomplete metadata with field errors in the caller’s language, and changes nothing', async () => {
    const { user, cookie } = await createUserWithSession(t.db);
    const { id } = (await (await api(cookie, '/api/v1/contributions', { method: 'POST', body: {} })).json()) as { id: string };
    await api(cookie, `/api/v1/contributions/${id}`, { method: 'PATCH', body: { title: 'Arceaux', contactEmail: 'nope' } });
    await api(cookie, `/api/v1/contributions/${id}/files`, { method: 'POST', body: { uploadId: await insertUpload(t.db, user.id) } });
    const fr = await api(cookie, `/api/v1/contributions/${id}/submit`, { method: 'POST', lang: 'fr' });
    expect(fr.status).toBe(422);
    const body = (await fr.json()) as { code: string; errors: Record<string, string[]> };
    expect(body.code).toBe('invalid_metadata');
    expect(body.errors.contactEmail).toEqual(['Adresse électronique invalide.']);
    expect(body.errors.licence).toEqual(['Choisissez une licence dans la liste.']);
    const en = (await (await api(cookie, `/api/v1/contributions/${id}/submit`, { method: 'POST', lang: 'en' })).json()) as {
      errors: Record<string, string[]>;
    };
    expect(en.errors.contactEmail).toEqual(['Invalid email address.']);
    const state = await t.db.selectFrom('contribution').select(['state', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(state).toEqual({ state: 'draft', version: 0 });
  });

  it("hides other people's contributions and refuses their uploads", async () => {
    const alice = await createUserWithSession(t.db);
    const bob = await createUserWithSession(t.db);
    const { id } = (await (await api(alice.cookie, '/api/v1/contributions', { method: 'POST', body: {} })).json()) as { id: string };
    expect((await api(bob.cookie, `/api/v1/contributions/${id}`)).status).toBe(404);
    expect((await api(bob.cookie, `/api/v1/contributions/${id}`, { method: 'PATCH', body: { title: 'hijack' } })).status).toBe(404);
    const bobsUpload = await insertUpload(t.db, bob.user.id);
    const r = await api(alice.cookie, `/api/v1/contributions/${id}/files`, { method: 'POST', body: { uploadId: bobsUpload } });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { code: string }).code).toBe('foreign_upload');
  });

  it('renders the Markdown description as text and links, never as live HTML', async () => {
    const { cookie } = await createUserWithSession(t.db);
    const { id } = (await (await api(cookie, '/api/v1/contributions', { method: 'POST', body: {} })).json()) as { id: string };
    await api(cookie, `/api/v1/contributions/${id}`, {
      method: 'PATCH',
      body: { description: 'Des **arceaux** <script>alert("x")</script> [voir](javascript:alert(1)) <img src=x onerror=alert(2)>' },
    });
    const page = await fetch(`${server.url}/contribuer/${id}?etape=verification`, { headers: { cookie } });
    // The rendered page (the loader data serialised for hydration is JSON text, not markup).
    const html = (await page.text()).split('<main')[1]!.split('</main>')[0]!;
    expect(page.status).toBe(200);
    expect(html).toContain('<strong>arceaux</strong>');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('javascript:alert');
    expect(html).not.toMatch(/<img[^>]*onerror/);
  });
});
