// THE ROUTE-MANIFEST PERMISSION TEST. Every route module of the production build must
// declare `handle.access`; its loader and action are then called on the running server as
// an anonymous visitor and as a plain signed-in citizen, and anything above the caller's
// level must answer 401/403 or redirect to sign-in. Routes added later join automatically.
// Dynamic segments are filled with a dummy value (a UUID, which also serves as a slug).
import path from 'node:path';
import type { ServerBuild } from '@remix-run/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLevels } from '../../app/domain/identity/access';
import type { AccessLevel } from '../../app/domain/identity/access';
import { buildDirectory } from '../../server/app';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { makeUser } from './support';

const build = (await import(
  /* @vite-ignore */ path.join(buildDirectory(), 'server/index.js')
)) as ServerBuild;
const DUMMY = '00000000-0000-4000-8000-000000000000';
const rank = (l: AccessLevel) => accessLevels.indexOf(l);

interface RouteCase {
  id: string;
  url: string;
  access: AccessLevel | undefined;
  hasLoader: boolean;
  hasAction: boolean;
}

function fullPath(id: string): string {
  const segments: string[] = [];
  for (let r = build.routes[id]; r; r = r.parentId ? build.routes[r.parentId] : undefined)
    if (r.path) segments.unshift(r.path);
  const p = segments
    .join('/')
    .split('/')
    .filter((s) => s !== '' && !/^:\w+\?$/.test(s) && !/^\(.*\)$/.test(s))
    .map((s) => (s === '*' ? 'dummy' : s.startsWith(':') ? DUMMY : s.replace(/\?$/, '')))
    .join('/');
  return `/${p}`;
}

const cases: RouteCase[] = Object.values(build.routes).map((r) => {
  const mod = r.module as { handle?: { access?: AccessLevel }; loader?: unknown; action?: unknown };
  const url = fullPath(r.id);
  return {
    id: r.id,
    url: r.index ? `${url}${url.includes('?') ? '&' : '?'}index` : url,
    access: mod.handle?.access,
    hasLoader: typeof mod.loader === 'function',
    hasAction: typeof mod.action === 'function',
  };
});

let t: TestDatabase;
let s: TestServer;
let citizenCookie = '';
beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer({ db: t.db, pool: t.pool });
  citizenCookie = (await makeUser(t.db)).cookie;
});
afterAll(async () => {
  await s?.close();
  await t?.close();
});

function refusedOrSentToSignIn(res: Response): boolean {
  if (res.status === 401 || res.status === 403) return true;
  if (res.status >= 300 && res.status < 400) {
    const loc = res.headers.get('location') ?? '';
    return new URL(loc, 'http://x').pathname === '/connexion';
  }
  return false;
}

describe('route manifest', () => {
  it('has routes from the build', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it('every route declares an access level', () => {
    const undeclared = cases
      .filter((c) => !c.access || !accessLevels.includes(c.access))
      .map((c) => c.id);
    expect(undeclared, `routes without handle.access: ${undeclared.join(', ')}`).toEqual([]);
  });
});

const callers = [
  { name: 'an anonymous visitor', level: 'public' as AccessLevel, cookie: () => '' },
  { name: 'a plain citizen', level: 'signed-in' as AccessLevel, cookie: () => citizenCookie },
];

for (const caller of callers) {
  describe(`as ${caller.name}, routes above that level are refused`, () => {
    const above = cases.filter(
      (c) => c.access && rank(c.access) > rank(caller.level) && (c.hasLoader || c.hasAction),
    );
    it.each(above.map((c) => [`${c.id} (${c.access}) ${c.url}`, c] as const))(
      '%s',
      async (_name, c) => {
        const headers: Record<string, string> = {};
        if (caller.cookie()) headers.Cookie = caller.cookie();
        if (c.hasLoader) {
          const res = await fetch(`${s.url}${c.url}`, { headers, redirect: 'manual' });
          expect(
            refusedOrSentToSignIn(res),
            `GET ${c.url} answered ${res.status} ${res.headers.get('location') ?? ''}`,
          ).toBe(true);
        }
        if (c.hasAction) {
          const res = await fetch(`${s.url}${c.url}`, {
            method: 'POST',
            headers: {
              ...headers,
              Origin: s.url,
              'Content-Type': 'application/x-www-form-urlencoded',
            },
            body: 'intent=dummy',
            redirect: 'manual',
          });
          expect(
            refusedOrSentToSignIn(res),
            `POST ${c.url} answered ${res.status} ${res.headers.get('location') ?? ''}`,
          ).toBe(true);
        }
      },
    );
  });
}
