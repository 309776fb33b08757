// GET /api/v1/contributions — the caller's contributions (and their organisations').
// POST /api/v1/contributions {kind, targetDatasetId?} — a new draft.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json, problem, readJson, requireApiUser } from '~/domain/api/problem.server';
import { createContributionBody } from '~/domain/contributions/api.schema';
import { ContributionError, createDraft, listContributionsFor } from '~/domain/contributions/contributions.server';
import { contributionProblem, contributionsT } from '~/domain/contributions/http.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'signed-in' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  // A program that contributes reads back what it contributed: `read` or `contribute` (decision 018).
  const user = await requireApiUser(context, request, { scope: ['read', 'contribute'] });
  return json({ contributions: await listContributionsFor(context.db, user.id, user.credential) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return problem(405, 'Method Not Allowed');
  const user = await requireApiUser(context, request);
  const t = await contributionsT(request);
  const parsed = createContributionBody.safeParse(await readJson(request));
  if (!parsed.success) {
    return problem(422, 'invalid_request', t('common:form.invalid'), {
      errors: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), [i.message]])),
    });
  }
  if (parsed.data.kind === 'dataset_update' && !parsed.data.targetDatasetId) {
    return problem(422, 'invalid_request', t('common:form.invalid'), { errors: { targetDatasetId: [t('contributions:errors.required')] } });
  }
  try {
    const { id } = await createDraft(context.db, user, { ...parsed.data, contact: { name: user.pseudonym, email: user.email } });
    return json({ id, state: 'draft', links: { self: `/api/v1/contributions/${id}`, wizard: `/contribuer/${id}` } }, {
      status: 201,
      headers: { Location: `/api/v1/contributions/${id}` },
    });
  } catch (e) {
    if (e instanceof ContributionError) return contributionProblem(t, e);
    throw e;
  }
}
