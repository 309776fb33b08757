// GET /api/v1/communes — reference list (communes), with an ETag.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { jsonWithEtag } from '~/domain/openapi/http.server';
import { listCommunes } from '~/domain/openapi/v1.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  return jsonWithEtag(request, { items: await listCommunes(context.db) }, { maxAge: 3600 });
}
