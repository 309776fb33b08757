// Accounts over the real HTTP server: sign-up with email verification, sign-in with
// throttling, sign-out, password reset, email change, account deletion and export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { count, get, lastEmailTo, makeUser, post, sessionCookieOf } from './support';

let t: TestDatabase;
let s: TestServer;
beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer({ db: t.db, pool: t.pool });
});
afterAll(async () => {
  await s?.close();
  await t?.close();
});

const good = {
  email: 'camille@example.test',
  password: 'une phrase assez longue',
  pseudonym: 'Camille',
  acceptTerms: 'on',
};

describe('sign-up: bad input is refused field by field, in the page language, and nothing is written', () => {
  it('a malformed email', async () => {
    const before = await count(t.db, 'users');
    const fr = await post(s.url, '/inscription', { ...good, email: 'pas-une-adresse' });
    expect(fr.status).toBe(400);
    expect(await fr.text()).toContain('Saisissez une adresse électronique valide');
    const en = await post(
      s.url,
      '/inscription',
      { ...good, email: 'not-an-address' },
      { lang: 'en' },
    );
    expect(await en.text()).toContain('Enter a valid email address');
    expect(await count(t.db, 'users')).toBe(before);
    expect(await count(t.db, 'email_outbox')).toBe(0);
  });

  it('a password under 12 characters', async () => {
    const before = await count(t.db, 'users');
    const res = await post(s.url, '/inscription', { ...good, password: 'court123' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Le mot de passe doit contenir au moins 12 caractères.');
    expect(html).toMatch(
      /aria-invalid="true"[^>]*name="password"|name="password"[^>]*aria-invalid="true"/,
    );
    const en = await post(s.url, '/inscription', { ...good, password: 'short123' }, { lang: 'en' });
    expect(await en.text()).toContain('The password must have at least 12 characters.');
    expect(await count(t.db, 'users')).toBe(before);
  });

  it('an email already used (whatever its case)', async () => {
    await makeUser(t.db, { email: 'deja@example.test' });
    const before = await count(t.db, 'users');
    const res = await post(s.url, '/inscription', { ...good, email: 'DEJA@example.test' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Un compte utilise déjà cette adresse électronique.');
    expect(await count(t.db, 'users')).toBe(before);
  });

  it('terms not accepted', async () => {
    const { acceptTerms: _, ...rest } = good;
    const res = await post(s.url, '/inscription', { ...rest, email: 'terms@example.test' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Vous devez accepter les conditions d’utilisation');
  });
});

describe('sign-up, verification, sign-in, sign-out', () => {
  it('verifies the address from the emailed link, records the terms version, then signs in and out', async () => {
    const res = await post(s.url, '/inscription', good, { ip: '10.0.0.1' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/inscription?envoye=1');
    const user = await t.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', good.email)
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect(user.terms_version).toBe(1);
    expect(user.terms_accepted_at).not.toBeNull();

    // Not verified yet: refused, and a new link is sent.
    const early = await post(
      s.url,
      '/connexion',
      { email: good.email, password: good.password },
      { ip: '10.0.0.1' },
    );
    expect(early.status).toBe(400);
    expect(await early.text()).toContain('pas encore confirmée');

    const mail = await lastEmailTo(t.db, good.email);
    expect(mail?.template).toBe('verify_email');
    expect(mail?.path).toMatch(/^\/verifier-email\//);
    expect((await get(s.url, mail!.path!)).status).toBe(200);
    const verified = await post(s.url, mail!.path!, {});
    expect(verified.status).toBe(302);
    expect(verified.headers.get('location')).toBe('/connexion?info=verifie');
    expect((await post(s.url, mail!.path!, {})).status).toBe(410); // single use

    const signIn = await post(
      s.url,
      '/connexion',
      { email: 'Camille@Example.test', password: good.password, redirectTo: '/compte' },
      { ip: '10.0.0.1' },
    );
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get('location')).toBe('/compte');
    const cookie = sessionCookieOf(signIn)!;
    expect(signIn.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(signIn.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    const page = await get(s.url, '/compte', { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Camille');

    const out = await post(s.url, '/deconnexion', {}, { cookie });
    expect(out.status).toBe(302);
    expect((await get(s.url, '/compte', { cookie })).status).toBe(302);
  });

  it('an anonymous visitor of a signed-in page is sent to sign-in, and back after it', async () => {
    const u = await makeUser(t.db);
    const res = await get(s.url, '/compte/securite');
    expect(res.status).toBe(302);
    const loc = res.headers.get('location')!;
    expect(loc).toBe('/connexion?redirectTo=%2Fcompte%2Fsecurite');
    const redirectTo = new URL(loc, s.url).searchParams.get('redirectTo')!;
    const signIn = await post(
      s.url,
      '/connexion',
      { email: u.email, password: u.password, redirectTo },
      { ip: '10.0.0.2' },
    );
    expect(signIn.headers.get('location')).toBe('/compte/securite');
    // No open redirect.
    const evil = await post(
      s.url,
      '/connexion',
      { email: u.email, password: u.password, redirectTo: '//evil.example' },
      { ip: '10.0.0.2' },
    );
    expect(evil.headers.get('location')).toBe('/compte');
  });

  it('rotates the session id at sign-in and signs out everywhere', async () => {
    const u = await makeUser(t.db);
    const a = await post(
      s.url,
      '/connexion',
      { email: u.email, password: u.password },
      { ip: '10.0.0.3', cookie: u.cookie },
    );
    const cookieA = sessionCookieOf(a)!;
    expect(cookieA).not.toBe(u.cookie);
    expect((await get(s.url, '/compte', { cookie: u.cookie })).status).toBe(302); // the old id is gone
    const b = sessionCookieOf(
      await post(s.url, '/connexion', { email: u.email, password: u.password }, { ip: '10.0.0.3' }),
    )!;
    expect((await get(s.url, '/compte', { cookie: b })).status).toBe(200);
    const all = await post(
      s.url,
      '/compte/securite',
      { intent: 'signout-all' },
      { cookie: cookieA },
    );
    expect(all.status).toBe(302);
    expect((await get(s.url, '/compte', { cookie: b })).status).toBe(302);
    expect((await get(s.url, '/compte', { cookie: cookieA })).status).toBe(302);
    const rows = await t.db
      .selectFrom('sessions')
      .select('id_hash')
      .where('user_id', '=', u.id)
      .execute();
    expect(rows).toHaveLength(0);
  });
});

describe('sign-in throttling', () => {
  it('after 10 failures in a minute, refuses even the right password, with the same answer as for an unknown account', async () => {
    const u = await makeUser(t.db);
    for (let i = 0; i < 10; i++) {
      const r = await post(
        s.url,
        '/connexion',
        { email: u.email, password: `wrong password ${i}` },
        { ip: `10.1.0.${i}` },
      );
      expect(r.status).toBe(400);
      expect(await r.text()).toContain('Adresse électronique ou mot de passe incorrect.');
    }
    const locked = await post(
      s.url,
      '/connexion',
      { email: u.email, password: u.password },
      { ip: '10.1.1.1' },
    );
    expect(locked.status).toBe(429);
    const lockedText = await locked.text();
    expect(lockedText).toContain('Trop de tentatives de connexion');
    expect(sessionCookieOf(locked)).toBeNull();

    const ghost = 'personne@example.test';
    for (let i = 0; i < 10; i++)
      await post(
        s.url,
        '/connexion',
        { email: ghost, password: `wrong password ${i}` },
        { ip: `10.2.0.${i}` },
      );
    const ghostLocked = await post(
      s.url,
      '/connexion',
      { email: ghost, password: u.password },
      { ip: '10.2.1.1' },
    );
    expect(ghostLocked.status).toBe(429);
    const notice = (h: string) => /<div class="notice error"[^>]*>(.*?)<\/div>/.exec(h)?.[1];
    expect(notice(await ghostLocked.text())).toBe(notice(lockedText));
    expect(notice(lockedText)).toContain('Trop de tentatives');
  });

  it('limits attempts per IP address too', async () => {
    let last: Response | null = null;
    for (let i = 0; i < 31; i++)
      last = await post(
        s.url,
        '/connexion',
        { email: `x${i}@example.test`, password: 'whatever whatever' },
        { ip: '10.3.0.1' },
      );
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('password reset', () => {
  it('works once with the emailed link; the same link used a second time is refused', async () => {
    const u = await makeUser(t.db);
    const ask = await post(s.url, '/mot-de-passe-oublie', { email: u.email }, { ip: '10.4.0.1' });
    expect(ask.headers.get('location')).toBe('/mot-de-passe-oublie?envoye=1');
    const mail = (await lastEmailTo(t.db, u.email))!;
    expect(mail.template).toBe('reset_password');
    const newPassword = 'un tout nouveau mot de passe';
    const reset = await post(s.url, mail.path!, { password: newPassword, confirm: newPassword });
    expect(reset.status).toBe(302);
    expect(reset.headers.get('location')).toBe('/connexion?info=reinitialise');
    // Every session of the account ended.
    expect((await get(s.url, '/compte', { cookie: u.cookie })).status).toBe(302);
    const again = await post(s.url, mail.path!, {
      password: 'encore un autre mot de passe',
      confirm: 'encore un autre mot de passe',
    });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('Ce lien n’est plus valable');
    const ok = await post(
      s.url,
      '/connexion',
      { email: u.email, password: newPassword },
      { ip: '10.4.0.2' },
    );
    expect(ok.status).toBe(302);
    const old = await post(
      s.url,
      '/connexion',
      { email: u.email, password: 'encore un autre mot de passe' },
      { ip: '10.4.0.2' },
    );
    expect(old.status).toBe(400);
  });

  it('an expired link (over 1 hour) is refused and the password stays', async () => {
    const u = await makeUser(t.db);
    await post(s.url, '/mot-de-passe-oublie', { email: u.email }, { ip: '10.4.0.5' });
    const mail = (await lastEmailTo(t.db, u.email))!;
    const token = await t.db
      .selectFrom('email_token')
      .select(['created_at', 'expires_at'])
      .where('user_id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(token.expires_at.getTime() - token.created_at.getTime()).toBeLessThanOrEqual(
      3_600_000 + 1000,
    );
    await t.db
      .updateTable('email_token')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', u.id)
      .execute();
    expect((await get(s.url, mail.path!)).status).toBe(410);
    const expired = await post(s.url, mail.path!, {
      password: 'un tout nouveau mot de passe',
      confirm: 'un tout nouveau mot de passe',
    });
    expect(expired.status).toBe(410);
    const still = await post(
      s.url,
      '/connexion',
      { email: u.email, password: u.password },
      { ip: '10.4.0.3' },
    );
    expect(still.status).toBe(302);
  });

  it('answers the same for an unknown address, and sends nothing', async () => {
    const res = await post(
      s.url,
      '/mot-de-passe-oublie',
      { email: 'nobody@example.test' },
      { ip: '10.4.0.1' },
    );
    expect(res.headers.get('location')).toBe('/mot-de-passe-oublie?envoye=1');
    expect(await lastEmailTo(t.db, 'nobody@example.test')).toBeNull();
  });
});

describe('profile and email change', () => {
  it('changing the email address re-verifies it before it replaces the old one', async () => {
    const u = await makeUser(t.db);
    const wrong = await post(
      s.url,
      '/compte',
      { intent: 'email', email: 'nouvelle@example.test', password: 'not my password' },
      { cookie: u.cookie },
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Ce mot de passe n’est pas le bon.');
    const res = await post(
      s.url,
      '/compte',
      { intent: 'email', email: 'nouvelle@example.test', password: u.password },
      { cookie: u.cookie },
    );
    expect(res.status).toBe(302);
    let row = await t.db
      .selectFrom('users')
      .select(['email', 'pending_email'])
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ email: u.email, pending_email: 'nouvelle@example.test' });
    const mail = (await lastEmailTo(t.db, 'nouvelle@example.test'))!;
    const v = await post(s.url, mail.path!, {}, { cookie: u.cookie });
    expect(v.headers.get('location')).toBe('/compte?info=email');
    row = await t.db
      .selectFrom('users')
      .select(['email', 'pending_email'])
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ email: 'nouvelle@example.test', pending_email: null });
  });

  it('saves the public pseudonym, with field errors in English on an English page', async () => {
    const u = await makeUser(t.db);
    const bad = await post(
      s.url,
      '/compte',
      { intent: 'profile', pseudonym: 'x', locale: 'fr' },
      { cookie: u.cookie, lang: 'en' },
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('The pseudonym must have between 2 and 40 characters.');
    const ok = await post(
      s.url,
      '/compte',
      { intent: 'profile', pseudonym: 'Dominique L.', locale: 'en' },
      { cookie: u.cookie },
    );
    expect(ok.status).toBe(302);
    const row = await t.db
      .selectFrom('users')
      .select(['pseudonym', 'locale'])
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ pseudonym: 'Dominique L.', locale: 'en' });
  });
});

describe('personal data: export and deletion', () => {
  it('exports profile, memberships and sessions; a deleted account cannot sign in and its sessions are gone', async () => {
    const u = await makeUser(t.db, { pseudonym: 'Aïcha' });
    const org = await t.db
      .insertInto('organization')
      .values({ slug: 'asso-x', name: 'Asso X', kind: 'association' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('membership')
      .values({ organization_id: org.id, user_id: u.id, role: 'member' })
      .execute();

    const res = await get(s.url, '/compte/donnees', { cookie: u.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(body.data.account).toMatchObject({ email: u.email, pseudonym: 'Aïcha' });
    expect(body.data.memberships).toEqual([
      expect.objectContaining({ slug: 'asso-x', role: 'member' }),
    ]);
    expect((body.data.sessions as unknown[]).length).toBe(1);
    expect(JSON.stringify(body)).not.toContain('argon2');

    const refused = await post(
      s.url,
      '/compte/supprimer',
      { password: 'wrong password!!', confirm: 'on' },
      { cookie: u.cookie },
    );
    expect(refused.status).toBe(400);
    const del = await post(
      s.url,
      '/compte/supprimer',
      { password: u.password, confirm: 'on' },
      { cookie: u.cookie },
    );
    expect(del.status).toBe(302);
    expect(del.headers.get('location')).toBe('/connexion?info=supprime');

    const row = await t.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    expect(row.pseudonym).toBe('compte supprimé');
    expect(row.email).not.toContain(u.email);
    expect(row.password_hash).toBeNull();
    expect(
      await t.db.selectFrom('sessions').selectAll().where('user_id', '=', u.id).execute(),
    ).toHaveLength(0);
    expect(
      await t.db.selectFrom('membership').selectAll().where('user_id', '=', u.id).execute(),
    ).toHaveLength(0);
    expect((await get(s.url, '/compte', { cookie: u.cookie })).status).toBe(302);
    const signIn = await post(
      s.url,
      '/connexion',
      { email: u.email, password: u.password },
      { ip: '10.5.0.1' },
    );
    expect(signIn.status).toBe(400);
    expect(await signIn.text()).toContain('Adresse électronique ou mot de passe incorrect.');
    // The address is free again.
    const again = await post(
      s.url,
      '/inscription',
      { ...good, email: u.email },
      { ip: '10.5.0.1' },
    );
    expect(again.status).toBe(302);
  });
});
