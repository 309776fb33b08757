// JSON API plumbing: RFC 9457 problem details, and the caller's identity for /api routes
// (the session cookie, or a Bearer credential: see app/domain/credentials).
import type { AppLoadContext } from '@remix-run/node';
import {
  authenticateBearer,
  bearerRefusalDetail,
  credentialUser,
} from '../credentials/credentials.server';
import type { CredentialPrincipal } from '../credentials/credentials.server';
import type { CredentialScope } from '../credentials/credentials.schema';
import { getSessionUser } from '../identity/session.server';
import type { SessionUser } from '../identity/session.server';

export function problem(
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(
    JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra }),
    {
      status,
      headers: {
        'Content-Type': 'application/problem+json',
        'Cache-Control': 'no-store',
        ...headers,
      },
    },
  );
}

export type ApiUser = SessionUser & { credential?: CredentialPrincipal };

/**
 * The caller of an API route: a Bearer credential (`Authorization: Bearer …`, checked for
 * `scope`, or any one of several; by default `read` for GET/HEAD and `contribute`
 * otherwise) or the session cookie; else a 401 problem (403 for a credential without the
 * scope, naming the first one accepted).
 */
export async function requireApiUser(
  context: AppLoadContext,
  request: Request,
  opts: { scope?: CredentialScope | readonly CredentialScope[] } = {},
): Promise<ApiUser> {
  const accepted =
    opts.scope ?? (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'contribute');
  const scope = typeof accepted === 'string' ? accepted : accepted[0]!;
  const bearer = await authenticateBearer(
    context.db,
    request.headers.get('authorization'),
    accepted,
  );
  if (bearer && !bearer.ok) {
    throw problem(
      bearer.status,
      bearer.status === 401 ? 'Unauthorized' : 'Forbidden',
      bearerRefusalDetail(bearer),
      {
        reason: bearer.reason,
        ...(bearer.reason === 'scope'
          ? {
              requiredScope: scope,
              ...(typeof accepted === 'string' ? {} : { acceptedScopes: accepted }),
            }
          : {}),
      },
      bearer.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="terridata"' } : {},
    );
  }
  if (bearer?.ok) {
    const user = await credentialUser(context.db, bearer.principal);
    if (!user)
      throw problem(
        401,
        'Unauthorized',
        'This credential is no longer active. / Cette clé n’est plus active.',
        {},
        { 'WWW-Authenticate': 'Bearer realm="terridata"' },
      );
    return { ...user, credential: bearer.principal };
  }
  const user = await getSessionUser(context, request);
  if (!user) {
    throw problem(
      401,
      'Unauthorized',
      'Sign in or send credentials. / Connectez-vous ou fournissez vos identifiants.',
      {},
      { 'WWW-Authenticate': 'Bearer realm="terridata"' },
    );
  }
  return user;
}

/** A JSON request body, or a 400 problem when it is not JSON. */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw problem(
      400,
      'Bad Request',
      'The body must be JSON. / Le corps de la requête doit être du JSON.',
    );
  }
}

export const json = (data: unknown, init: ResponseInit = {}) =>
  Response.json(data, {
    ...init,
    headers: { 'Cache-Control': 'no-store', ...(init.headers ?? {}) },
  });
