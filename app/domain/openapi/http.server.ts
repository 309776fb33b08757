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

// Whether the Accept header admits JSON: no header, application/json, application/*, any
// type, or a type with a +json suffix, at a q above 0.
export function acceptsJson(accept: string | null): boolean {
  if (!accept || !accept.trim()) return true;
  return accept
    .split(',')
    .slice(0, 50)
    .some((part) => {
      const [range = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
      if (q && !(Number(q.slice(2)) > 0)) return false;
      const r = range.trim();
      return (
        r === 'application/json' || r === 'application/*' || r === '*/*' || r.endsWith('+json')
      );
    });
}

/** 406 with the one format served, for an Accept that admits no JSON. */
export const notAcceptable = () =>
  problem(
    406,
    'Not Acceptable',
    'This API answers in JSON only: send Accept: application/json (or none). / Cette API ne répond qu’en JSON.',
    { formats: [{ type: 'application/json' }] },
    { Vary: 'Accept' },
  );

export function jsonWithEtag(
  request: Request,
  data: unknown,
  init: { status?: number; maxAge?: number } = {},
): Response {
  if (!acceptsJson(request.headers.get('accept'))) return notAcceptable();
  const body = JSON.stringify(data);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  const headers = {
    ETag: etag,
    'Cache-Control': `public, max-age=${init.maxAge ?? 60}`,
    'Access-Control-Allow-Origin': '*',
    Vary: 'Accept, Accept-Encoding',
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
