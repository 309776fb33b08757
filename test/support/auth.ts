// Signed-in users for tests, without going through the sign-in pages: a user row and a
// session row, and the signed `td_session` cookie the server accepts (same secret as
// startTestServer; pass another one for servers started with their own SESSION_SECRET).
import { createHash, randomBytes } from 'node:crypto';
import { createCookie } from '@remix-run/node';
import type { DB } from '../../db/client';

export const TEST_SESSION_SECRET = 'test-secret-test-secret-test-secret-0123';

export interface TestUser {
  id: string;
  email: string;
  pseudonym: string;
  isAdmin: boolean;
}

export interface SignedInTestUser {
  user: TestUser;
  /** Value for a `Cookie` request header: `td_session=…`. */
  cookie: string;
  /** The cookie's name and (signed, encoded) value, e.g. for a browser context. */
  cookieName: 'td_session';
  cookieValue: string;
}

export async function createUserWithSession(
  db: DB,
  opts: { email?: string; pseudonym?: string; isAdmin?: boolean; secret?: string } = {},
): Promise<SignedInTestUser> {
  const tag = randomBytes(4).toString('hex');
  const email = opts.email ?? `user-${tag}@example.test`;
  const row = await db
    .insertInto('users')
    .values({
      email,
      pseudonym: opts.pseudonym ?? `user-${tag}`,
      is_admin: opts.isAdmin ?? false,
      email_verified_at: new Date(),
    })
    .returning(['id', 'email', 'pseudonym', 'is_admin'])
    .executeTakeFirstOrThrow();
  const sessionId = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      id_hash: createHash('sha256').update(sessionId).digest('hex'),
      user_id: row.id,
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  const setCookie = await createCookie('td_session', {
    secrets: [opts.secret ?? TEST_SESSION_SECRET],
  }).serialize(sessionId);
  const pair = setCookie.split(';')[0]!;
  return {
    user: { id: row.id, email: row.email, pseudonym: row.pseudonym, isAdmin: row.is_admin },
    cookie: pair,
    cookieName: 'td_session',
    cookieValue: pair.slice('td_session='.length),
  };
}
