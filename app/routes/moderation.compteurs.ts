// /moderation/compteurs — the queue's counts per state as JSON (React Query refreshes them).
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { queueCounts, requireModeratorScopes } from '~/domain/moderation/queue.server';

export const handle: RouteHandle = { access: 'moderator' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  return Response.json(await queueCounts(context.db, m), { headers: { 'Cache-Control': 'no-store' } });
}
