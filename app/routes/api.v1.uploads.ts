// GET /api/v1/uploads: the signed-in user's uploads and their status (the file page polls it
// while uploads are being received or checked).
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser } from '~/domain/identity/session.server';
import { listOwnUploads } from '~/domain/uploads/uploads.server';

export const handle: RouteHandle = { access: 'signed-in' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getSessionUser(context, request);
  const headers = { 'Cache-Control': 'no-store' };
  if (!user) return Response.json({ error: 'unauthenticated' }, { status: 401, headers });
  return Response.json({ uploads: await listOwnUploads(context.db, user.id) }, { headers });
}
