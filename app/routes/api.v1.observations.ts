// GET /api/v1/observations?bbox=minLon,minLat,maxLon,maxLat&zoom=Z[&category=…&commune=…&from=…&to=…&status=…&view=list]
// Published observations in a box: clusters aggregated in SQL below zoom 16, points above
// (never more than 2 000 features); view=list gives the newest 50 in the box. Bad input: 400 problem+json.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { problem } from '~/domain/api/problem.server';
import { paramsObject } from '~/domain/catalogue/search-params';
import { jsonWithEtag } from '~/domain/openapi/http.server';
import { newestInBox, observationsInBox, parseMapQuery } from '~/domain/observations/map.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const parsed = await parseMapQuery(context.db, paramsObject(new URL(request.url).searchParams));
  if (!parsed.success) {
    return problem(400, 'Bad Request', 'Invalid query parameters. / Paramètres de requête invalides.', {
      errors: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.') || '(query)', [i.message]])),
    });
  }
  const q = parsed.data;
  if (q.view === 'list') {
    const items = await newestInBox(context.db, q);
    return jsonWithEtag(request, { type: 'FeatureCollection', mode: 'list', zoom: q.zoom, total: items.length, features: items }, { maxAge: 30 });
  }
  return jsonWithEtag(request, await observationsInBox(context.db, q), { maxAge: 30 });
}
