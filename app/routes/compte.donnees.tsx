import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { exportPersonalData } from '~/domain/identity/personal-data.features.server';
import { requireUser } from '~/domain/identity/permissions.server';

// Everything the platform holds about the signed-in user, as a JSON download.
export const handle: RouteHandle = { access: 'signed-in' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const body = await exportPersonalData(context.db, user.id);
  const date = body.exportedAt.slice(0, 10);
  return new Response(JSON.stringify(body, null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="terridata-donnees-${date}.json"`,
      'Cache-Control': 'no-store',
    },
  });
}
