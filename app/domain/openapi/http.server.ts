// /api/v1 plumbing: query parsing into a 400 problem, JSON with a strong ETag (304 on
// If-None-Match), problems for unknown resources.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { problem } from '../api/problem.server';
import { paramsObject } from '../catalogue/search-params';

export function parseQuery<T extends z.ZodType>(
  schema: T,
  request: Request,
): z.infer<T> | Response {
  const parsed = schema.safeParse(paramsObject(new URL(request.url).searchParams));
  if (parsed.success) return parsed.data;
  return problem(
    400,
    'Bad Request',
    'Invalid query parameters. / Paramètres de requête invalides.',
    {
      errors: Object.fromEntries(
        parsed.error.issues.map((i) => [i.path.join('.') || '(query)', [i.message]]),
      ),
    },
  );
}

export function jsonWithEtag(
  request: Request,
  data: unknown,
  init: { status?: number; maxAge?: number } = {},
): Response {
  const body = JSON.stringify(data);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  const headers = {
    ETag: etag,
    'Cache-Control': `public, max-age=${init.maxAge ?? 60}`,
    'Access-Control-Allow-Origin': '*',
    Vary: 'Accept-Encoding',
  };
  const inm = request.headers.get('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*'))
    return new Response(null, { status: 304, headers });
  return new Response(body, {
    status: init.status ?? 200,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
  });
}

export const notFound = (what = 'resource') =>
  problem(404, 'Not Found', `Unknown ${what}. / Ressource inconnue.`);
export const badCursor = () =>
  problem(400, 'Bad Request', 'Invalid cursor: use links.next as given. / Curseur invalide.', {
    errors: { cursor: ['invalid'] },
  });
