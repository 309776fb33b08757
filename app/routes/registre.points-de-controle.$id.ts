import { Readable } from 'node:stream';
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { getCheckpoint } from '~/domain/reputation/reputation.server';
import { checkpointIdSchema } from '~/domain/reputation/reputation.schema';
import { checkpointFileStream } from '~/domain/reputation/verify.server';

// A published checkpoint file (JSON: every chain head and their digest).
export const handle: RouteHandle = { access: 'public' };

export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = checkpointIdSchema.safeParse(params.id);
  const cp = id.success ? await getCheckpoint(context.db, id.data) : null;
  const stream = cp?.fileName ? checkpointFileStream(context.config.dataDir, cp.fileName) : null;
  if (!cp || !stream) return new Response('Not found', { status: 404 });
  const opened = await new Promise<boolean>((resolve) => {
    stream.once('open', () => resolve(true));
    stream.once('error', () => resolve(false));
  });
  if (!opened) return new Response('Not found', { status: 404 });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${cp.fileName}"`,
      'Cache-Control': 'public, max-age=86400, immutable',
    },
  });
}
