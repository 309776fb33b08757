// Revocable sessions: the cookie holds a random id (signed); the table holds its sha256,
// so sessions can be listed, revoked one by one or all at once, and expire.
import { createHash, randomBytes } from 'node:crypto';
import { createCookie, redirect } from '@remix-run/node';
import type { AppLoadContext } from '@remix-run/node';
import { sql } from 'kysely';
import type { DB } from '#db/client';

export const SIGN_IN_PATH = '/connexion';
const SESSION_DAYS = 30;

function sessionCookie(context: AppLoadContext, request: Request) {
  return createCookie('td_session', {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: new URL(request.url).protocol === 'https:' || (context.config.production && Boolean(context.config.publicUrl?.startsWith('https:'))),
    secrets: [context.config.sessionSecret],
    maxAge: SESSION_DAYS * 86_400,
  });
}

export const hashSessionId = (id: string) => createHash('sha256').update(id).digest('hex');

export interface SessionUser {
  id: string;
  email: string;
  pseudonym: string;
  locale: string;
  isAdmin: boolean;
  emailVerified: boolean;
  sessionHash: string;
}

/** Starts a session (a fresh id every sign-in: no fixation); returns the Set-Cookie value. */
export async function createSession(
  context: AppLoadContext,
  request: Request,
  userId: string,
): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await context.db
    .insertInto('sessions')
    .values({
      id_hash: hashSessionId(id),
      user_id: userId,
      expires_at: new Date(Date.now() + SESSION_DAYS * 86_400_000),
      user_agent: request.headers.get('user-agent')?.slice(0, 300) ?? null,
    })
    .execute();
  return sessionCookie(context, request).serialize(id);
}

async function readSessionId(context: AppLoadContext, request: Request): Promise<string | null> {
  const value = await sessionCookie(context, request).parse(request.headers.get('cookie'));
  return typeof value === 'string' && value.length > 20 ? value : null;
}

export async function getSessionUser(context: AppLoadContext, request: Request): Promise<SessionUser | null> {
  const id = await readSessionId(context, request);
  if (!id) return null;
  return findSessionUser(context.db, hashSessionId(id));
}

export async function findSessionUser(db: DB, idHash: string): Promise<SessionUser | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'users.id',
      'users.email',
      'users.pseudonym',
      'users.locale',
      'users.is_admin',
      'users.email_verified_at',
      'sessions.last_seen_at',
    ])
    .where('sessions.id_hash', '=', idHash)
    .where('sessions.expires_at', '>', sql<Date>`now()`)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (Date.now() - row.last_seen_at.getTime() > 5 * 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: sql`now()` }).where('id_hash', '=', idHash).execute();
  }
  return {
    id: row.id,
    email: row.email,
    pseudonym: row.pseudonym,
    locale: row.locale,
    isAdmin: row.is_admin,
    emailVerified: row.email_verified_at !== null,
    sessionHash: idHash,
  };
}

/** Ends the current session; returns the Set-Cookie value that clears the cookie. */
export async function destroySession(context: AppLoadContext, request: Request): Promise<string> {
  const id = await readSessionId(context, request);
  if (id) await context.db.deleteFrom('sessions').where('id_hash', '=', hashSessionId(id)).execute();
  return sessionCookie(context, request).serialize('', { maxAge: 0 });
}

export async function destroyAllSessions(db: DB, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

function signInRedirect(request: Request): Response {
  const url = new URL(request.url);
  const back = `${url.pathname}${url.search}`;
  return redirect(`${SIGN_IN_PATH}?redirectTo=${encodeURIComponent(back)}`);
}

/** The signed-in user, or a redirect to the sign-in page that comes back here. */
export async function requireUser(context: AppLoadContext, request: Request): Promise<SessionUser> {
  const user = await getSessionUser(context, request);
  if (!user) throw signInRedirect(request);
  return user;
}
