// POST /api/v1/contributions/:id/submit — submit (or resubmit) the working revision.
import type { ActionFunctionArgs } from '@remix-run/node';
import { json, problem, requireApiUser } from '~/domain/api/problem.server';
import { ContributionError, submitContribution } from '~/domain/contributions/contributions.server';
import { contributionProblem, contributionsT, referencesFor } from '~/domain/contributions/http.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'signed-in' };

export async function action({ request, context, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return problem(405, 'Method Not Allowed');
  const user = await requireApiUser(context, request);
  const t = await contributionsT(request);
  const { lists } = await referencesFor(context, request);
  try {
    const r = await submitContribution(context.db, user, params.id ?? '', t, lists);
    return json({ id: params.id, ...r });
  } catch (e) {
    if (e instanceof ContributionError) return contributionProblem(t, e);
    throw e;
  }
}
