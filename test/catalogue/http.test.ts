// The catalogue through the real HTTP server: search pages and their bad input, dataset
// pages (sanitised Markdown, provenance, tombstones), downloads (headers, validators,
// ranges, counts, HTML never inline, retracted files), archive and report forms, commune
// and home pages.
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
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { prepareReferences } from '../contributions/helpers';
import { csvReport, publishDataset, retract } from './helpers';
import type { Published } from './helpers';

let t: TestDatabase;
let server: TestServer;
let refs: ReferenceLists;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-catalogue-http-'));
let lighting: Published;
let html: Published;
let admin: SignedInTestUser;
let lightingCsvId: string;
const CSV = 'id;nom;puissance;date_pose;actif\n' + Array.from({ length: 80 }, (_, i) => `${i + 1};Lampe ${i + 1};${(i % 5) * 10 + 0.5};2024-01-${String((i % 28) + 1).padStart(2, '0')};oui`).join('\n') + '\n';

const get = (p: string, headers: Record<string, string> = {}) => fetch(`${server.url}${p}`, { headers, redirect: 'manual' });
const post = (p: string, user: SignedInTestUser, form: Record<string, string>) =>
  fetch(`${server.url}${p}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: user.cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  admin = await createUserWithSession(t.db);
  const org = await t.db
    .insertInto('organization')
    .values({ slug: 'ville-de-lyon', name: 'Ville de Lyon', kind: 'public_body', siren: '216901231' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db.insertInto('membership').values({ user_id: admin.user.id, organization_id: org.id, role: 'admin' }).execute();
  lighting = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: admin.user.id,
    draft: {
      title: 'Éclairage public de Lyon',
      description:
        'Les **points lumineux** du réseau.\n\n<script>alert("xss")</script><img src=x onerror="alert(1)">\n\n[lien piégé](javascript:alert(1)) et [documentation](https://example.org/doc).',
      communes: ['69123'],
      organizationId: org.id,
    },
    files: [{ filename: 'points-lumineux.csv', content: CSV, report: csvReport(80, ['id', 'nom', 'puissance', 'date_pose', 'actif']) }],
  });
  html = await publishDataset(t.db, refs, uploadsDir, {
    draft: { title: 'Page piégée', description: 'Un fichier HTML déposé comme distribution.' },
    files: [{ filename: 'page.html', content: '<html><body><script>alert(document.cookie)</script></body></html>' }],
  });
  lightingCsvId = (await t.db.selectFrom('distribution').select('id').where('filename', '=', 'points-lumineux.csv').executeTakeFirstOrThrow()).id;
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('search page', () => {
  it('answers a plain GET form (no JavaScript) with results, facets and counts', async () => {
    const res = await get('/datasets?q=eclairage&commune=69123');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('Éclairage public de Lyon');
    expect(body).toContain('1 jeu de données');
    expect(body.replace(/<!-- -->/g, '')).toMatch(/Lyon <span class="count">\(1\)<\/span>/);
    expect(body).not.toContain('Page piégée');
  });

  it('an empty query lists everything', async () => {
    const res = await get('/datasets?q=');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('2 jeux de données');
  });

  it('a 2 000-character query is a clear 400', async () => {
    const res = await get(`/datasets?q=${'a'.repeat(2000)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('La recherche est trop longue');
  });

  for (const q of ["'", '&', '|', '!', ':*', '\\', '(', "eclairage') or 1=1 --", '!!&&||(:*', "éclairage & (lyon:*') --"]) {
    it(`tsquery and SQL syntax in the query (${q}) is searched as words, never a 500`, async () => {
      const res = await get(`/datasets?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      if (q.startsWith('éclairage &')) expect(body).toContain('Éclairage public de Lyon');
    });
  }

  it('an unknown facet value is ignored and said so', async () => {
    const res = await get('/datasets?theme=licornes&commune=99999&org=inconnue');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('Filtre inconnu ignoré');
    expect(body).toContain('2 jeux de données');
  });

  it('a page past the end says so and links to the last page', async () => {
    const res = await get('/datasets?page=40');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Cette page est au-delà des derniers résultats');
  });

  for (const page of ['-1', '0', 'abc', '1.5', '100000']) {
    it(`page=${page} is a clear 400`, async () => {
      const res = await get(`/datasets?page=${page}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Le numéro de page doit être un entier');
    });
  }
});

describe('dataset page', () => {
  it('renders Markdown without raw HTML or javascript: links, with provenance and the licence explained', async () => {
    const res = await get(`/datasets/${lighting.slug}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    const rendered = /<div class="markdown">([\s\S]*?)<\/div>/.exec(body)?.[1] ?? '';
    expect(rendered).toContain('<strong>points lumineux</strong>');
    expect(rendered).not.toContain('<script');
    expect(rendered).not.toContain('<img');
    expect(rendered).not.toContain('javascript:');
    expect(rendered).toContain('href="https://example.org/doc"');
    expect(body).not.toMatch(/<script>alert/);
    expect(body).toMatch(/Proposé par user-[0-9a-f]+ \(Ville de Lyon\)/);
    expect(body).toContain('Vous pouvez réutiliser ces données librement');
    expect(body).toContain('Qualité : ');
  });

  it('previews the first 50 rows of the CSV with column types', async () => {
    const body = await (await get(`/datasets/${lighting.slug}?apercu=${lightingCsvId}`)).text();
    expect(body).toContain('Les 50 premières lignes');
    expect(body).toContain('Lampe 50');
    expect(body).not.toContain('Lampe 51<');
    for (const type of ['entier', 'nombre décimal', 'date', 'booléen', 'texte']) expect(body).toContain(type);
  });

  it('unknown slug is a 404', async () => {
    expect((await get('/datasets/nexiste-pas')).status).toBe(404);
  });

  it('links to its API representations, announced as <link rel="alternate">, each answering in its type', async () => {
    const body = await (await get(`/datasets/${lighting.slug}`)).text();
    const s = lighting.slug;
    const wanted = [
      [`/api/v1/datasets/${s}`, 'application/json'],
      [`/catalog/datasets/${s}?format=jsonld`, 'application/ld+json'],
      [`/catalog/datasets/${s}?format=ttl`, 'text/turtle'],
      [`/api/3/action/package_show?id=${s}`, 'application/json'],
    ] as const;
    for (const [href, type] of wanted) {
      expect(body).toContain(`href="${href.replace(/&/g, '&amp;')}"`);
      const res = await get(href);
      expect(res.status, href).toBe(200);
      expect(res.headers.get('content-type'), href).toContain(type);
      const text = await res.text();
      expect(text, href).toMatch(type === 'text/turtle' ? /dcat:Dataset|<http:\/\/www.w3.org\/ns\/dcat#Dataset>/ : /Éclairage public de Lyon/);
    }
    expect(body).toMatch(new RegExp(`<link rel="alternate" type="application/ld\\+json" href="/catalog/datasets/${s}\\?format=jsonld"/>`));
    expect(body).toMatch(new RegExp(`<link rel="alternate" type="text/turtle" href="/catalog/datasets/${s}\\?format=ttl"/>`));
    expect(body).toMatch(new RegExp(`<link rel="alternate" type="application/json" href="/api/v1/datasets/${s}"/>`));
    expect(body).toContain('API compatible CKAN (package_show)');
  });

  it('the JSON representation lists the files with absolute download links', async () => {
    const res = await get(`/datasets/${lighting.slug}/metadonnees.json`);
    expect(res.status).toBe(200);
    const json = (await res.json()) as { title: string; distributions: { href: string }[] };
    expect(json.title).toBe('Éclairage public de Lyon');
    expect(json.distributions[0]!.href).toBe(`${server.url}/datasets/${lighting.slug}/telecharger/${lightingCsvId}`);
  });
});

describe('downloads', () => {
  const href = () => `/datasets/${lighting.slug}/telecharger/${lightingCsvId}`;

  it('streams the file as an attachment with type, nosniff, ETag and Last-Modified', async () => {
    const res = await get(href());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="points-lumineux.csv"/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(await res.text()).toBe(CSV);
  });

  it('answers 304 to If-None-Match and If-Modified-Since', async () => {
    const first = await get(href());
    await first.arrayBuffer();
    expect((await get(href(), { 'if-none-match': first.headers.get('etag')! })).status).toBe(304);
    expect((await get(href(), { 'if-modified-since': first.headers.get('last-modified')! })).status).toBe(304);
    expect((await get(href(), { 'if-none-match': '"autre"' })).status).toBe(200);
  });

  it('serves byte ranges (206), suffix ranges, and refuses a range past the end (416)', async () => {
    const part = await get(href(), { range: 'bytes=0-9' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-9/${Buffer.byteLength(CSV)}`);
    expect(await part.text()).toBe(CSV.slice(0, 10));
    const tail = await get(href(), { range: 'bytes=-5' });
    expect(tail.status).toBe(206);
    expect(await tail.text()).toBe(CSV.slice(-5));
    const past = await get(href(), { range: `bytes=${Buffer.byteLength(CSV) + 10}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${Buffer.byteLength(CSV)}`);
  });

  for (const range of ['bytes=abc', 'bytes=9-2', 'octets=0-1', 'bytes=0-1,5-6', 'bytes=-', `bytes=${'9'.repeat(40)}-`]) {
    it(`a malformed range (${range.slice(0, 20)}) gets the whole file, never a 500`, async () => {
      const res = await get(href(), { range });
      expect([200, 416]).toContain(res.status);
      if (res.status === 200) expect(await res.text()).toBe(CSV);
    });
  }

  it('answers HEAD with the headers of the download and no body, and does not count it', async () => {
    const before = await t.db.selectFrom('distribution').select('download_count').where('id', '=', lightingCsvId).executeTakeFirstOrThrow();
    const res = await fetch(`${server.url}${href()}`, { method: 'HEAD', headers: { 'user-agent': 'head-only' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="points-lumineux.csv"/);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(CSV)));
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    const ranged = await fetch(`${server.url}${href()}`, { method: 'HEAD', headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-9/${Buffer.byteLength(CSV)}`);
    expect(ranged.headers.get('content-length')).toBe('10');
    expect((await ranged.arrayBuffer()).byteLength).toBe(0);
    const after = await t.db.selectFrom('distribution').select('download_count').where('id', '=', lightingCsvId).executeTakeFirstOrThrow();
    expect(after.download_count).toBe(before.download_count);
  });

  it('answers a multi-range request with the whole file, deliberately (200, no multipart)', async () => {
    // docs/decisions/014: several ranges are ignored (RFC 9110 allows it), never multipart/byteranges.
    const res = await get(href(), { range: 'bytes=0-9,20-29' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-range')).toBeNull();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(CSV)));
    expect(await res.text()).toBe(CSV);
    const overlapping = await get(href(), { range: `bytes=${Array.from({ length: 50 }, (_, i) => `${i}-${i + 100}`).join(',')}` });
    expect(overlapping.status).toBe(200);
    expect(await overlapping.text()).toBe(CSV);
  });

  it('counts a download once per client and day', async () => {
    const before = await t.db.selectFrom('distribution').select('download_count').where('id', '=', lightingCsvId).executeTakeFirstOrThrow();
    await (await get(href(), { 'user-agent': 'counter-a' })).arrayBuffer();
    await (await get(href(), { 'user-agent': 'counter-a' })).arrayBuffer();
    await (await get(href(), { 'user-agent': 'counter-b' })).arrayBuffer();
    const after = await t.db.selectFrom('distribution').select('download_count').where('id', '=', lightingCsvId).executeTakeFirstOrThrow();
    expect(after.download_count - before.download_count).toBe(2);
    const ds = await t.db.selectFrom('dataset').select('download_count').where('id', '=', lighting.datasetId).executeTakeFirstOrThrow();
    expect(ds.download_count).toBeGreaterThanOrEqual(2);
  });

  it('an HTML file is never rendered inline', async () => {
    const dist = await t.db
      .selectFrom('distribution as x')
      .innerJoin('dataset as d', 'd.current_version_id', 'x.dataset_version_id')
      .select('x.id')
      .where('d.id', '=', html.datasetId)
      .executeTakeFirstOrThrow();
    const res = await get(`/datasets/${html.slug}/telecharger/${dist.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('an unknown or malformed file id is a 404', async () => {
    expect((await get(`/datasets/${lighting.slug}/telecharger/pas-un-uuid`)).status).toBe(404);
    expect((await get(`/datasets/${lighting.slug}/telecharger/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });
});

describe('publisher upkeep and reports', () => {
  it('the organisation admin archives (audited) and restores; others are refused', async () => {
    const stranger = await createUserWithSession(t.db);
    expect((await post(`/datasets/${lighting.slug}`, stranger, { intent: 'archive', reason: 'Non' })).status).toBe(403);
    const empty = await post(`/datasets/${lighting.slug}`, admin, { intent: 'archive', reason: '' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Indiquez un motif');
    const res = await post(`/datasets/${lighting.slug}`, admin, { intent: 'archive', reason: 'Remplacé par le jeu 2027' });
    expect(res.status).toBe(302);
    const page = await (await get(`/datasets/${lighting.slug}`)).text();
    expect(page).toContain('Remplacé par le jeu 2027');
    expect(await (await get('/datasets?q=eclairage')).text()).toContain('Aucun jeu de données');
    expect((await get(`/datasets/${lighting.slug}/telecharger/${lightingCsvId}`)).status).toBe(200);
    expect((await post(`/datasets/${lighting.slug}`, admin, { intent: 'restore' })).status).toBe(302);
    const log = await t.db.selectFrom('audit_log').select('action').where('target_id', '=', lighting.datasetId).orderBy('id').execute();
    expect(log.map((l) => l.action)).toEqual(['dataset.archive', 'dataset.restore']);
  });

  it('a signed-in user reports the dataset; the moderators get a review task', async () => {
    const reader = await createUserWithSession(t.db);
    const bad = await post(`/datasets/${lighting.slug}`, reader, { intent: 'report', reason: 'inconnu', comment: '' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Choisissez un motif dans la liste');
    const res = await post(`/datasets/${lighting.slug}`, reader, { intent: 'report', reason: 'inaccurate', comment: 'Les puissances sont fausses.' });
    expect(res.status).toBe(302);
    const task = await t.db.selectFrom('review_task').select(['kind', 'contribution_id']).where('contribution_id', '=', lighting.contributionId).executeTakeFirst();
    expect(task).toEqual({ kind: 'report', contribution_id: lighting.contributionId });
  });

  it('signed-in visitors get "propose an update"; anonymous ones a sign-in link', async () => {
    const reader = await createUserWithSession(t.db);
    expect(await (await get(`/datasets/${lighting.slug}`, { cookie: reader.cookie })).text()).toContain(`/contribuer?jeu=${lighting.datasetId}`);
    expect(await (await get(`/datasets/${lighting.slug}`)).text()).not.toContain('/contribuer?jeu=');
  });
});

describe('commune and home pages', () => {
  it('the commune page lists its datasets', async () => {
    const body = await (await get('/datasets/communes/69123')).text();
    expect(body).toContain('Données : Lyon');
    expect(body).toContain('Éclairage public de Lyon');
    expect((await get('/datasets/communes/00000')).status).toBe(404);
  });

  it('the organisation page lists the datasets it publishes', async () => {
    const body = await (await get('/organisations/ville-de-lyon')).text();
    expect(body).toContain('Jeux de données publiés');
    expect(body).toContain('Éclairage public de Lyon');
    expect(body).not.toContain('Page piégée');
  });

  it('the home page shows counts, latest publications and themes', async () => {
    const body = await (await get('/')).text();
    expect(body).toContain('Dernières publications');
    expect(body).toContain('Page piégée');
    expect(body).toContain('Mobilité et transports');
  });
});

describe('retraction', () => {
  it('a retracted dataset is a 410 tombstone, and so are its downloads', async () => {
    await retract(t.db, html.contributionId, 'Fichier dangereux');
    const page = await get(`/datasets/${html.slug}`);
    expect(page.status).toBe(410);
    const body = await page.text();
    expect(body).toContain('Ce jeu de données a été retiré');
    expect(body).toContain('Fichier dangereux');
    const dist = await t.db.selectFrom('distribution as x').innerJoin('dataset_version as v', 'v.id', 'x.dataset_version_id').select('x.id').where('v.dataset_id', '=', html.datasetId).executeTakeFirstOrThrow();
    const dl = await get(`/datasets/${html.slug}/telecharger/${dist.id}`);
    expect(dl.status).toBe(410);
    expect(await dl.text()).toContain('Fichier dangereux');
    expect(await (await get('/datasets?q=piegee')).text()).toContain('Aucun jeu de données');
  });
});
