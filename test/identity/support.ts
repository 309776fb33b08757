// Helpers for the identity tests: form posts to the real server (with the Origin header
// browsers send), cookies, users made directly in the database, and the outbox.
import { createHash, randomBytes } from 'node:crypto';
import { createCookie } from '@remix-run/node';
import type { DB } from '../../db/client';
import { hashPassword } from '../../app/domain/identity/passwords.server';

export const SECRET = 'test-secret-test-secret-test-secret-0123';

export interface PostOptions {
  cookie?: string;
  lang?: 'fr' | 'en';
  ip?: string;
}

export async function post(
  base: string,
  path: string,
  fields: Record<string, string>,
  opts: PostOptions = {},
) {
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Origin: base,
    'Accept-Language': opts.lang ?? 'fr',
  };
  if (opts.cookie) headers.Cookie = opts.cookie;
  if (opts.ip) headers['X-Forwarded-For'] = opts.ip;
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
}

export async function get(base: string, path: string, opts: PostOptions = {}) {
  const headers: Record<string, string> = { 'Accept-Language': opts.lang ?? 'fr' };
  if (opts.cookie) headers.Cookie = opts.cookie;
  return fetch(`${base}${path}`, { headers, redirect: 'manual' });
}

/** The `td_session=…` pair from a response's Set-Cookie, if any. */
export function sessionCookieOf(res: Response): string | null {
  const all = res.headers.getSetCookie();
  const c = all.find((h) => h.startsWith('td_session='));
  if (!c) return null;
  const pair = c.split(';')[0]!;
  return pair === 'td_session=' ? null : pair;
}

export interface MadeUser {
  id: string;
  email: string;
  password: string;
  cookie: string;
}

export async function makeUser(
  db: DB,
  opts: {
    email?: string;
    password?: string;
    isAdmin?: boolean;
    isDemo?: boolean;
    verified?: boolean;
    pseudonym?: string;
    totpSecret?: string;
  } = {},
): Promise<MadeUser> {
  const tag = randomBytes(4).toString('hex');
  const email = opts.email ?? `u-${tag}@example.test`;
  const password = opts.password ?? 'correct horse battery staple';
  const row = await db
    .insertInto('users')
    .values({
      email,
      pseudonym: opts.pseudonym ?? `u-${tag}`,
      password_hash: await hashPassword(password),
      is_admin: opts.isAdmin ?? false,
      is_demo: opts.isDemo ?? false,
      email_verified_at: opts.verified === false ? null : new Date(),
      terms_version: 1,
      totp_secret: opts.totpSecret ?? null,
      totp_enabled_at: opts.totpSecret ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, email, password, cookie: await sessionFor(db, row.id) };
}

export async function sessionFor(db: DB, userId: string): Promise<string> {
  const sessionId = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      id_hash: createHash('sha256').update(sessionId).digest('hex'),
      user_id: userId,
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  const setCookie = await createCookie('td_session', { secrets: [SECRET] }).serialize(sessionId);
  return setCookie.split(';')[0]!;
}

/** The last email queued for an address, and the first link in it. */
export async function lastEmailTo(db: DB, to: string) {
  const row = await db
    .selectFrom('email_outbox')
    .selectAll()
    .where('to_address', '=', to)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) return null;
  const url = /https?:\/\/\S+/.exec(row.body_text)?.[0] ?? null;
  return { ...row, url, path: url ? new URL(url).pathname : null };
}

export const count = async (
  db: DB,
  table: 'users' | 'organization' | 'email_outbox' | 'sessions' | 'membership',
) =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
