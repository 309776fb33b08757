// Who is making an upload request. The tus endpoint is outside Remix, so it reads the same
// signed session cookie (`td_session`) itself; a bearer token for API clients slots in here.
import { createCookie } from '@remix-run/node';
import type { DB } from '#db/client';
import { findSessionUser, hashSessionId } from '../identity/session.server';
import type { SessionUser } from '../identity/session.server';

const cookies = new Map<string, ReturnType<typeof createCookie>>();

function sessionCookieFor(secret: string) {
  let c = cookies.get(secret);
  if (!c) {
    // Only the name and the secrets matter for reading; the options that write it live in session.server.ts.
    c = createCookie('td_session', { secrets: [secret] });
    cookies.set(secret, c);
  }
  return c;
}

/** The signed-in user of a `Cookie` header, or null. */
export async function getSessionUserFromCookieHeader(
  db: DB,
  secret: string,
  cookieHeader: string | null | undefined,
): Promise<SessionUser | null> {
  if (!cookieHeader || !secret) return null;
  const id: unknown = await sessionCookieFor(secret).parse(cookieHeader);
  if (typeof id !== 'string' || id.length <= 20) return null;
  return findSessionUser(db, hashSessionId(id));
}

export interface UploadRequester {
  id: string;
  locale: string;
}

/**
 * The user behind an upload request: the session cookie for browsers. API tokens
 * (`Authorization: Bearer …`) are not issued yet; when they are, verify them here.
 */
export async function authenticateUploadRequest(
  db: DB,
  secret: string,
  headers: { cookie?: string | null; authorization?: string | null },
): Promise<UploadRequester | null> {
  const user = await getSessionUserFromCookieHeader(db, secret, headers.cookie);
  return user ? { id: user.id, locale: user.locale } : null;
}
