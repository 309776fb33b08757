// Contract test of /api/v1 against its own OpenAPI document: every route file under
// app/routes/api.v1.* is described (path and methods), nothing is described that has no
// route, and real answers of every described operation, through the real HTTP server, have
// a documented status and content type and validate against the documented JSON Schema
// (ajv, draft 2020-12). Operations without a scenario below (added later by other areas)
// still get an anonymous call whose answer must be documented and valid.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { insertUpload, prepareReferences, validDraft } from '../contributions/helpers';
import { publishDataset, resetCatalogueFixtures, retract } from '../catalogue/helpers';
import type { Published } from '../catalogue/helpers';

const ROUTES = path.join(__dirname, '../../app/routes');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}
interface Doc {
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: Record<string, unknown>;
}

let t: TestDatabase;
let server: TestServer;
let doc: Doc;
let validatorFor: (pointer: string) => ((v: unknown) => boolean) & { errors?: unknown };
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-contract-'));
let member: SignedInTestUser;
let other: SignedInTestUser;
let dataset: Published;
let gone: Published;
const exercised = new Set<string>();

/** `api.v1.contributions.$id.files.ts` → `/contributions/{}/files` (parameter names dropped). */
function routePath(file: string): string {
  const name = file
    .replace(/\.tsx?$/, '')
    .replace(/\[\.\]/g, '~dot~')
    .replace(/^api\.v1\.?/, '');
  const segments = name
    .split('.')
    .filter((s) => s && !s.startsWith('_')) // _index, pathless layouts
    .map((s) => s.replace(/_$/, '')) // `$slug_.usage`: no layout nesting, same URL
    .map((s) => (s.startsWith('$') ? '{}' : s.replace(/~dot~/g, '.')));
  return `/${segments.join('/')}`;
}
const normalise = (p: string) => p.replace(/\{[^}]*\}/g, '{}');

function findOperation(method: Method, concretePath: string) {
  for (const [template, ops] of Object.entries(doc.paths)) {
    const parts = template.split(/\{[^}]*\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
    const re = new RegExp(`^${parts.join('[^/]+')}$`);
    if (re.test(concretePath) && ops[method]) return { template, op: ops[method] };
  }
  return null;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Sends a request to /api/v1, and checks the answer against the document: the operation is
 * documented (with the expected id when given), the status is one of its responses, the
 * content type is the documented one, and the body validates against its schema.
 */
async function call(
  method: Method,
  apiPath: string,
  opts: {
    cookie?: string;
    body?: unknown;
    rawBody?: string;
    origin?: string;
    accept?: string;
    expect: number;
    operationId?: string;
  },
) {
  const url = new URL(`/api/v1${apiPath}`, server.url);
  const found = findOperation(method, url.pathname.slice('/api/v1'.length));
  const label = `${method.toUpperCase()} ${apiPath}`;
  expect(found, `${label} is not in the OpenAPI document`).not.toBeNull();
  const { template, op } = found!;
  if (opts.operationId) expect(op.operationId, label).toBe(opts.operationId);
  exercised.add(op.operationId);
  const res = await fetch(url, {
    method: method.toUpperCase(),
    headers: {
      accept: opts.accept ?? 'application/json',
      origin: opts.origin ?? server.url,
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.body !== undefined || opts.rawBody !== undefined
        ? { 'content-type': 'application/json' }
        : {}),
    },
    body: opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  const text = await res.text();
  expect(res.status, `${label}: ${text.slice(0, 300)}`).toBe(opts.expect);
  checkAgainstDocument(label, template, method, op, res, text);
  return text ? (JSON.parse(text) as Record<string, unknown>) : null;
}

function checkAgainstDocument(
  label: string,
  template: string,
  method: Method,
  op: Operation,
  res: Response,
  text: string,
) {
  const documented = op.responses[String(res.status)];
  expect(documented, `${label}: status ${res.status} is not documented`).toBeDefined();
  const content = documented!.content;
  if (!content) {
    expect(text, `${label}: ${res.status} documents no body`).toBe('');
    return;
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  expect(Object.keys(content), `${label}: content type ${type}`).toContain(type);
  const validate = validatorFor(
    `#/${pointer('paths', template, method, 'responses', String(res.status), 'content', type, 'schema')}`,
  );
  const valid = validate(JSON.parse(text));
  expect(validate.errors ?? [], `${label}: ${text.slice(0, 500)}`).toEqual([]);
  expect(valid).toBe(true);
}

beforeAll(async () => {
  resetCatalogueFixtures();
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  const org = await t.db
    .insertInto('organization')
    .values({ slug: 'ville-de-lyon', name: 'Ville de Lyon', kind: 'public_body' })
    .returning('id')
    .executeTakeFirstOrThrow();
  member = await createUserWithSession(t.db);
  other = await createUserWithSession(t.db);
  await t.db
    .insertInto('membership')
    .values({ user_id: member.user.id, organization_id: org.id, role: 'admin' })
    .execute();
  dataset = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: member.user.id,
    draft: { title: 'Éclairage public', organizationId: org.id, themes: ['energie'] },
  });
  gone = await publishDataset(t.db, refs, uploadsDir, { draft: { title: 'Retiré' } });
  await retract(t.db, gone.contributionId);
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
  doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as Doc;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  // The document as one schema resource: its $refs (#/components/schemas/…) resolve in it.
  const base = 'https://terridata.test/openapi.json';
  ajv.addSchema({ $id: base, components: doc.components, paths: doc.paths });
  validatorFor = (p) => {
    const v = ajv.getSchema(`${base}${p}`);
    if (!v) throw new Error(`no schema at ${p}`);
    return v as never;
  };
}, 180_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('the OpenAPI document and the route files', () => {
  it('describes every /api/v1 route file with its methods, and nothing that has no route', () => {
    const files = readdirSync(ROUTES).filter((f) => /^api\.v1[.[]/.test(f));
    expect(files.length).toBeGreaterThan(10);
    const documented = new Map(
      Object.entries(doc.paths).map(([p, ops]) => [normalise(p), { p, ops }]),
    );
    const undocumented: string[] = [];
    const routePaths = new Set<string>();
    for (const file of files) {
      const source = readFileSync(path.join(ROUTES, file), 'utf8');
      const p = routePath(file);
      routePaths.add(p);
      const entry = documented.get(p);
      if (!entry) {
        undocumented.push(`${file} (${p})`);
        continue;
      }
      const methods = new Set<Method>();
      if (/export\s+(async\s+function|const)\s+loader\b/.test(source)) methods.add('get');
      if (/export\s+(async\s+function|const)\s+action\b/.test(source)) {
        const named = [...source.matchAll(/request\.method\s*[!=]==\s*'([A-Z]+)'/g)].map(
          (m) => m[1]!.toLowerCase() as Method,
        );
        const mutating = named.filter((m) => m !== 'get');
        if (mutating.length) for (const m of mutating) methods.add(m);
        else if (!METHODS.some((m) => m !== 'get' && entry.ops[m]))
          undocumented.push(`${file}: its action (no write method documented)`);
      }
      for (const m of methods)
        if (!entry.ops[m]) undocumented.push(`${file}: ${m.toUpperCase()} ${entry.p}`);
    }
    expect(undocumented, 'route files missing from /api/v1/openapi.json').toEqual([]);
    const withoutRoute = [...documented.keys()].filter((p) => !routePaths.has(p));
    expect(withoutRoute, 'documented paths without a route file').toEqual([]);
  });

  it('declares the two ways to call the signed-in routes, on every contributions and uploads operation', () => {
    const schemes = (doc.components as { securitySchemes: Record<string, { type: string }> })
      .securitySchemes;
    expect(schemes.sessionCookie).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'td_session',
    });
    expect(schemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [p, ops] of Object.entries(doc.paths)) {
      if (!/^\/(contributions|uploads)/.test(p)) continue;
      for (const m of METHODS) {
        const op = ops[m] as (Operation & { security?: unknown[] }) | undefined;
        if (!op) continue;
        expect(op.security, `${m} ${p}`).toEqual([{ sessionCookie: [] }, { bearerToken: [] }]);
        expect(op.responses['401'], `${m} ${p}`).toBeDefined();
      }
    }
  });
});

describe('real answers against the documented schemas', () => {
  it('the catalogue: datasets, versions, files, organisations, reference lists, the document', async () => {
    await call('get', '/datasets?limit=1', { expect: 200, operationId: 'searchDatasets' });
    await call('get', `/datasets?q=${encodeURIComponent('éclairage')}&theme=energie`, {
      expect: 200,
    });
    await call('get', '/datasets?limit=100000', { expect: 400 });
    await call('get', '/datasets', { accept: 'text/html', expect: 406 });
    await call('get', '/openapi.json', { accept: 'application/xml', expect: 406 });
    await call('get', '/datasets?cursor=nonsense', { expect: 400 });
    await call('get', `/datasets/${dataset.slug}`, { expect: 200, operationId: 'getDataset' });
    await call('get', `/datasets/${dataset.datasetId}`, { expect: 200 });
    await call('get', `/datasets/${gone.slug}`, { expect: 410 });
    await call('get', '/datasets/unknown', { expect: 404 });
    await call('get', `/datasets/${dataset.slug}/versions`, {
      expect: 200,
      operationId: 'listVersions',
    });
    await call('get', `/datasets/unknown/versions`, { expect: 404 });
    await call('get', `/datasets/${dataset.slug}/distributions`, {
      expect: 200,
      operationId: 'listDistributions',
    });
    await call('get', `/datasets/unknown/distributions`, { expect: 404 });
    await call('get', '/organisations?limit=1', { expect: 200, operationId: 'listOrganisations' });
    await call('get', '/organisations?limit=0', { expect: 400 });
    await call('get', '/organisations/ville-de-lyon', {
      expect: 200,
      operationId: 'getOrganisation',
    });
    await call('get', '/organisations/nope', { expect: 404 });
    await call('get', '/communes', { expect: 200, operationId: 'listCommunes' });
    await call('get', '/licences', { expect: 200, operationId: 'listLicences' });
    await call('get', '/themes', { expect: 200, operationId: 'listThemes' });
    await call('get', '/openapi.json', { expect: 200, operationId: 'getOpenApiDocument' });
  });

  it('contributions and uploads, signed in, through a whole life and its refusals', async () => {
    const me = member.cookie;
    await call('get', '/contributions', { expect: 401, operationId: 'listContributions' });
    await call('get', '/uploads', { expect: 401, operationId: 'listUploads' });
    await call('post', '/contributions', { expect: 401, body: {} });

    const created = await call('post', '/contributions', {
      cookie: me,
      body: { kind: 'new_dataset' },
      expect: 201,
      operationId: 'createContribution',
    });
    const id = created!.id as string;
    await call('post', '/contributions', {
      cookie: me,
      body: { kind: 'observation' },
      expect: 422,
    });
    await call('post', '/contributions', { cookie: me, rawBody: '{nope', expect: 400 });
    // The session cookie from another site: refused by the CSRF check, documented as 403.
    await call('post', '/contributions', {
      cookie: me,
      body: {},
      origin: 'https://evil.example',
      expect: 403,
    });

    await call('get', `/contributions/${id}`, {
      cookie: me,
      expect: 200,
      operationId: 'getContribution',
    });
    await call('get', `/contributions/${id}`, { cookie: other.cookie, expect: 404 });
    await call('get', `/contributions/${id}`, { expect: 401 });
    await call('patch', `/contributions/${id}`, {
      cookie: me,
      body: { ...validDraft(), personalData: false, rightsStatement: true },
      expect: 200,
      operationId: 'saveContributionDraft',
    });
    await call('patch', `/contributions/${id}`, {
      cookie: me,
      body: { title: 42 },
      expect: 422,
    });
    await call('patch', `/contributions/${UNKNOWN}`, { cookie: me, body: {}, expect: 404 });

    const upload = await insertUpload(t.db, member.user.id, { filename: 'arceaux.csv' });
    const spare = await insertUpload(t.db, member.user.id, { filename: 'spare.csv' });
    await call('post', `/contributions/${id}/files`, {
      cookie: me,
      body: { uploadId: spare },
      expect: 200,
      operationId: 'attachContributionFile',
    });
    await call('delete', `/contributions/${id}/files`, {
      cookie: me,
      body: { uploadId: spare },
      expect: 200,
      operationId: 'detachContributionFile',
    });
    await call('post', `/contributions/${id}/files`, {
      cookie: me,
      body: { uploadId: upload },
      expect: 200,
    });
    const foreign = await insertUpload(t.db, other.user.id);
    await call('post', `/contributions/${id}/files`, {
      cookie: me,
      body: { uploadId: foreign },
      expect: 422,
    });
    await call('post', `/contributions/${id}/files`, { cookie: me, body: {}, expect: 422 });
    await call('get', '/uploads', { cookie: me, expect: 200 });

    const detail = await call('get', `/contributions/${id}`, { cookie: me, expect: 200 });
    expect((detail!.revisions as { files: unknown[] }[])[0]!.files).toHaveLength(1);

    await call('post', `/contributions/${id}/submit`, {
      cookie: me,
      expect: 200,
      operationId: 'submitContribution',
    });
    await call('post', `/contributions/${id}/submit`, { cookie: me, expect: 409 });
    await call('patch', `/contributions/${id}`, { cookie: me, body: { title: 'x' }, expect: 409 });
    await call('get', '/contributions', { cookie: me, expect: 200 });
    await call('post', `/contributions/${id}/withdraw`, {
      cookie: me,
      expect: 200,
      operationId: 'withdrawContribution',
    });
    await call('post', `/contributions/${id}/withdraw`, { cookie: me, expect: 409 });
    await call('delete', `/contributions/${id}`, { cookie: me, expect: 409 });

    const draft = await call('post', '/contributions', { cookie: me, body: {}, expect: 201 });
    await call('delete', `/contributions/${draft!.id as string}`, {
      cookie: me,
      expect: 204,
      operationId: 'discardContributionDraft',
    });
    await call('get', `/contributions/${draft!.id as string}`, { cookie: me, expect: 404 });
  });

  it('never answers hostile parameters with a 500 on any documented GET, errors as problem+json', async () => {
    const hostile = new URLSearchParams({
      rows: '100000',
      start: '-5',
      limit: '100000',
      page: '-5',
      cursor: 'nonsense',
      q: 'title:(a OR b) AND "x !',
      fq: 'nonsense:"x',
      sort: 'drop table desc',
    }).toString();
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (!ops.get) continue;
      for (const id of [UNKNOWN, 'x'.repeat(3000), encodeURIComponent("'; select 1; --")]) {
        const p = `/api/v1${template.replace(/\{[^}]*\}/g, id)}?${hostile}`;
        for (const cookie of [undefined, member.cookie]) {
          const res = await fetch(`${server.url}${p}`, { headers: cookie ? { cookie } : {} });
          expect(res.status, `${template} ${id.slice(0, 20)}`).toBeLessThan(500);
          if (res.status >= 400)
            expect(res.headers.get('content-type'), `${template} ${res.status}`).toMatch(
              /application\/problem\+json/,
            );
        }
        if (!template.includes('{')) break;
      }
    }
  });

  it('every other documented operation answers an anonymous call as documented', async () => {
    const rest: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const m of METHODS) {
        const op = ops[m];
        if (!op || exercised.has(op.operationId)) continue;
        rest.push(op.operationId);
        const concrete = template.replace(/\{[^}]*\}/g, UNKNOWN);
        const url = new URL(`/api/v1${concrete}`, server.url);
        const res = await fetch(url, {
          method: m.toUpperCase(),
          headers: {
            accept: 'application/json',
            origin: server.url,
            ...(m === 'get' ? {} : { 'content-type': 'application/json' }),
          },
          body: m === 'get' ? undefined : '{}',
        });
        const text = await res.text();
        const label = `${m.toUpperCase()} ${concrete} (${op.operationId}, no scenario)`;
        expect(res.status, `${label}: ${text.slice(0, 300)}`).toBeLessThan(500);
        checkAgainstDocument(label, template, m, op, res, text);
      }
    }
    // Every operation was called once, by a scenario above or here.
    const all = Object.values(doc.paths).flatMap((ops) =>
      METHODS.flatMap((m) => (ops[m] ? [ops[m].operationId] : [])),
    );
    expect(new Set([...exercised, ...rest])).toEqual(new Set(all));
  });
});
