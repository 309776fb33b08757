// /observations/:id/photo — the observation's photo: only the re-encoded file (no
// metadata) is ever served, to whoever may see the observation. The original upload is
// never reachable here.
import { Readable } from 'node:stream';
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser } from '~/domain/identity/session.server';
import { photoKeyFor } from '~/domain/observations/observations.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await getSessionUser(context, request);
  const key = await photoKeyFor(context.db, params.id ?? '', user?.id ?? null);
  if (!key) throw new Response('Not found', { status: 404 });
  const info = await context.storage.stat(key).catch(() => null);
  if (!info) throw new Response('Not found', { status: 404 });
  const bytes = await context.storage.get(key).catch(() => null);
  if (!bytes) throw new Response('Not found', { status: 404 });
  return new Response(Readable.toWeb(bytes) as ReadableStream, {
    headers: {
      'Content-Type': 'image/jpeg',
      'Content-Length': String(info.size),
      'Cache-Control': 'private, max-age=300',
      'Content-Disposition': 'inline; filename="observation.jpg"',
    },
  });
}
