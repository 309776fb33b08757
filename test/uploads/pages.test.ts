// The file page and the uploads API, served by the real server: signed-in only, each user
// sees their own uploads, with their status and, when refused, why.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadView } from '../../app/domain/uploads/uploads.schema';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { tusUpload } from './helpers';

let tdb: TestDatabase;
let server: TestServer;
let uploadsDir: string;
let alice: SignedInTestUser;
let bob: SignedInTestUser;

beforeAll(async () => {
  tdb = await createTestDatabase();
  uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-pages-'));
  server = await startTestServer({ db: tdb.db, pool: tdb.pool, env: { UPLOADS_DIR: uploadsDir } });
  alice = await createUserWithSession(tdb.db);
  bob = await createUserWithSession(tdb.db);
});

afterAll(async () => {
  await server?.close();
  await tdb?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('/compte/fichiers', () => {
  it('sends an anonymous visitor to the sign-in page, and back here afterwards', async () => {
    const res = await fetch(`${server.url}/compte/fichiers`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/connexion?redirectTo=%2Fcompte%2Ffichiers');
  });

  it('shows my uploads with their status, not those of others, under the CSP', async () => {
    const mine = await tusUpload(server.url, Buffer.from('a;b\n1;2\n'), {
      cookie: alice.cookie,
      metadata: { filename: 'alice-communes.csv', purpose: 'dataset' },
    });
    expect(mine.error).toBeNull();
    await tusUpload(server.url, Buffer.from('a;b\n1;2\n'), {
      cookie: bob.cookie,
      metadata: { filename: 'bob-secret.csv', purpose: 'dataset' },
    });
    const res = await fetch(`${server.url}/compte/fichiers`, { headers: { Cookie: alice.cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Mes fichiers</h1>');
    expect(html).toContain('alice-communes.csv');
    expect(html).toContain('Reçu, vérification en cours');
    expect(html).not.toContain('bob-secret.csv');
    // The Uppy styles are linked files (style-src 'self'), and scripts carry the nonce.
    expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/style\.min-[^"]+\.css"/);
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)![1];
    expect(html).toContain(`nonce="${nonce}"`);
  });

  it('is in English when asked', async () => {
    const res = await fetch(`${server.url}/compte/fichiers?lng=en`, {
      headers: { Cookie: alice.cookie },
    });
    expect(await res.text()).toContain('<h1>My files</h1>');
  });
});

describe('GET /api/v1/uploads', () => {
  it('answers 401 to an anonymous request', async () => {
    const res = await fetch(`${server.url}/api/v1/uploads`);
    expect(res.status).toBe(401);
  });

  it("lists the user's own uploads, with the reasons of a refusal in both languages", async () => {
    const r = await tusUpload(server.url, Buffer.from('MZ\x90\x00binary'), {
      cookie: bob.cookie,
      metadata: { filename: 'tableau.csv', purpose: 'dataset' },
    });
    const id = r.url!.split('/').pop()!;
    await tdb.db
      .updateTable('upload')
      .set({
        status: 'invalid',
        detected_format: 'executable',
        report: JSON.stringify({
          reasons: [{ code: 'upload.executable', fr: 'Un programme.', en: 'A program.' }],
        }),
      })
      .where('id', '=', id)
      .execute();
    const res = await fetch(`${server.url}/api/v1/uploads`, { headers: { Cookie: bob.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { uploads } = (await res.json()) as { uploads: UploadView[] };
    expect(uploads.map((u) => u.filename).sort()).toEqual(['bob-secret.csv', 'tableau.csv']);
    expect(uploads.find((u) => u.id === id)).toMatchObject({
      status: 'invalid',
      detectedFormat: 'executable',
      problems: [{ code: 'upload.executable', fr: 'Un programme.', en: 'A program.' }],
    });
  });
});
