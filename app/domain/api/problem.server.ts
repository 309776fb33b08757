// JSON API plumbing: RFC 9457 problem details, and the caller's identity for /api routes
// (the session cookie today; organisation tokens join here).
import type { AppLoadContext } from '@remix-run/node';
import { getSessionUser } from '../identity/session.server';
import type { SessionUser } from '../identity/session.server';

export function problem(
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...headers },
  });
}

/** The signed-in caller of an API route, or a 401 problem. */
export async function requireApiUser(context: AppLoadContext, request: Request): Promise<SessionUser> {
  const user = await getSessionUser(context, request);
  if (!user) throw problem(401, 'Unauthorized', 'Sign in or send credentials. / Connectez-vous ou fournissez vos identifiants.');
  return user;
}

/** A JSON request body, or a 400 problem when it is not JSON. */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw problem(400, 'Bad Request', 'The body must be JSON. / Le corps de la requête doit être du JSON.');
  }
}

export const json = (data: unknown, init: ResponseInit = {}) =>
  Response.json(data, { ...init, headers: { 'Cache-Control': 'no-store', ...(init.headers ?? {}) } });
