// /reutilisations/:id/image — a reuse's image (re-encoded JPEG without metadata); gone once hidden.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { reuseImageKeyOf } from '~/domain/reuses/reuses.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ context, params }: LoaderFunctionArgs) {
  const key = await reuseImageKeyOf(context.db, params.id ?? '');
  const bytes = key
    ? await context.storage
        .get(key)
        .then(async (r) => Buffer.concat(await r.toArray()))
        .catch(() => null)
    : null;
  if (!bytes)
    return new Response('Not found', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  return new Response(bytes, {
    headers: {
      'Content-Type': 'image/jpeg',
      'Cache-Control': 'public, max-age=300',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
}
