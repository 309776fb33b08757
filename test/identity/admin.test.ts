// Roles and administration over the real server: second factor required of admins, moderator
// scopes granted and revoked, organisations verified, the append-only audit log, the
// outbox, failing jobs and the legal pages (with a new terms version re-accepted).
import { generate } from 'otplib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopesCover } from '../../app/domain/identity/permissions.server';
import { enqueueJob } from '../../app/domain/jobs/jobs.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { get, makeUser, post, sessionCookieOf } from './support';
import type { MadeUser } from './support';

let t: TestDatabase;
let s: TestServer;
let admin: MadeUser;
beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer({ db: t.db, pool: t.pool });
  admin = await makeUser(t.db, { isAdmin: true, pseudonym: 'Admin Principal' });
});
afterAll(async () => {
  await s?.close();
  await t?.close();
});

const secretOf = async (userId: string) =>
  (
    await t.db
      .selectFrom('users')
      .select('totp_secret')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow()
  ).totp_secret!;

async function enableTotp(u: MadeUser): Promise<{ secret: string; codes: string[] }> {
  const page = await get(s.url, '/compte/securite', { cookie: u.cookie });
  expect(page.status).toBe(200);
  const secret = await secretOf(u.id);
  expect(await page.text()).toContain(secret);
  const res = await post(
    s.url,
    '/compte/securite',
    { intent: 'totp-enable', code: await generate({ secret }) },
    { cookie: u.cookie },
  );
  expect(res.status).toBe(200);
  const html = await res.text();
  const codes = [...html.matchAll(/<code>([a-z0-9]{5}-[a-z0-9]{5})<\/code>/g)].map((m) => m[1]!);
  expect(codes).toHaveLength(10);
  return { secret, codes };
}

describe('admins must set up their second factor', () => {
  it('sends an admin without TOTP to the security page, then lets them in once it is on', async () => {
    const res = await get(s.url, '/admin', { cookie: admin.cookie });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/compte/securite?requis=1');
    const wrong = await post(
      s.url,
      '/compte/securite',
      { intent: 'totp-enable', code: '000000' },
      { cookie: admin.cookie },
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Ce code n’est pas valable');
    await enableTotp(admin);
    expect((await get(s.url, '/admin', { cookie: admin.cookie })).status).toBe(200);
  });

  it('a demo admin without TOTP may use the role, and the page says TOTP is disabled', async () => {
    const demo = await makeUser(t.db, { isAdmin: true, isDemo: true });
    expect((await get(s.url, '/admin', { cookie: demo.cookie })).status).toBe(200);
    const page = await (await get(s.url, '/compte/securite', { cookie: demo.cookie })).text();
    expect(page).toContain(
      'Compte de démonstration : la vérification en deux étapes est désactivée',
    );
  });

  it('signing in with TOTP takes two steps; a recovery code works once', async () => {
    const u = await makeUser(t.db, { isAdmin: true });
    const { secret, codes } = await enableTotp(u);
    const step1 = await post(
      s.url,
      '/connexion',
      { email: u.email, password: u.password, redirectTo: '/admin' },
      { ip: '10.9.0.1' },
    );
    expect(step1.headers.get('location')).toBe('/connexion/deux-facteurs?redirectTo=%2Fadmin');
    const pending = sessionCookieOf(step1)!;
    // Half a session opens nothing.
    expect((await get(s.url, '/compte', { cookie: pending })).status).toBe(302);
    const bad = await post(
      s.url,
      '/connexion/deux-facteurs?redirectTo=%2Fadmin',
      { code: '123456' },
      { cookie: pending },
    );
    expect(bad.status).toBe(400);
    const ok = await post(
      s.url,
      '/connexion/deux-facteurs?redirectTo=%2Fadmin',
      { code: await generate({ secret }) },
      { cookie: pending },
    );
    expect(ok.headers.get('location')).toBe('/admin');
    const full = sessionCookieOf(ok)!;
    expect((await get(s.url, '/admin', { cookie: full })).status).toBe(200);
    expect((await get(s.url, '/compte', { cookie: pending })).status).toBe(302);

    const again = sessionCookieOf(
      await post(s.url, '/connexion', { email: u.email, password: u.password }, { ip: '10.9.0.2' }),
    )!;
    const viaRecovery = await post(
      s.url,
      '/connexion/deux-facteurs',
      { code: codes[0]!.toUpperCase() },
      { cookie: again },
    );
    expect(viaRecovery.status).toBe(302);
    const third = sessionCookieOf(
      await post(s.url, '/connexion', { email: u.email, password: u.password }, { ip: '10.9.0.3' }),
    )!;
    expect(
      (await post(s.url, '/connexion/deux-facteurs', { code: codes[0]! }, { cookie: third }))
        .status,
    ).toBe(400);
  });
});

describe('a citizen is refused administration', () => {
  it('gets 403 on admin pages and admin actions', async () => {
    const citizen = await makeUser(t.db);
    for (const p of [
      '/admin',
      '/admin/utilisateurs',
      `/admin/utilisateurs/${citizen.id}`,
      '/admin/journal',
      '/admin/courriels',
      '/admin/taches',
      '/admin/pages/conditions',
    ]) {
      expect((await get(s.url, p, { cookie: citizen.cookie })).status, p).toBe(403);
    }
    const grant = await post(
      s.url,
      `/admin/utilisateurs/${citizen.id}`,
      { intent: 'admin', value: 'on' },
      { cookie: citizen.cookie },
    );
    expect(grant.status).toBe(403);
    const row = await t.db
      .selectFrom('users')
      .select('is_admin')
      .where('id', '=', citizen.id)
      .executeTakeFirstOrThrow();
    expect(row.is_admin).toBe(false);
  });
});

describe('administration, audited', () => {
  it('grants and revokes moderator scopes and admin; every act is in the journal', async () => {
    const u = await makeUser(t.db, { pseudonym: 'Future Modératrice' });
    const search = await (
      await get(s.url, '/admin/utilisateurs?q=future', { cookie: admin.cookie })
    ).text();
    expect(search).toContain('Future Modératrice');
    expect(
      await (
        await get(s.url, '/admin/utilisateurs?q=zzzz-nobody', { cookie: admin.cookie })
      ).text(),
    ).not.toContain('Future Modératrice');

    expect(
      (
        await post(
          s.url,
          `/admin/utilisateurs/${u.id}`,
          { intent: 'scope-add', kind: 'territory', code: '69266' },
          { cookie: admin.cookie },
        )
      ).status,
    ).toBe(302);
    expect(
      (
        await post(
          s.url,
          `/admin/utilisateurs/${u.id}`,
          { intent: 'scope-add', kind: 'theme', code: 'Voirie' },
          { cookie: admin.cookie },
        )
      ).status,
    ).toBe(302);
    expect(
      (
        await post(
          s.url,
          `/admin/utilisateurs/${u.id}`,
          { intent: 'scope-add', kind: 'territory', code: '99999' },
          { cookie: admin.cookie },
        )
      ).status,
    ).toBe(400);
    const scopes = await t.db
      .selectFrom('moderator_scope')
      .select(['kind', 'code', 'granted_by'])
      .where('user_id', '=', u.id)
      .orderBy('kind')
      .execute();
    expect(scopes).toEqual([
      { kind: 'territory', code: '69266', granted_by: admin.id },
      { kind: 'theme', code: 'voirie', granted_by: admin.id },
    ]);
    // The new moderator must set up TOTP before using the role.
    const account = await (await get(s.url, '/compte', { cookie: u.cookie })).text();
    expect(account).toContain('Modérateur');
    expect(account).toContain('ne sera actif qu’une fois la vérification en deux étapes activée');

    await post(
      s.url,
      `/admin/utilisateurs/${u.id}`,
      { intent: 'scope-remove', kind: 'theme', code: 'voirie' },
      { cookie: admin.cookie },
    );
    await post(
      s.url,
      `/admin/utilisateurs/${u.id}`,
      { intent: 'admin', value: 'on' },
      { cookie: admin.cookie },
    );
    expect(
      (
        await t.db
          .selectFrom('users')
          .select('is_admin')
          .where('id', '=', u.id)
          .executeTakeFirstOrThrow()
      ).is_admin,
    ).toBe(true);
    const self = await post(
      s.url,
      `/admin/utilisateurs/${admin.id}`,
      { intent: 'admin', value: 'off' },
      { cookie: admin.cookie },
    );
    expect(self.status).toBe(409);

    const log = await t.db
      .selectFrom('audit_log')
      .select(['actor_id', 'action', 'target_id', 'details'])
      .where('target_id', '=', u.id)
      .orderBy('id')
      .execute();
    expect(log.map((l) => l.action)).toEqual([
      'user.moderator_scope_grant',
      'user.moderator_scope_grant',
      'user.moderator_scope_revoke',
      'user.admin_grant',
    ]);
    expect(log.every((l) => l.actor_id === admin.id)).toBe(true);
    const journal = await (
      await get(s.url, '/admin/journal?action=user.moderator_scope_grant', { cookie: admin.cookie })
    ).text();
    expect(journal.match(/<code>user\.moderator_scope_grant<\/code>/g)).toHaveLength(2);
    expect(journal).not.toContain('<code>user.admin_grant</code>');
    expect(journal).toContain('Admin Principal');
  });

  it('an admin resets another user’s second factor (audited)', async () => {
    const u = await makeUser(t.db, { totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    expect(
      (
        await post(
          s.url,
          `/admin/utilisateurs/${u.id}`,
          { intent: 'totp-reset' },
          { cookie: admin.cookie },
        )
      ).status,
    ).toBe(302);
    const row = await t.db
      .selectFrom('users')
      .select(['totp_secret', 'totp_enabled_at'])
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ totp_secret: null, totp_enabled_at: null });
    const log = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', u.id)
      .execute();
    expect(log.map((l) => l.action)).toEqual(['user.second_factor_reset']);
  });

  it('verifies an organisation (audited, shown on its public page)', async () => {
    const org = await t.db
      .insertInto('organization')
      .values({ slug: 'grand-lyon-velo', name: 'Grand Lyon Vélo', kind: 'association' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(
      await (
        await get(s.url, '/admin/organisations?filtre=a-verifier', { cookie: admin.cookie })
      ).text(),
    ).toContain('Grand Lyon Vélo');
    const res = await post(
      s.url,
      '/admin/organisations',
      { organizationId: org.id, verified: 'on' },
      { cookie: admin.cookie },
    );
    expect(res.status).toBe(302);
    expect(await (await get(s.url, '/organisations/grand-lyon-velo')).text()).toContain(
      '✓ Vérifiée',
    );
    const log = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('target_id', '=', org.id)
      .execute();
    expect(log).toEqual([{ action: 'organization.verify', actor_id: admin.id }]);
  });

  it('the audit log refuses updates and deletes', async () => {
    await expect(sql`update audit_log set action = 'forged'`.execute(t.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('shows the outbox and the failing background jobs', async () => {
    await post(s.url, '/mot-de-passe-oublie', { email: admin.email }, { ip: '10.9.1.1' });
    const outbox = await (
      await get(s.url, `/admin/courriels?to=${encodeURIComponent(admin.email)}`, {
        cookie: admin.cookie,
      })
    ).text();
    expect(outbox).toContain('Réinitialisation de votre mot de passe');
    expect(outbox).toContain('Aucun serveur SMTP n’est configuré');

    const id = await enqueueJob(t.db, 'send_email', { id: '999999' });
    await sql`update graphile_worker._private_jobs set attempts = 1, last_error = 'SMTP said no (test)' where id = ${id}::bigint`.execute(
      t.db,
    );
    const jobs = await (await get(s.url, '/admin/taches', { cookie: admin.cookie })).text();
    expect(jobs).toContain('SMTP said no (test)');
    expect(jobs).toContain('send_email');
  });
});

describe('legal pages', () => {
  it('are public in both languages, edited by admins; a new terms version must be accepted again', async () => {
    expect(await (await get(s.url, '/mentions-legales')).text()).toContain('Mentions légales');
    expect(await (await get(s.url, '/accessibilite', { lang: 'en' })).text()).toContain(
      'Accessibility: partially compliant',
    );
    expect(await (await get(s.url, '/donnees-personnelles')).text()).toContain('Vos droits');
    const citizen = await makeUser(t.db);
    expect(
      (
        await post(
          s.url,
          '/admin/pages/conditions',
          { locale: 'fr', title: 'x', body: 'y' },
          { cookie: citizen.cookie },
        )
      ).status,
    ).toBe(403);

    const edit = await post(
      s.url,
      '/admin/pages/conditions',
      {
        locale: 'fr',
        title: 'Conditions d’utilisation',
        body: 'Article 1 : soyez courtois.\n\nArticle 2 : nouvelles règles.',
        newVersion: 'on',
      },
      { cookie: admin.cookie },
    );
    expect(edit.headers.get('location')).toBe('/admin/pages/conditions?version=2');
    const page = await (await get(s.url, '/conditions')).text();
    expect(page).toContain('Article 2 : nouvelles règles.');
    expect(page).toContain('Version 2');
    // English keeps its text, with the new version number.
    expect(await (await get(s.url, '/conditions', { lang: 'en' })).text()).toContain('Version 2');

    const signIn = await post(
      s.url,
      '/connexion',
      { email: citizen.email, password: citizen.password, redirectTo: '/organisations' },
      { ip: '10.9.2.1' },
    );
    expect(signIn.headers.get('location')).toBe('/conditions/accepter?redirectTo=%2Forganisations');
    const cookie = sessionCookieOf(signIn)!;
    const accept = await post(
      s.url,
      '/conditions/accepter?redirectTo=%2Forganisations',
      {},
      { cookie },
    );
    expect(accept.headers.get('location')).toBe('/organisations');
    expect(
      (
        await t.db
          .selectFrom('users')
          .select('terms_version')
          .where('id', '=', citizen.id)
          .executeTakeFirstOrThrow()
      ).terms_version,
    ).toBe(2);
    const log = await t.db
      .selectFrom('audit_log')
      .select(['action', 'target_id'])
      .where('action', '=', 'legal.update')
      .execute();
    expect(log).toEqual([{ action: 'legal.update', target_id: 'conditions/fr' }]);
  });
});

describe('moderator scopes', () => {
  it('cover a commune and/or a theme', () => {
    const metropole = [{ kind: 'territory' as const, code: '200046977' }];
    const villeurbanneVoirie = [
      { kind: 'territory' as const, code: '69266' },
      { kind: 'theme' as const, code: 'voirie' },
    ];
    expect(scopesCover(metropole, { communeCode: '69123', theme: 'eau' })).toBe(true);
    expect(scopesCover(villeurbanneVoirie, { communeCode: '69266', theme: 'voirie' })).toBe(true);
    expect(scopesCover(villeurbanneVoirie, { communeCode: '69123', theme: 'voirie' })).toBe(false);
    expect(scopesCover(villeurbanneVoirie, { communeCode: '69266', theme: 'eau' })).toBe(false);
    expect(
      scopesCover([{ kind: 'theme', code: 'eau' }], { communeCode: '69123', theme: 'eau' }),
    ).toBe(true);
    expect(scopesCover([], { communeCode: '69123' })).toBe(false);
  });
});
