// GET /api/v1/datasets/:id/versions — the dataset's versions, newest first.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { jsonWithEtag, notFound } from '~/domain/openapi/http.server';
import { datasetVersions, showDataset } from '~/domain/openapi/v1.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const d = await showDataset(context.db, params.id ?? '');
  if (!d) return notFound('dataset');
  return jsonWithEtag(request, { items: await datasetVersions(context.db, d.id) });
}
