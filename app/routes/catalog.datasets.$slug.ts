// /catalog/datasets/:slug — one dataset in DCAT-AP 3 (same formats as /catalog); a
// retracted dataset is gone (410), as DCAT drops it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { problem } from '~/domain/api/problem.server';
import { datasetGraph } from '~/domain/dcat/dcat.server';
import { chooseFormat, rdfResponse } from '~/domain/dcat/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { publicOrigin } from '~/domain/openapi/records.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const format = chooseFormat(request);
  if (format instanceof Response) return format;
  const g = await datasetGraph(context.db, publicOrigin(context, request), params.slug ?? '');
  if (g === null) return problem(404, 'Not Found', 'No such dataset. / Jeu de données inconnu.');
  if (g === 'gone')
    return problem(410, 'Gone', 'This dataset was retracted. / Ce jeu de données a été retiré.');
  return rdfResponse(g, format);
}
