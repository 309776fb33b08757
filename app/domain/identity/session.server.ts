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
    secure:
      new URL(request.url).protocol === 'https:' ||
      (context.config.production && Boolean(context.config.publicUrl?.startsWith('https:'))),
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
  /** Demo accounts: the second factor is waived (and the UI says so). */
  isDemo: boolean;
  totpEnabled: boolean;
  termsVersion: number | null;
  sessionHash: string;
}

/**
 * Starts a session (a fresh id every sign-in: no fixation; the request's previous session,
 * if any, ends); returns the Set-Cookie value. A session with `mfaPending` only opens the
 * second-factor page until `completeSecondFactor`.
 */
export async function createSession(
  context: AppLoadContext,
  request: Request,
  userId: string,
  opts: { mfaPending?: boolean } = {},
): Promise<string> {
  const previous = await readSessionId(context, request);
  if (previous)
    await context.db
      .deleteFrom('sessions')
      .where('id_hash', '=', hashSessionId(previous))
      .execute();
  const id = randomBytes(32).toString('base64url');
  await context.db
    .insertInto('sessions')
    .values({
      id_hash: hashSessionId(id),
      user_id: userId,
      expires_at: new Date(Date.now() + (opts.mfaPending ? 600_000 : SESSION_DAYS * 86_400_000)),
      user_agent: request.headers.get('user-agent')?.slice(0, 300) ?? null,
      mfa_pending: opts.mfaPending ?? false,
    })
    .execute();
  return sessionCookie(context, request).serialize(id);
}

/** The user of a session still waiting for its second factor. */
export async function getPendingSecondFactorUserId(
  context: AppLoadContext,
  request: Request,
): Promise<string | null> {
  const id = await readSessionId(context, request);
  if (!id) return null;
  const row = await context.db
    .selectFrom('sessions')
    .select('user_id')
    .where('id_hash', '=', hashSessionId(id))
    .where('mfa_pending', '=', true)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row?.user_id ?? null;
}

async function readSessionId(context: AppLoadContext, request: Request): Promise<string | null> {
  const value = await sessionCookie(context, request).parse(request.headers.get('cookie'));
  return typeof value === 'string' && value.length > 20 ? value : null;
}

export async function getSessionUser(
  context: AppLoadContext,
  request: Request,
): Promise<SessionUser | null> {
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
      'users.is_demo',
      'users.totp_enabled_at',
      'users.terms_version',
      'sessions.last_seen_at',
    ])
    .where('sessions.id_hash', '=', idHash)
    .where('sessions.mfa_pending', '=', false)
    .where('sessions.expires_at', '>', sql<Date>`now()`)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (Date.now() - row.last_seen_at.getTime() > 5 * 60_000) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: sql`now()` })
      .where('id_hash', '=', idHash)
      .execute();
  }
  return {
    id: row.id,
    email: row.email,
    pseudonym: row.pseudonym,
    locale: row.locale,
    isAdmin: row.is_admin,
    emailVerified: row.email_verified_at !== null,
    isDemo: row.is_demo,
    totpEnabled: row.totp_enabled_at !== null,
    termsVersion: row.terms_version,
    sessionHash: idHash,
  };
}

/** Ends the current session; returns the Set-Cookie value that clears the cookie. */
export async function destroySession(context: AppLoadContext, request: Request): Promise<string> {
  const id = await readSessionId(context, request);
  if (id)
    await context.db.deleteFrom('sessions').where('id_hash', '=', hashSessionId(id)).execute();
  return sessionCookie(context, request).serialize('', { maxAge: 0 });
}

/** Ends every session of a user ("sign out everywhere"), or all but one. */
export async function destroyAllSessions(
  db: DB,
  userId: string,
  exceptHash?: string,
): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptHash) q = q.where('id_hash', '!=', exceptHash);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

export interface SessionInfo {
  current: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string | null;
}

export async function listSessions(
  db: DB,
  userId: string,
  currentHash: string,
): Promise<SessionInfo[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id_hash', 'created_at', 'last_seen_at', 'user_agent'])
    .where('user_id', '=', userId)
    .where('mfa_pending', '=', false)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('last_seen_at', 'desc')
    .execute();
  return rows.map((r) => ({
    current: r.id_hash === currentHash,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    userAgent: r.user_agent,
  }));
}

/** Requests that want JSON (API routes, fetch) get status codes rather than redirects. */
export function wantsJson(request: Request): boolean {
  const url = new URL(request.url);
  return (
    url.pathname.startsWith('/api/') ||
    (request.headers.get('accept') ?? '').startsWith('application/json')
  );
}

function signInRedirect(request: Request): Response {
  if (wantsJson(request)) {
    return Response.json(
      { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'Sign in first.' },
      { status: 401, headers: { 'Content-Type': 'application/problem+json' } },
    );
  }
  const url = new URL(request.url);
  const back = `${url.pathname}${url.search}`;
  return redirect(`${SIGN_IN_PATH}?redirectTo=${encodeURIComponent(back)}`);
}

/** The signed-in user, or a redirect to the sign-in page that comes back here (401 for APIs). */
export async function requireUser(context: AppLoadContext, request: Request): Promise<SessionUser> {
  const user = await getSessionUser(context, request);
  if (!user) throw signInRedirect(request);
  return user;
}
