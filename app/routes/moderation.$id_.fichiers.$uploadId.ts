// /moderation/:id/fichiers/:uploadId — downloads a contributed file as stored, always as an
// attachment of an opaque type (never rendered by the browser).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { createReadableStreamFromReadable } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { ModerationError } from '~/domain/moderation/moderation.server';
import { refusal, requireModeratorScopes, reviewFile } from '~/domain/moderation/queue.server';

export const handle: RouteHandle = { access: 'moderator' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  let file;
  try {
    file = await reviewFile(context.db, m, params.id ?? '', params.uploadId ?? '');
  } catch (e) {
    if (e instanceof ModerationError) throw refusal(e);
    throw e;
  }
  if (!file) throw new Response('Not found', { status: 404 });
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const stored = await context.storage.stat(file.storageKey);
  if (!stored) throw new Response('Not found', { status: 404 });
  const size = stored.size;
  const stream = await context.storage.get(file.storageKey).catch(() => null);
  if (!stream) throw new Response('Not found', { status: 404 });
  return new Response(createReadableStreamFromReadable(stream), {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
      'Content-Length': String(size),
    },
  });
}
