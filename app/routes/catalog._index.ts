// /catalog — the whole catalogue in DCAT-AP 3 (JSON-LD, Turtle, RDF/XML by content
// negotiation or ?format=), paged with a Hydra PartialCollectionView (?page=, ?pageSize=).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { problem } from '~/domain/api/problem.server';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, catalogPage } from '~/domain/dcat/dcat.server';
import { chooseFormat, rdfResponse } from '~/domain/dcat/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { publicOrigin } from '~/domain/openapi/records.server';

export const handle: RouteHandle = { access: 'public' };

const querySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const format = chooseFormat(request);
  if (format instanceof Response) return format;
  const sp = new URL(request.url).searchParams;
  const parsed = querySchema.safeParse({
    page: sp.get('page') || undefined,
    pageSize: sp.get('pageSize') || undefined,
  });
  if (!parsed.success) {
    return problem(
      400,
      'Bad Request',
      `page: integer ≥ 1; pageSize: integer from 1 to ${MAX_PAGE_SIZE}.`,
      {
        errors: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), [i.message]])),
      },
    );
  }
  const g = await catalogPage(
    context.db,
    publicOrigin(context, request),
    parsed.data.page,
    parsed.data.pageSize,
  );
  if (!g)
    return problem(
      404,
      'Not Found',
      'This page is past the end of the catalogue. / Cette page est au-delà de la fin du catalogue.',
    );
  return rdfResponse(g, format);
}
