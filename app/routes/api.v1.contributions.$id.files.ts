// POST /api/v1/contributions/:id/files {uploadId} — attach one of the caller's uploads to
// the working revision. DELETE with the same body detaches it.
import type { ActionFunctionArgs } from '@remix-run/node';
import { json, problem, readJson, requireApiUser } from '~/domain/api/problem.server';
import { contributionFileBody } from '~/domain/contributions/api.schema';
import { attachUpload, ContributionError, detachUpload, getContributionFor } from '~/domain/contributions/contributions.server';
import { contributionProblem, contributionsT } from '~/domain/contributions/http.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'signed-in' };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireApiUser(context, request);
  const t = await contributionsT(request);
  const parsed = contributionFileBody.safeParse(await readJson(request));
  if (!parsed.success) return problem(422, 'invalid_request', t('common:form.invalid'), { errors: { uploadId: [t('contributions:errors.required')] } });
  const id = params.id ?? '';
  try {
    if (request.method === 'POST') await attachUpload(context.db, user, id, parsed.data.uploadId);
    else if (request.method === 'DELETE') await detachUpload(context.db, user, id, parsed.data.uploadId);
    else return problem(405, 'Method Not Allowed');
    return json(await getContributionFor(context.db, user.id, id, user.credential));
  } catch (e) {
    if (e instanceof ContributionError) return contributionProblem(t, e);
    throw e;
  }
}
