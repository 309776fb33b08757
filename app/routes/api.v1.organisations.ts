// GET /api/v1/organisations — organisations by slug, cursor-paged.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { badCursor, jsonWithEtag, parseQuery } from '~/domain/openapi/http.server';
import { BadCursor, listOrganisations, pageQuery } from '~/domain/openapi/v1.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const q = parseQuery(pageQuery, request);
  if (q instanceof Response) return q;
  const url = new URL(request.url);
  try {
    return jsonWithEtag(
      request,
      await listOrganisations(context.db, q, `${url.pathname}${url.search}`),
    );
  } catch (e) {
    if (e instanceof BadCursor) return badCursor();
    throw e;
  }
}
