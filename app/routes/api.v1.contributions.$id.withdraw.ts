// POST /api/v1/contributions/:id/withdraw — withdraw a contribution awaiting review.
import type { ActionFunctionArgs } from '@remix-run/node';
import { json, problem, requireApiUser } from '~/domain/api/problem.server';
import { ContributionError, withdrawContribution } from '~/domain/contributions/contributions.server';
import { contributionProblem, contributionsT } from '~/domain/contributions/http.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'signed-in' };

export async function action({ request, context, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return problem(405, 'Method Not Allowed');
  const user = await requireApiUser(context, request);
  const t = await contributionsT(request);
  try {
    await withdrawContribution(context.db, user, params.id ?? '');
    return json({ id: params.id, state: 'withdrawn' });
  } catch (e) {
    if (e instanceof ContributionError) return contributionProblem(t, e);
    throw e;
  }
}
