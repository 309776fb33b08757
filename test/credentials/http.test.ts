// Credentials, traceable downloads, usage and reuses through the real HTTP server: scopes
// on the download routes, the JSON API and the tus endpoint; the download log; the pages
// that create and revoke keys and tokens; the publishers' usage (chart, table, CSV); reuses
// and their bad input.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import {
  createOrganizationToken,
  createPersonalKey,
  revokeCredential,
} from '../../app/domain/credentials/credentials.server';
import {
  deleteAccount,
  enforceRetention,
  exportPersonalData,
} from '../../app/domain/identity/personal-data.features.server';
import { prepareReferences } from '../contributions/helpers';
import { publishDataset } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';

let t: TestDatabase;
let server: TestServer;
let refs: ReferenceLists;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-credentials-http-'));
let publisher: SignedInTestUser;
let member: SignedInTestUser;
let reuser: SignedInTestUser;
let orgId: string;
let traceable: Published;
let open: Published;
let traceablePath: string;
let openPath: string;
const CSV = 'id;nom\n1;Arceau A\n2;Arceau B\n';

const get = (p: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${p}`, { headers, redirect: 'manual' });
const post = (
  p: string,
  user: SignedInTestUser | null,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form))
    for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return fetch(`${server.url}${p}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...(user ? { cookie: user.cookie } : {}),
      origin: server.url,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: body.toString(),
  });
};
const bearer = (secret: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${secret}`,
  ...extra,
});
const logRows = async () =>
  t.db.selectFrom('traceable_download').selectAll().orderBy('id').execute();

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  publisher = await createUserWithSession(t.db, { pseudonym: 'Agent Métropole' });
  member = await createUserWithSession(t.db, { pseudonym: 'Membre Métropole' });
  reuser = await createUserWithSession(t.db, { pseudonym: 'Réutilisatrice' });
  orgId = (
    await t.db
      .insertInto('organization')
      .values({ slug: 'metropole-test', name: 'Métropole test', kind: 'public_body' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await t.db
    .insertInto('organization')
    .values({ slug: 'autre-org', name: 'Autre organisation', kind: 'association' })
    .execute();
  await t.db
    .insertInto('membership')
    .values([
      { user_id: publisher.user.id, organization_id: orgId, role: 'admin' },
      { user_id: member.user.id, organization_id: orgId, role: 'member' },
    ])
    .execute();
  traceable = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: publisher.user.id,
    draft: { title: 'Arceaux vélo tracés', licence: 'licence-engagee', organizationId: orgId },
    files: [{ filename: 'arceaux.csv', content: CSV }],
  });
  open = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: publisher.user.id,
    draft: { title: 'Bancs publics ouverts', licence: 'lo-2.0', organizationId: orgId },
    files: [{ filename: 'bancs.csv', content: CSV }],
  });
  const dist = async (datasetId: string) =>
    (
      await t.db
        .selectFrom('distribution as x')
        .innerJoin('dataset_version as v', 'v.id', 'x.dataset_version_id')
        .select('x.id')
        .where('v.dataset_id', '=', datasetId)
        .executeTakeFirstOrThrow()
    ).id;
  traceablePath = `/datasets/${traceable.slug}/telecharger/${await dist(traceable.datasetId)}`;
  openPath = `/datasets/${open.slug}/telecharger/${await dist(open.datasetId)}`;
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('downloads under an open licence', () => {
  it('need no identification and are not logged as traced', async () => {
    const res = await get(openPath);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(CSV);
    expect(await logRows()).toHaveLength(0);
  });
});

describe('downloads under a traceable licence: refusals (nothing logged)', () => {
  it('without identification, a program gets 401 with an explanation and a link to get a key', async () => {
    const res = await get(traceablePath, { 'user-agent': 'curl/8.5.0', accept: '*/*' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const body = (await res.json()) as {
      detail: string;
      reason: string;
      links: { getKey: string; licence: string };
    };
    expect(body.reason).toBe('anonymous');
    expect(body.detail).toContain('licence engagée');
    expect(body.detail).toContain('Authorization: Bearer');
    expect(body.links.getKey).toBe(`${server.url}/compte/cles`);
    expect(body.links.licence).toContain('/licences/licence-engagee?fichier=');
    expect(await logRows()).toHaveLength(0);
    const count = await t.db
      .selectFrom('dataset')
      .select('download_count')
      .where('id', '=', traceable.datasetId)
      .executeTakeFirstOrThrow();
    expect(count.download_count).toBe(0);
  });

  it('without identification, a browser is sent to a page explaining the licence and how to get a key', async () => {
    const res = await get(traceablePath, { accept: 'text/html,application/xhtml+xml' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toBe(`/licences/licence-engagee?fichier=${encodeURIComponent(traceablePath)}`);
    const page = await get(location);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('licence engagée');
    expect(html).toContain('href="/compte/cles"');
    expect(html).toContain('href="/inscription"');
    expect(html).toContain(`/connexion?redirectTo=${encodeURIComponent(traceablePath)}`);
    expect(await logRows()).toHaveLength(0);
  });

  it('with a revoked key: 401 saying so, with the link to get a key', async () => {
    const { id, secret } = await createPersonalKey(t.db, reuser.user.id, {
      name: 'Ancienne',
      purpose: 'Une clé bientôt révoquée',
    });
    await revokeCredential(t.db, reuser.user.id, id);
    const res = await get(traceablePath, bearer(secret));
    expect(res.status).toBe(401);
    const body = (await res.json()) as {
      detail: string;
      reason: string;
      links: { getKey: string };
    };
    expect(body.reason).toBe('revoked');
    expect(body.detail).toContain('révoquée');
    expect(body.links.getKey).toContain('/compte/cles');
    expect(await logRows()).toHaveLength(0);
  });

  it('with a key of the wrong scope: 403 naming the scope, with the link to get a key', async () => {
    const { secret } = await createOrganizationToken(t.db, publisher.user.id, orgId, {
      name: 'Livraisons',
      scopes: ['contribute'],
    });
    const res = await get(traceablePath, bearer(secret));
    expect(res.status).toBe(403);
    const body = (await res.json()) as {
      detail: string;
      reason: string;
      links: { getKey: string };
    };
    expect(body.reason).toBe('scope');
    expect(body.detail).toContain('read');
    expect(body.links.getKey).toContain('/compte/cles');
    expect(await logRows()).toHaveLength(0);
  });

  it('with an unknown key, or a refused key next to a valid session: 401, no fallback to the cookie', async () => {
    expect((await get(traceablePath, bearer(`td_pk_${'z'.repeat(43)}`))).status).toBe(401);
    expect(
      (await get(traceablePath, bearer(`td_pk_${'z'.repeat(43)}`, { cookie: reuser.cookie })))
        .status,
    ).toBe(401);
    expect(await logRows()).toHaveLength(0);
  });

  it('a credential in the query string is refused with 400, even with a valid header, and nothing is logged', async () => {
    const { secret } = await createPersonalKey(t.db, reuser.user.id, {
      name: 'Dans l’URL',
      purpose: 'Tester le refus des clés dans l’adresse',
    });
    for (const q of [
      `?token=${secret}`,
      `?key=${secret}`,
      `?api_key=x`,
      `?access_token=x`,
      `?q=${secret}`,
    ]) {
      const res = await get(`${traceablePath}${q}`, bearer(secret));
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { detail: string }).detail).toContain('Authorization: Bearer');
    }
    expect((await get(`/api/v1/datasets?token=${secret}`)).status).toBe(400);
    expect((await get(`/uploads/files?key=${secret}`)).status).toBe(400);
    expect(await logRows()).toHaveLength(0);
  });
});

describe('downloads under a traceable licence: identified reusers', () => {
  it('a personal key downloads, and the download is logged with who, dataset, version, key and purpose', async () => {
    const { id, secret } = await createPersonalKey(t.db, reuser.user.id, {
      name: 'Carte vélo',
      purpose: 'Carte des arceaux pour une application mobile',
    });
    const head = await fetch(`${server.url}${traceablePath}`, {
      method: 'HEAD',
      headers: bearer(secret),
    });
    expect(head.status).toBe(200);
    expect(await logRows()).toHaveLength(0); // a HEAD sends no data
    const res = await get(traceablePath, bearer(secret, { 'user-agent': 'curl/8.5.0' }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(CSV);
    const rows = await logRows();
    expect(rows).toHaveLength(1);
    const version = await t.db
      .selectFrom('dataset')
      .select('current_version_id')
      .where('id', '=', traceable.datasetId)
      .executeTakeFirstOrThrow();
    expect(rows[0]).toMatchObject({
      dataset_id: traceable.datasetId,
      dataset_version_id: version.current_version_id,
      user_id: reuser.user.id,
      credential_id: id,
      purpose: 'Carte des arceaux pour une application mobile',
      via: 'credential',
    });
    const key = await t.db
      .selectFrom('credential')
      .select('last_used_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(key.last_used_at).not.toBeNull();
  });

  it('a signed-in session downloads from the website, logged without a key', async () => {
    const res = await get(traceablePath, { cookie: member.cookie, accept: 'text/html' });
    expect(res.status).toBe(200);
    const rows = await logRows();
    expect(rows.at(-1)).toMatchObject({
      user_id: member.user.id,
      credential_id: null,
      via: 'session',
    });
  });

  it('an organisation token with scope read downloads on behalf of its organisation', async () => {
    const { secret } = await createOrganizationToken(t.db, publisher.user.id, orgId, {
      name: 'Miroir',
      scopes: ['read'],
      purpose: 'Miroir interne',
    });
    const res = await get(traceablePath, bearer(secret));
    expect(res.status).toBe(200);
    expect((await logRows()).at(-1)).toMatchObject({
      reuser_organization_id: orgId,
      purpose: 'Miroir interne',
      via: 'credential',
    });
  });

  it('the dataset page says the files need identification and links to the explanation', async () => {
    const html = await (await get(`/datasets/${traceable.slug}`)).text();
    expect(html).toContain('Licence engagée : le téléchargement demande d’être identifié');
    expect(html).toContain('href="/licences/licence-engagee"');
  });
});

describe('Bearer credentials on the JSON API and the tus endpoint', () => {
  it('a read key reads the API; a revoked one gets 401 problem+json', async () => {
    const { id, secret } = await createPersonalKey(t.db, reuser.user.id, {
      name: 'API',
      purpose: 'Lire le catalogue depuis un script',
    });
    const ok = await get('/api/v1/contributions', bearer(secret));
    expect(ok.status).toBe(200);
    await revokeCredential(t.db, reuser.user.id, id);
    const refused = await get('/api/v1/contributions', bearer(secret));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(((await refused.json()) as { reason: string }).reason).toBe('revoked');
  });

  it('writing through the API needs the contribute scope', async () => {
    const read = await createOrganizationToken(t.db, publisher.user.id, orgId, {
      name: 'Lecture',
      scopes: ['read'],
    });
    const refused = await fetch(`${server.url}/api/v1/contributions`, {
      method: 'POST',
      headers: { ...bearer(read.secret), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'new_dataset' }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { requiredScope: string }).requiredScope).toBe('contribute');
    const write = await createOrganizationToken(t.db, publisher.user.id, orgId, {
      name: 'Écriture',
      scopes: ['contribute'],
    });
    const created = await fetch(`${server.url}/api/v1/contributions`, {
      method: 'POST',
      headers: { ...bearer(write.secret), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'new_dataset' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const row = await t.db
      .selectFrom('contribution')
      .select('submitter_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.submitter_id).toBe(publisher.user.id);
  });

  it('the tus endpoint accepts a token with scope contribute, and refuses a read-only or revoked one', async () => {
    const create = (secret: string) =>
      fetch(`${server.url}/uploads/files`, {
        method: 'POST',
        headers: {
          ...bearer(secret),
          'Tus-Resumable': '1.0.0',
          'Upload-Length': '12',
          'Upload-Metadata': `filename ${Buffer.from('livraison.csv').toString('base64')},purpose ${Buffer.from('dataset').toString('base64')}`,
        },
      });
    const write = await createOrganizationToken(t.db, publisher.user.id, orgId, {
      name: 'tus',
      scopes: ['contribute'],
    });
    const ok = await create(write.secret);
    expect(ok.status).toBe(201);
    expect(ok.headers.get('location')).toContain('/uploads/files/');
    const read = await createOrganizationToken(t.db, publisher.user.id, orgId, {
      name: 'tus-lecture',
      scopes: ['read'],
    });
    const countUploads = async () =>
      Number((await t.db.selectFrom('upload').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await countUploads();
    const readOnly = await create(read.secret);
    expect(readOnly.status).toBe(403);
    expect(await readOnly.text()).toContain('« contribute »');
    await revokeCredential(t.db, publisher.user.id, write.id);
    const revoked = await create(write.secret);
    expect(revoked.status).toBe(401);
    expect(await revoked.text()).toContain('révoqué');
    // Nothing was created by the refused requests.
    expect(await countUploads()).toBe(before);
  });

  it('usage through the API: the organisation’s own read-usage token, not another’s, not a personal key', async () => {
    const usage = await createOrganizationToken(t.db, publisher.user.id, orgId, {
      name: 'Tableau de bord',
      scopes: ['read-usage'],
    });
    const ok = await get('/api/v1/organisations/metropole-test/usage', bearer(usage.secret));
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { total: number; reusers: { purpose: string | null }[] };
    expect(body.total).toBeGreaterThan(0);
    expect(body.reusers.map((r) => r.purpose)).toContain(
      'Carte des arceaux pour une application mobile',
    );
    // The answer is the one the OpenAPI document describes.
    const doc = (await (await get('/api/v1/openapi.json')).json()) as {
      components: Record<string, unknown>;
    };
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'https://terridata.test/openapi.json', components: doc.components });
    const validate = ajv.getSchema(
      'https://terridata.test/openapi.json#/components/schemas/OrganisationUsage',
    )!;
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect((await get('/api/v1/organisations/autre-org/usage', bearer(usage.secret))).status).toBe(
      403,
    );
    const personal = await createPersonalKey(t.db, member.user.id, {
      name: 'Perso',
      purpose: 'Une clé personnelle de lecture',
    });
    expect(
      (await get('/api/v1/organisations/metropole-test/usage', bearer(personal.secret))).status,
    ).toBe(403);
    expect((await get('/api/v1/organisations/metropole-test/usage')).status).toBe(401);
  });
});

describe('key and token pages', () => {
  it('a signed-in user creates a key, sees it once, then only its prefix and last use, and revokes it', async () => {
    const created = await post('/compte/cles', reuser, {
      intent: 'create',
      name: 'Mon script',
      purpose: 'Suivre les arceaux vélo de mon quartier',
    });
    expect(created.status).toBe(201);
    const html = await created.text();
    const secret = /td_pk_[A-Za-z0-9_-]{43}/.exec(html)?.[0];
    expect(secret).toBeTruthy();
    expect(html).toContain('ne sera plus jamais affichée');
    const again = await (await get('/compte/cles', { cookie: reuser.cookie })).text();
    expect(again).not.toContain(secret!);
    expect(again).toContain(secret!.slice(0, 10));
    expect(again).toContain('Mon script');
    const row = await t.db
      .selectFrom('credential')
      .select('id')
      .where('display_prefix', '=', secret!.slice(0, 10))
      .executeTakeFirstOrThrow();
    const revoked = await post('/compte/cles', reuser, { intent: 'revoke', credentialId: row.id });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toContain('La clé a été révoquée');
    expect((await get(traceablePath, bearer(secret!))).status).toBe(401);
  });

  it('refuses a key without a purpose, field by field', async () => {
    const res = await post('/compte/cles', reuser, {
      intent: 'create',
      name: 'X',
      purpose: 'court',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Donnez un nom de 2 à 80 caractères.');
    expect(html).toContain('Décrivez l’usage prévu en au moins 10 caractères.');
  });

  it('anonymous visitors are sent to sign in', async () => {
    const res = await get('/compte/cles');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('/connexion');
  });

  it('only the organisation’s admins manage its tokens; scopes are required', async () => {
    expect(
      (await get('/organisations/metropole-test/jetons', { cookie: member.cookie })).status,
    ).toBe(403);
    expect(
      (await get('/organisations/metropole-test/jetons', { cookie: reuser.cookie })).status,
    ).toBe(403);
    const noScope = await post('/organisations/metropole-test/jetons', publisher, {
      intent: 'create',
      name: 'Sans portée',
    });
    expect(noScope.status).toBe(400);
    expect(await noScope.text()).toContain('Choisissez au moins une portée.');
    const ok = await post('/organisations/metropole-test/jetons', publisher, {
      intent: 'create',
      name: 'Livraison du programme',
      scopes: ['contribute', 'read-usage'],
    });
    expect(ok.status).toBe(201);
    const html = await ok.text();
    expect(html).toMatch(/td_ot_[A-Za-z0-9_-]{43}/);
    const list = await (
      await get('/organisations/metropole-test/jetons', { cookie: publisher.cookie })
    ).text();
    expect(list).toContain('Livraison du programme');
    expect(list).toContain('contribution, lecture de l’usage');
  });
});

describe('usage for publishers', () => {
  it('members see downloads over time (chart and table) and the reusers with their declared purpose', async () => {
    const res = await get('/organisations/metropole-test/usage', { cookie: member.cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('role="img"');
    const today = new Date().toISOString().slice(0, 10);
    expect(html).toMatch(new RegExp(`data-day="${today}" data-downloads="[1-9]`));
    expect(html).toContain('Carte des arceaux pour une application mobile');
    expect(html).toContain('Réutilisatrice');
    expect(html).toContain('Arceaux vélo tracés');
  });

  it('exports the log and the daily counts as CSV', async () => {
    const log = await get('/organisations/metropole-test/usage.csv?jours=90', {
      cookie: member.cookie,
    });
    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await log.text();
    expect(text.split('\r\n')[0]).toBe(
      'date,dataset,dataset_slug,version,file,reuser,reuser_organisation,key,declared_purpose,via',
    );
    expect(text).toContain('Réutilisatrice');
    expect(text).toContain('Carte des arceaux pour une application mobile');
    const days = await (
      await get('/organisations/metropole-test/usage.csv?tableau=jours', { cookie: member.cookie })
    ).text();
    expect(days.split('\r\n')[0]).toBe('day,downloads');
    expect(days.trim().split('\r\n')).toHaveLength(31);
  });

  it('is for the organisation’s members only', async () => {
    expect(
      (await get('/organisations/metropole-test/usage', { cookie: reuser.cookie })).status,
    ).toBe(403);
    expect(
      (await get('/organisations/metropole-test/usage.csv', { cookie: reuser.cookie })).status,
    ).toBe(403);
  });
});

describe('reuses', () => {
  const reuseForm = (over: Record<string, string> = {}) => {
    const f = new FormData();
    const fields = {
      title: 'Carte des arceaux',
      url: 'https://exemple.org/carte',
      description: 'Une carte interactive.',
      kind: 'visualisation',
      datasets: traceable.slug,
      ...over,
    };
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  };
  const declare = (f: FormData, user: SignedInTestUser = reuser) =>
    fetch(`${server.url}/reutilisations/nouvelle`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: user.cookie, origin: server.url },
      body: f,
    });
  const reuseCount = async () =>
    Number(
      (
        await t.db
          .selectFrom('reuse')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses a non-http URL with a clear error, and writes nothing', async () => {
    for (const url of [
      'javascript:alert(1)',
      'ftp://exemple.org/x',
      'exemple.org',
      'data:text/html,x',
    ]) {
      const res = await declare(reuseForm({ url }));
      expect(res.status, url).toBe(400);
      expect(await res.text()).toContain(
        'Donnez une adresse web commençant par https:// ou http://.',
      );
    }
    expect(await reuseCount()).toBe(0);
  });

  it('refuses a reuse pointing at no dataset, or at datasets that do not exist', async () => {
    const none = await declare(reuseForm({ datasets: '' }));
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Indiquez au moins un jeu de données publié du catalogue.');
    const unknown = await declare(
      reuseForm({ datasets: `${traceable.slug}\nhttps://ailleurs.example/datasets/n-existe-pas` }),
    );
    expect(unknown.status).toBe(400);
    const html = await unknown.text();
    expect(html).toContain('Ces références ne désignent aucun jeu de données publié');
    expect(html).toContain('n-existe-pas');
    expect(await reuseCount()).toBe(0);
  });

  it('is declared with an image, shown on the datasets’ pages and the reuses page; publishers are notified and credited', async () => {
    const png = await sharp({
      create: { width: 40, height: 30, channels: 3, background: '#3366aa' },
    })
      .png()
      .withMetadata({ exif: { IFD0: { Copyright: 'secret-exif' } } })
      .toBuffer();
    const f = reuseForm({ datasets: `${server.url}/datasets/${traceable.slug}\n${open.slug}` });
    f.append('image', new Blob([png], { type: 'image/png' }), 'carte.png');
    const res = await declare(f);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/reutilisations\/[0-9a-f-]{36}\?info=declaree$/);
    const id = location.split('/')[2]!.split('?')[0]!;
    const page = await (await get(location)).text();
    expect(page).toContain('Carte des arceaux');
    expect(page).toContain('Bancs publics ouverts');
    const image = await get(`/reutilisations/${id}/image`);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(bytes.includes(Buffer.from('secret-exif'))).toBe(false);
    for (const slug of [traceable.slug, open.slug])
      expect(await (await get(`/datasets/${slug}`)).text()).toContain(
        `href="/reutilisations/${id}"`,
      );
    expect(await (await get('/reutilisations?type=visualisation')).text()).toContain(
      'Carte des arceaux',
    );
    expect(await (await get('/reutilisations?type=article')).text()).not.toContain(
      'Carte des arceaux',
    );
    const notes = await t.db
      .selectFrom('notification')
      .select(['kind', 'url'])
      .where('user_id', '=', publisher.user.id)
      .where('kind', '=', 'reuse_declared')
      .execute();
    expect(notes).toEqual([{ kind: 'reuse_declared', url: `/reutilisations/${id}` }]);
    expect(await (await get('/notifications', { cookie: publisher.cookie })).text()).toContain(
      'Réutilisation de vos données déclarée : « Carte des arceaux »',
    );
    const credits = await t.db
      .selectFrom('reputation_entry')
      .select(['subject_type', 'subject_id', 'effective_delta'])
      .where('reason', '=', 'reuse_declared')
      .where('ref_id', '=', id)
      .execute();
    // One credit for the publishing organisation, although two of its datasets are used.
    expect(credits).toEqual([
      { subject_type: 'organization', subject_id: orgId, effective_delta: 5 },
    ]);
  });

  it('a reuse of one’s own organisation’s data earns it nothing', async () => {
    const res = await declare(
      reuseForm({ title: 'Notre propre carte', datasets: open.slug }),
      member,
    );
    expect(res.status).toBe(302);
    const id = res.headers.get('location')!.split('/')[2]!.split('?')[0]!;
    const credits = await t.db
      .selectFrom('reputation_entry')
      .select('id')
      .where('reason', '=', 'reuse_declared')
      .where('ref_id', '=', id)
      .execute();
    expect(credits).toHaveLength(0);
  });

  it('moderators hide an abusive reuse: gone from the lists (410 for visitors), credits reversed', async () => {
    const res = await declare(
      reuseForm({
        title: 'Publicité abusive',
        url: 'http://spam.example/',
        datasets: traceable.slug,
      }),
    );
    const id = res.headers.get('location')!.split('/')[2]!.split('?')[0]!;
    expect(await (await get(`/datasets/${traceable.slug}`)).text()).toContain('Publicité abusive');
    // Only moderators may hide.
    expect((await post(`/reutilisations/${id}`, reuser, { reason: 'Spam' })).status).toBe(403);
    const session = await createModeratorSession();
    const hidden = await post(`/reutilisations/${id}`, session, {
      reason: 'Publicité sans rapport avec les données',
    });
    expect(hidden.status).toBe(302);
    expect((await get(`/reutilisations/${id}`)).status).toBe(410);
    expect(await (await get(`/datasets/${traceable.slug}`)).text()).not.toContain(
      'Publicité abusive',
    );
    expect(await (await get('/reutilisations')).text()).not.toContain('Publicité abusive');
    const entries = await t.db
      .selectFrom('reputation_entry')
      .select(['reason', 'effective_delta'])
      .where('ref_id', '=', id)
      .orderBy('id')
      .execute();
    expect(entries).toEqual([
      { reason: 'reuse_declared', effective_delta: 5 },
      { reason: 'reversal_retraction', effective_delta: -5 },
    ]);
  });
});

/** A signed-in moderator of the whole Métropole, with a second factor set up. */
async function createModeratorSession(): Promise<SignedInTestUser> {
  const s = await createUserWithSession(t.db, { pseudonym: 'Modératrice' });
  await t.db
    .insertInto('moderator_scope')
    .values({ user_id: s.user.id, kind: 'territory', code: '200046977' })
    .execute();
  await t.db
    .updateTable('users')
    .set({ totp_enabled_at: new Date(), totp_secret: 'JBSWY3DPEHPK3PXP' })
    .where('id', '=', s.user.id)
    .execute();
  return s;
}

describe('reuse declarations are limited', () => {
  it('to 20 a day per person (each one notifies publishers): the 21st is refused with 429', async () => {
    const busy = await createUserWithSession(t.db, { pseudonym: 'Très active' });
    const form = (i: number) => {
      const f = new FormData();
      for (const [k, v] of Object.entries({
        title: `Réutilisation ${i}`,
        url: `https://exemple.org/${i}`,
        kind: 'other',
        datasets: open.slug,
      }))
        f.append(k, v);
      return f;
    };
    const send = (i: number) =>
      fetch(`${server.url}/reutilisations/nouvelle`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: busy.cookie, origin: server.url },
        body: form(i),
      });
    for (let i = 1; i <= 20; i++) expect((await send(i)).status).toBe(302);
    const refused = await send(21);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain(
      'Vous avez déclaré beaucoup de réutilisations aujourd’hui',
    );
    const n = await t.db
      .selectFrom('reuse')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('author_id', '=', busy.user.id)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(20);
  });
});

describe('usage for a person who published as an individual', () => {
  it('shows the downloads of their own datasets only, at /compte/usage, with the CSV', async () => {
    const author = await createUserWithSession(t.db, { pseudonym: 'Autrice individuelle' });
    const mine = await publishDataset(t.db, refs, uploadsDir, {
      submitterId: author.user.id,
      draft: { title: 'Mes relevés de bruit', licence: 'licence-engagee' },
      files: [{ filename: 'bruit.csv', content: CSV }],
    });
    const dist = await t.db
      .selectFrom('distribution as x')
      .innerJoin('dataset_version as v', 'v.id', 'x.dataset_version_id')
      .select('x.id')
      .where('v.dataset_id', '=', mine.datasetId)
      .executeTakeFirstOrThrow();
    const key = await createPersonalKey(t.db, member.user.id, {
      name: 'Bruit',
      purpose: 'Étude du bruit dans mon quartier',
    });
    expect(
      (await get(`/datasets/${mine.slug}/telecharger/${dist.id}`, bearer(key.secret))).status,
    ).toBe(200);
    const page = await (await get('/compte/usage', { cookie: author.cookie })).text();
    expect(page).toContain('Mes relevés de bruit');
    expect(page).toContain('Étude du bruit dans mon quartier');
    expect(page).not.toContain('Arceaux vélo tracés');
    const csv = await (await get('/compte/usage.csv', { cookie: author.cookie })).text();
    expect(csv).toContain('Étude du bruit dans mon quartier');
    // Someone else's personal usage page does not show it.
    expect(await (await get('/compte/usage', { cookie: publisher.cookie })).text()).not.toContain(
      'Mes relevés de bruit',
    );
  });
});

describe('personal data of the download log', () => {
  it('is exported with the account, anonymised on erasure (the count stays), and purged after a year', async () => {
    const purpose = 'Carte des arceaux pour une application mobile';
    const exported = await exportPersonalData(t.db, reuser.user.id);
    expect(JSON.stringify(exported.data.traceable_downloads)).toContain(purpose);
    expect(JSON.stringify(exported.data.credentials)).toContain('Carte vélo');
    const before = await logRows();
    const theirs = before.filter((r) => r.user_id === reuser.user.id).length;
    expect(theirs).toBeGreaterThan(0);
    await deleteAccount(t.db, reuser.user.id);
    const after = await logRows();
    expect(after).toHaveLength(before.length);
    expect(after.some((r) => r.user_id === reuser.user.id || r.purpose === purpose)).toBe(false);
    expect(
      await t.db
        .selectFrom('credential')
        .select('id')
        .where('user_id', '=', reuser.user.id)
        .execute(),
    ).toEqual([]);
    const usage = await (
      await get('/organisations/metropole-test/usage', { cookie: member.cookie })
    ).text();
    expect(usage).not.toContain(purpose);
    // A year later the retention job deletes the rows; younger ones stay.
    await t.db
      .updateTable('traceable_download')
      .set({ created_at: new Date(Date.now() - 366 * 86_400_000) })
      .where('user_id', 'is', null)
      .execute();
    const purged = await enforceRetention(t.db);
    expect(purged.traceable_downloads).toBe(after.filter((r) => r.user_id === null).length);
    expect(await logRows()).toHaveLength(after.filter((r) => r.user_id !== null).length);
  });
});
