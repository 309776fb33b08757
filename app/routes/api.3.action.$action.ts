// /api/3/action/:action — the CKAN-compatible read API (GET with query parameters, or POST
// with a JSON body as CKAN clients send): CKAN's envelope, CKAN's errors, never a 500.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { CKAN_ACTIONS, CkanError, ckanResponse, runAction } from '~/domain/ckan/ckan.server';
import type { CkanAction } from '~/domain/ckan/ckan.server';
import type { RouteHandle } from '~/domain/identity/access';
import { publicOrigin } from '~/domain/openapi/records.server';

export const handle: RouteHandle = { access: 'public' };

async function respond(
  request: Request,
  context: LoaderFunctionArgs['context'],
  action: string,
  params: Record<string, string | undefined>,
) {
  const origin = publicOrigin(context, request);
  if (!(CKAN_ACTIONS as readonly string[]).includes(action)) {
    return ckanResponse(origin, action, {
      error: new CkanError(400, 'Bad request', {
        message: `Action name not known: ${action.slice(0, 60)}`,
      }),
    });
  }
  try {
    return ckanResponse(origin, action, {
      result: await runAction(context.db, action as CkanAction, params, origin),
    });
  } catch (e) {
    if (e instanceof CkanError) return ckanResponse(origin, action, { error: e });
    throw e;
  }
}

// A browser page on another site may call the API too (CKAN-based portals do, in JSON): the
// CORS preflight of its POST is answered. No Access-Control-Allow-Credentials: such calls
// carry no cookie (docs/decisions/015-ckan-post-csrf.md).
const preflight = () =>
  new Response(null, {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-CKAN-API-Key',
      'Access-Control-Max-Age': '86400',
    },
  });

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  if (request.method === 'OPTIONS') return preflight();
  const sp = new URL(request.url).searchParams;
  const p: Record<string, string | undefined> = {};
  for (const k of new Set(sp.keys())) p[k] = sp.get(k) ?? undefined;
  return respond(request, context, params.action ?? '', p);
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const origin = publicOrigin(context, request);
  const name = params.action ?? '';
  if (request.method !== 'POST')
    return ckanResponse(origin, name, {
      error: new CkanError(400, 'Bad request', { message: 'Only GET and POST are accepted' }),
    });
  let body: unknown;
  try {
    const text = await request.text();
    body = text.trim() ? JSON.parse(text) : {};
  } catch {
    return ckanResponse(origin, name, {
      error: new CkanError(400, 'Bad request', {
        message: 'JSON Error: the body is not valid JSON',
      }),
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return ckanResponse(origin, name, {
      error: new CkanError(400, 'Bad request', {
        message: 'JSON Error: the body must be an object',
      }),
    });
  }
  const p: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body)) {
    if (v === null || v === undefined) continue;
    p[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return respond(request, context, name, p);
}
