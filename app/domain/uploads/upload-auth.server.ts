// Who is making an upload request. The tus endpoint is outside Remix, so it reads the same
// signed session cookie (`td_session`) itself, or an organisation token with scope
// `contribute` (`Authorization: Bearer …`, see app/domain/credentials).
import { createCookie } from '@remix-run/node';
import type { DB } from '#db/client';
import { authenticateBearer, credentialUser } from '../credentials/credentials.server';
import { UploadRefusal } from './uploads.server';
import type { CredentialPrincipal } from '../credentials/credentials.server';
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
  /** Set when the request came with a credential (the upload is owned by the account it acts as). */
  credential?: CredentialPrincipal;
}

/**
 * The user behind an upload request: a Bearer credential with scope `contribute` (a
 * credential that is refused or revoked is a 401, one without that scope a 403: no fallback
 * to the cookie), else the session cookie for browsers (none: 401).
 */
export async function authenticateUploadRequest(
  db: DB,
  secret: string,
  headers: { cookie?: string | null; authorization?: string | null },
): Promise<UploadRequester | UploadRefusal> {
  const bearer = await authenticateBearer(db, headers.authorization, 'contribute');
  if (bearer) {
    if (!bearer.ok)
      return new UploadRefusal(bearer.status === 403 ? 'scopeRefused' : 'credentialRefused');
    const user = await credentialUser(db, bearer.principal);
    return user
      ? { id: user.id, locale: user.locale, credential: bearer.principal }
      : new UploadRefusal('credentialRefused');
  }
  const user = await getSessionUserFromCookieHeader(db, secret, headers.cookie);
  return user ? { id: user.id, locale: user.locale } : new UploadRefusal('unauthenticated');
}
