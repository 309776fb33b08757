// GET /api/v1/organisations/:slug — one organisation.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { jsonWithEtag, notFound } from '~/domain/openapi/http.server';
import { showOrganisation } from '~/domain/openapi/v1.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const o = await showOrganisation(context.db, params.slug ?? '');
  return o ? jsonWithEtag(request, o) : notFound('organisation');
}
