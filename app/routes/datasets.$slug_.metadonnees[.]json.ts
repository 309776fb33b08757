import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { getDatasetPage } from '~/domain/catalogue/dataset-page.server';
import { getLanguage } from '~/i18n/i18n.server';

// /datasets/:slug/metadonnees.json — the dataset's metadata, provenance, versions and files
// as JSON (410 with the tombstone once retracted).
export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const page = await getDatasetPage(context.db, params.slug ?? '', await getLanguage(request));
  if (!page) return Response.json({ title: 'Not found', status: 404 }, { status: 404, headers: { 'Content-Type': 'application/problem+json' } });
  if (page.state === 'retracted') return Response.json(page, { status: 410 });
  const origin = context.config.publicUrl ?? new URL(request.url).origin;
  return Response.json({
    ...page,
    distributions: page.distributions.map((d) => ({ ...d, href: `${origin}${d.href}` })),
    page: `${origin}/datasets/${page.slug}`,
  });
}
