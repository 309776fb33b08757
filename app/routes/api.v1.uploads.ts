// GET /api/v1/uploads: the signed-in user's uploads and their status (the file page polls it
// while uploads are being received or checked).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json, requireApiUser } from '~/domain/api/problem.server';
import type { RouteHandle } from '~/domain/identity/access';
import { listOwnUploads } from '~/domain/uploads/uploads.server';

export const handle: RouteHandle = { access: 'signed-in' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  // 401 problem+json without a session (or, once they exist, a credential).
  const user = await requireApiUser(context, request);
  return json({ uploads: await listOwnUploads(context.db, user.id) });
}
