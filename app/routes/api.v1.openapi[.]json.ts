// GET /api/v1/openapi.json — the OpenAPI 3.1 document, generated from the zod schemas.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { jsonWithEtag } from '~/domain/openapi/http.server';
import { openApiDocument } from '~/domain/openapi/openapi.server';
import { publicOrigin } from '~/domain/openapi/records.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  return jsonWithEtag(request, openApiDocument(publicOrigin(context, request)), { maxAge: 300 });
}
