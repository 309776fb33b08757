// GET /api/v1/datasets — search (the catalogue page's filters), cursor-paged, ETag.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { publicOrigin } from '~/domain/openapi/records.server';
import { badCursor, jsonWithEtag, parseQuery } from '~/domain/openapi/http.server';
import { BadCursor, datasetSearchQuery, searchDatasetsApi } from '~/domain/openapi/v1.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const q = parseQuery(datasetSearchQuery, request);
  if (q instanceof Response) return q;
  const url = new URL(request.url);
  try {
    return jsonWithEtag(
      request,
      await searchDatasetsApi(
        context.db,
        q,
        publicOrigin(context, request),
        `${url.pathname}${url.search}`,
      ),
    );
  } catch (e) {
    if (e instanceof BadCursor) return badCursor();
    throw e;
  }
}
