// Decision 018, through the real HTTP server and PostgreSQL: creating keys and tokens is
// limited per account across instances; a token with only `contribute` polls what it
// delivers (and only that and its organisation's contributions); a declared reuse tells the
// organisation's admins and the members who published the data (email preference kept);
// a reuser fetching a traceable file in many Range requests counts one download.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import {
  attachUpload,
  createDraft,
  saveDraft,
  submitContribution,
} from '../../app/domain/contributions/contributions.server';
import {
  CREDENTIAL_CREATION_LIMIT,
  createOrganizationToken,
  createPersonalKey,
} from '../../app/domain/credentials/credentials.server';
import { publishDataset } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';
import { insertUpload, keyT, prepareReferences, validDraft } from '../contributions/helpers';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';

let t: TestDatabase;
let serverA: TestServer;
let serverB: TestServer;
let refs: ReferenceLists;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-credentials-018-'));
let admin: SignedInTestUser;
let author: SignedInTestUser;
let bystander: SignedInTestUser;
let reuser: SignedInTestUser;
let orgId: string;
let otherOrgId: string;
let traceable: Published;
let traceablePath: string;
// 40 bytes, so that ranges are easy to reason about.
const CSV = 'id;nom\n1;Arceau A\n2;Arceau B\n3;Arceau C\n';

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const form = (
  base: string,
  p: string,
  user: SignedInTestUser,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields))
    for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return fetch(`${base}${p}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: user.cookie,
      origin: base,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: body.toString(),
  });
};
const api = (method: string, p: string, secret: string, body?: unknown): Promise<Response> =>
  fetch(`${serverA.url}/api/v1${p}`, {
    method,
    headers: {
      ...bearer(secret),
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
const countCredentials = async (userId: string) =>
  Number(
    (
      await t.db
        .selectFrom('credential')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
  admin = await createUserWithSession(t.db, { pseudonym: 'Administratrice' });
  author = await createUserWithSession(t.db, { pseudonym: 'Autrice des données' });
  bystander = await createUserWithSession(t.db, { pseudonym: 'Membre sans publication' });
  reuser = await createUserWithSession(t.db, { pseudonym: 'Réutilisateur' });
  const org = (slug: string, name: string) =>
    t.db
      .insertInto('organization')
      .values({ slug, name, kind: 'public_body' })
      .returning('id')
      .executeTakeFirstOrThrow();
  orgId = (await org('metropole-018', 'Métropole 018')).id;
  otherOrgId = (await org('autre-018', 'Autre 018')).id;
  await t.db
    .insertInto('membership')
    .values([
      { user_id: admin.user.id, organization_id: orgId, role: 'admin' },
      { user_id: author.user.id, organization_id: orgId, role: 'member' },
      { user_id: bystander.user.id, organization_id: orgId, role: 'member' },
      { user_id: admin.user.id, organization_id: otherOrgId, role: 'admin' },
    ])
    .execute();
  traceable = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: author.user.id,
    draft: { title: 'Arceaux tracés 018', licence: 'licence-engagee', organizationId: orgId },
    files: [{ filename: 'arceaux.csv', content: CSV }],
  });
  const dist = await t.db
    .selectFrom('distribution as x')
    .innerJoin('dataset_version as v', 'v.id', 'x.dataset_version_id')
    .select('x.id')
    .where('v.dataset_id', '=', traceable.datasetId)
    .executeTakeFirstOrThrow();
  traceablePath = `/datasets/${traceable.slug}/telecharger/${dist.id}`;
  // Two instances on one database, as in production behind a load balancer.
  serverA = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
  serverB = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
}, 120_000);

afterAll(async () => {
  await serverA?.close();
  await serverB?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('creating keys and tokens is limited per account', () => {
  it('across instances: past 10 an hour, both pages refuse with 429, Retry-After and a message; nothing is created', async () => {
    const creator = await createUserWithSession(t.db, { pseudonym: 'Créatrice pressée' });
    const own = await t.db
      .insertInto('organization')
      .values({ slug: 'pressee-018', name: 'Pressée 018', kind: 'association' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('membership')
      .values({ user_id: creator.user.id, organization_id: own.id, role: 'admin' })
      .execute();
    const key = (base: string, i: number, headers: Record<string, string> = {}) =>
      form(
        base,
        '/compte/cles',
        creator,
        { intent: 'create', name: `Clé ${i}`, purpose: 'Un script qui lit le catalogue' },
        headers,
      );
    const token = (base: string, i: number, headers: Record<string, string> = {}) =>
      form(
        base,
        '/organisations/pressee-018/jetons',
        creator,
        { intent: 'create', name: `Jeton ${i}`, scopes: ['read'] },
        headers,
      );
    expect(CREDENTIAL_CREATION_LIMIT.limit).toBe(10);
    // Personal keys and organisation tokens share one count, whichever instance answers.
    for (let i = 1; i <= 10; i++) {
      const res = await (i % 2 ? key(serverA.url, i) : token(serverB.url, i));
      expect(res.status, `creation ${i}`).toBe(201);
    }
    expect(await countCredentials(creator.user.id)).toBe(10);

    const refusedKey = await key(serverB.url, 11);
    expect(refusedKey.status).toBe(429);
    const retry = Number(refusedKey.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(3500);
    expect(retry).toBeLessThanOrEqual(3600);
    const html = await refusedKey.text();
    expect(html).toContain(
      'Vous avez créé beaucoup de clés et de jetons en peu de temps : réessayez dans 60 minutes.',
    );
    expect(html).not.toMatch(/td_pk_[A-Za-z0-9_-]{43}/);
    // What was typed stays in the form.
    expect(html).toContain('Un script qui lit le catalogue');

    const refusedToken = await token(serverA.url, 12, { 'accept-language': 'en' });
    expect(refusedToken.status).toBe(429);
    expect(refusedToken.headers.get('retry-after')).toBeTruthy();
    const en = await refusedToken.text();
    expect(en).toContain(
      'You have created many keys and tokens in a short time: try again in 60 minutes.',
    );
    expect(en).not.toMatch(/td_ot_[A-Za-z0-9_-]{43}/);
    expect(await countCredentials(creator.user.id)).toBe(10);

    // Per account: someone else still creates a key.
    const other = await createUserWithSession(t.db);
    const ok = await form(serverA.url, '/compte/cles', other, {
      intent: 'create',
      name: 'Ma clé',
      purpose: 'Un autre script qui lit le catalogue',
    });
    expect(ok.status).toBe(201);
    // Revoking is never limited.
    const one = await t.db
      .selectFrom('credential')
      .select('id')
      .where('user_id', '=', creator.user.id)
      .where('kind', '=', 'personal')
      .executeTakeFirstOrThrow();
    const revoked = await form(serverA.url, '/compte/cles', creator, {
      intent: 'revoke',
      credentialId: one.id,
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toContain('La clé a été révoquée');
  });

  it('the secret page of a successful creation is never stored by caches', async () => {
    const user = await createUserWithSession(t.db);
    const res = await form(serverA.url, '/compte/cles', user, {
      intent: 'create',
      name: 'Une clé',
      purpose: 'Lire les données tracées',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('a token with only `contribute` polls what it delivers', () => {
  let writeOnly: { id: string; secret: string };

  beforeAll(async () => {
    writeOnly = await createOrganizationToken(t.db, admin.user.id, orgId, {
      name: 'Livraison seule',
      scopes: ['contribute'],
    });
  });

  it('creates, describes, submits and reads back the state, without scope read', async () => {
    const created = await api('POST', '/contributions', writeOnly.secret, {
      kind: 'new_dataset',
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const draft = await api('GET', `/contributions/${id}`, writeOnly.secret);
    expect(draft.status).toBe(200);
    expect(((await draft.json()) as { state: string }).state).toBe('draft');
    const listed = (await (await api('GET', '/contributions', writeOnly.secret)).json()) as {
      contributions: { id: string }[];
    };
    expect(listed.contributions.map((c) => c.id)).toContain(id);

    // Without organizationId, what the token submits is its organisation's (decision 009).
    const patched = await api(
      'PATCH',
      `/contributions/${id}`,
      writeOnly.secret,
      validDraft({ title: 'Livraison par programme' }),
    );
    expect(patched.status).toBe(200);
    const uploadId = await insertUpload(t.db, admin.user.id);
    expect(
      (await api('POST', `/contributions/${id}/files`, writeOnly.secret, { uploadId })).status,
    ).toBe(200);
    const submitted = await api('POST', `/contributions/${id}/submit`, writeOnly.secret);
    expect(submitted.status).toBe(200);
    const polled = await api('GET', `/contributions/${id}`, writeOnly.secret);
    expect(polled.status).toBe(200);
    expect(await polled.json()).toMatchObject({
      id,
      state: 'submitted',
      organizationId: orgId,
      title: 'Livraison par programme',
    });
  });

  it('sees its organisation’s submitted contributions, but not its creator’s own or other organisations’', async () => {
    // A member submits a contribution for the organisation from the website.
    const fromSite = await createDraft(t.db, author.user, { kind: 'new_dataset' });
    await saveDraft(
      t.db,
      author.user,
      fromSite.id,
      validDraft({ title: 'Envoyé depuis le site', organizationId: orgId }),
    );
    await attachUpload(t.db, author.user, fromSite.id, await insertUpload(t.db, author.user.id));
    await submitContribution(t.db, author.user, fromSite.id, keyT, refs, { auditShare: 0 });
    // The admin who created the token has a personal draft and one for another organisation.
    const personal = await createDraft(t.db, admin.user, { kind: 'new_dataset' });
    const elsewhere = await createDraft(t.db, admin.user, { kind: 'new_dataset' });
    await saveDraft(
      t.db,
      admin.user,
      elsewhere.id,
      validDraft({ title: 'Pour l’autre organisation', organizationId: otherOrgId }),
    );
    await attachUpload(t.db, admin.user, elsewhere.id, await insertUpload(t.db, admin.user.id));
    await submitContribution(t.db, admin.user, elsewhere.id, keyT, refs, { auditShare: 0 });

    expect((await api('GET', `/contributions/${fromSite.id}`, writeOnly.secret)).status).toBe(200);
    expect((await api('GET', `/contributions/${personal.id}`, writeOnly.secret)).status).toBe(404);
    expect((await api('GET', `/contributions/${elsewhere.id}`, writeOnly.secret)).status).toBe(404);
    const ids = (
      (await (await api('GET', '/contributions', writeOnly.secret)).json()) as {
        contributions: { id: string }[];
      }
    ).contributions.map((c) => c.id);
    expect(ids).toContain(fromSite.id);
    expect(ids).not.toContain(personal.id);
    expect(ids).not.toContain(elsewhere.id);
    // Nor may it change the creator's personal draft: it is not the organisation's.
    const patch = await api('PATCH', `/contributions/${personal.id}`, writeOnly.secret, {
      title: 'Détourné',
    });
    expect(patch.status).toBe(404);
    const row = await t.db
      .selectFrom('contribution')
      .select('title')
      .where('id', '=', personal.id)
      .executeTakeFirstOrThrow();
    expect(row.title).toBe('');
    // The creator, signed in on the site, still sees all three.
    const mine = (await (
      await fetch(`${serverA.url}/api/v1/contributions`, { headers: { cookie: admin.cookie } })
    ).json()) as { contributions: { id: string }[] };
    expect(mine.contributions.map((c) => c.id)).toEqual(
      expect.arrayContaining([fromSite.id, personal.id, elsewhere.id]),
    );
  });

  it('refuses a token submitting for another organisation, and a token without read or contribute', async () => {
    const created = await api('POST', '/contributions', writeOnly.secret, {
      kind: 'new_dataset',
    });
    const { id } = (await created.json()) as { id: string };
    await api(
      'PATCH',
      `/contributions/${id}`,
      writeOnly.secret,
      validDraft({ title: 'Mauvaise organisation', organizationId: otherOrgId }),
    );
    const uploadId = await insertUpload(t.db, admin.user.id);
    await api('POST', `/contributions/${id}/files`, writeOnly.secret, { uploadId });
    const refused = await api('POST', `/contributions/${id}/submit`, writeOnly.secret);
    expect(refused.status).toBe(422);
    expect(
      (
        await t.db
          .selectFrom('contribution')
          .select('state')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('draft');

    const usageOnly = await createOrganizationToken(t.db, admin.user.id, orgId, {
      name: 'Tableau de bord',
      scopes: ['read-usage'],
    });
    const res = await api('GET', `/contributions/${id}`, usageOnly.secret);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      reason: 'scope',
      requiredScope: 'read',
      acceptedScopes: ['read', 'contribute'],
    });
  });

  it('the OpenAPI document says so', async () => {
    const doc = (await (await fetch(`${serverA.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    expect(doc.paths['/contributions']!.get!.description).toContain('`contribute`');
    expect(doc.paths['/contributions/{id}']!.get!.description).toContain('`contribute`');
  });
});

describe('a declared reuse is told to the people who answer for the data', () => {
  it('the organisation’s admins and the members who published the dataset; not other members; email preference kept', async () => {
    await t.db
      .insertInto('notification_preference')
      .values({ user_id: author.user.id, email_mode: 'off' })
      .execute();
    const f = new FormData();
    for (const [k, v] of Object.entries({
      title: 'Carte des arceaux 018',
      url: 'https://exemple.org/arceaux',
      kind: 'visualisation',
      datasets: traceable.slug,
    }))
      f.append(k, v);
    const res = await fetch(`${serverA.url}/reutilisations/nouvelle`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: reuser.cookie, origin: serverA.url },
      body: f,
    });
    expect(res.status).toBe(302);
    const reuseId = res.headers.get('location')!.split('/')[2]!.split('?')[0]!;
    const notified = await t.db
      .selectFrom('notification')
      .select(['user_id', 'url'])
      .where('kind', '=', 'reuse_declared')
      .execute();
    expect(notified.map((n) => n.user_id).sort()).toEqual([admin.user.id, author.user.id].sort());
    expect(new Set(notified.map((n) => n.url))).toEqual(new Set([`/reutilisations/${reuseId}`]));
    // The author chose no emails: in-app only. The admin gets the email at once.
    const emails = await t.db
      .selectFrom('email_outbox')
      .select('user_id')
      .where('subject', 'like', '%Carte des arceaux 018%')
      .execute();
    expect(emails.map((e) => e.user_id)).toEqual([admin.user.id]);
    // The author sees it in the notification centre.
    expect(
      await (
        await fetch(`${serverA.url}/notifications`, { headers: { cookie: author.cookie } })
      ).text(),
    ).toContain('Carte des arceaux 018');
  });
});

describe('ranged downloads of traceable data count one download', () => {
  const rows = () =>
    t.db
      .selectFrom('traceable_download')
      .select(['user_id', 'credential_id', 'requests', 'created_at', 'last_at'])
      .where('dataset_id', '=', traceable.datasetId)
      .orderBy('id')
      .execute();

  it('a resumed download, a seek and parallel parts by one reuser make one row with the request count', async () => {
    const key = await createPersonalKey(t.db, reuser.user.id, {
      name: 'Lecteur',
      purpose: 'Carte des arceaux pour une application',
    });
    const range = (r: string) =>
      fetch(`${serverA.url}${traceablePath}`, { headers: { ...bearer(key.secret), range: r } });
    const first = await range('bytes=0-9');
    expect(first.status).toBe(206);
    const parts = [Buffer.from(await first.arrayBuffer())];
    // Resumed where it stopped, on the other instance.
    const rest = await fetch(`${serverB.url}${traceablePath}`, {
      headers: { ...bearer(key.secret), range: 'bytes=10-' },
    });
    expect(rest.status).toBe(206);
    parts.push(Buffer.from(await rest.arrayBuffer()));
    expect(Buffer.concat(parts).toString()).toBe(CSV);
    // A seek to the end, then a download manager's parallel parts.
    expect((await range('bytes=-5')).status).toBe(206);
    const parallel = await Promise.all(
      ['bytes=0-9', 'bytes=10-19', 'bytes=20-29', 'bytes=30-'].map((r) => range(r)),
    );
    expect(parallel.map((p) => p.status)).toEqual([206, 206, 206, 206]);
    const log = await rows();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      user_id: reuser.user.id,
      credential_id: key.id,
      requests: 7,
    });
    expect(log[0]!.last_at.getTime()).toBeGreaterThanOrEqual(log[0]!.created_at.getTime());

    // The publisher's usage counts one traceable download by one reuser.
    const usageToken = await createOrganizationToken(t.db, admin.user.id, orgId, {
      name: 'Usage',
      scopes: ['read-usage'],
    });
    const usage = (await (
      await fetch(`${serverA.url}/api/v1/organisations/metropole-018/usage`, {
        headers: bearer(usageToken.secret),
      })
    ).json()) as {
      datasets: { slug: string; traceableDownloads: number }[];
      reusers: { purpose: string | null; downloads: number }[];
    };
    expect(usage.datasets.find((d) => d.slug === traceable.slug)?.traceableDownloads).toBe(1);
    expect(
      usage.reusers.find((r) => r.purpose === 'Carte des arceaux pour une application')?.downloads,
    ).toBe(1);
  });

  it('another reuser, or the same person through the website, is another download; HEAD and 304 are none', async () => {
    const before = (await rows()).length;
    const other = await createUserWithSession(t.db, { pseudonym: 'Autre lectrice' });
    const viaSite = await fetch(`${serverA.url}${traceablePath}`, {
      headers: { cookie: other.cookie },
    });
    expect(viaSite.status).toBe(200);
    const etag = viaSite.headers.get('etag')!;
    await viaSite.arrayBuffer();
    const head = await fetch(`${serverA.url}${traceablePath}`, {
      method: 'HEAD',
      headers: { cookie: other.cookie },
    });
    expect(head.status).toBe(200);
    const notModified = await fetch(`${serverA.url}${traceablePath}`, {
      headers: { cookie: other.cookie, 'if-none-match': etag },
    });
    expect(notModified.status).toBe(304);
    const sameOnSite = await fetch(`${serverA.url}${traceablePath}`, {
      headers: { cookie: reuser.cookie, range: 'bytes=0-4' },
    });
    expect(sameOnSite.status).toBe(206);
    await sameOnSite.arrayBuffer();
    const log = await rows();
    expect(log).toHaveLength(before + 2);
    expect(log.slice(before).map((r) => [r.user_id, r.credential_id, r.requests])).toEqual([
      [other.user.id, null, 1],
      [reuser.user.id, null, 1],
    ]);
  });
});
