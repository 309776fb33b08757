// /catalog — the whole catalogue in DCAT-AP 3 (JSON-LD, Turtle, RDF/XML by content
// negotiation or ?format=), paged with a Hydra PartialCollectionView: `hydra:next` carries
// an opaque keyset cursor (?cursor=), stable while datasets are published; the old ?page=N
// is still served. ?pageSize= (1–200) on both.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { problem } from '~/domain/api/problem.server';
import {
  BadCursor,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  catalogPage,
} from '~/domain/dcat/dcat.server';
import { chooseFormat, rdfResponse } from '~/domain/dcat/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { cursorParam } from '~/domain/openapi/v1.server';
import { publicOrigin } from '~/domain/openapi/records.server';

export const handle: RouteHandle = { access: 'public' };

const querySchema = z
  .object({
    page: z.coerce.number().int().min(1).max(100_000).optional(),
    cursor: cursorParam,
    pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  })
  .refine((q) => q.page === undefined || q.cursor === undefined, {
    path: ['cursor'],
    message: 'cursor and page cannot be combined',
  });

const badCursor = () =>
  problem(
    400,
    'Bad Request',
    'Invalid cursor: follow hydra:next as given. / Curseur invalide : suivez hydra:next tel quel.',
    { errors: { cursor: ['invalid'] } },
  );

export async function loader({ request, context }: LoaderFunctionArgs) {
  const format = chooseFormat(request);
  if (format instanceof Response) return format;
  const sp = new URL(request.url).searchParams;
  const parsed = querySchema.safeParse({
    page: sp.get('page') || undefined,
    cursor: sp.get('cursor') || undefined,
    pageSize: sp.get('pageSize') || undefined,
  });
  if (!parsed.success) {
    return problem(
      400,
      'Bad Request',
      `cursor: from hydra:next, or page: integer ≥ 1 (not both); pageSize: integer from 1 to ${MAX_PAGE_SIZE}.`,
      {
        errors: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), [i.message]])),
      },
    );
  }
  const { page, cursor, pageSize } = parsed.data;
  let g;
  try {
    g = await catalogPage(
      context.db,
      publicOrigin(context, request),
      page !== undefined ? { page } : { cursor: cursor ?? null },
      pageSize,
    );
  } catch (e) {
    if (e instanceof BadCursor) return badCursor();
    throw e;
  }
  if (!g)
    return problem(
      404,
      'Not Found',
      'This page is past the end of the catalogue. / Cette page est au-delà de la fin du catalogue.',
    );
  return rdfResponse(g, format);
}
