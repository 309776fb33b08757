// GET /api/v1/datasets/:id/distributions — the files of the current version.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { problem } from '~/domain/api/problem.server';
import { publicOrigin } from '~/domain/openapi/records.server';
import { jsonWithEtag, notFound } from '~/domain/openapi/http.server';
import { datasetView, showDataset } from '~/domain/openapi/v1.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const d = await showDataset(context.db, params.id ?? '');
  if (!d) return notFound('dataset');
  if (d.state === 'retracted')
    return problem(410, 'Gone', 'This dataset was retracted. / Ce jeu de données a été retiré.');
  return jsonWithEtag(request, {
    items: datasetView(d, publicOrigin(context, request)).distributions,
  });
}
