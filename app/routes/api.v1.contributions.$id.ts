// GET /api/v1/contributions/:id — state, revisions, files with their reports, history.
// PATCH /api/v1/contributions/:id — save draft metadata (partial; completeness is checked
// at submission). DELETE — discard a draft.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json, problem, readJson, requireApiUser } from '~/domain/api/problem.server';
import { draftMetadataBody } from '~/domain/contributions/api.schema';
import { ContributionError, discardDraft, getContributionFor, saveDraft } from '~/domain/contributions/contributions.server';
import { contributionProblem, contributionsT } from '~/domain/contributions/http.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'signed-in' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  // A program polls the contribution it is delivering: `read` or `contribute` (decision 018).
  const user = await requireApiUser(context, request, { scope: ['read', 'contribute'] });
  const c = await getContributionFor(context.db, user.id, params.id ?? '', user.credential);
  if (!c) return problem(404, 'not_found');
  return json(c);
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireApiUser(context, request);
  const t = await contributionsT(request);
  const id = params.id ?? '';
  try {
    if (request.method === 'PATCH') {
      const parsed = draftMetadataBody.safeParse(await readJson(request));
      if (!parsed.success) {
        return problem(422, 'invalid_metadata', t('contributions:wizard.metadataIncomplete'), {
          errors: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), [i.message]])),
        });
      }
      await saveDraft(context.db, user, id, parsed.data);
      return json(await getContributionFor(context.db, user.id, id, user.credential));
    }
    if (request.method === 'DELETE') {
      await discardDraft(context.db, user, id);
      return new Response(null, { status: 204 });
    }
    return problem(405, 'Method Not Allowed');
  } catch (e) {
    if (e instanceof ContributionError) return contributionProblem(t, e);
    throw e;
  }
}
