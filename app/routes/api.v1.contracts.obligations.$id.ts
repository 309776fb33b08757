// GET /api/v1/contracts/obligations/:id — public: one obligation, its contract and its
// occurrences with their status (a partner's program polls it after delivering).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { problem } from '~/domain/api/problem.server';
import { obligationDetail } from '~/domain/contracts/transparency.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ context, params }: LoaderFunctionArgs) {
  const o = await obligationDetail(context.db, params.id ?? '');
  if (!o) return problem(404, 'not_found', 'No such obligation. / Engagement introuvable.');
  return Response.json(o, { headers: { 'Cache-Control': 'no-store' } });
}
