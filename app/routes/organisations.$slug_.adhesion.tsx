import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { identityT, mailingFor } from '~/domain/identity/http.server';
import { requireUser } from '~/domain/identity/permissions.server';
import { joinRequestSchema } from '~/domain/organizations/organizations.schema';
import { getOrganizationBySlug, requestToJoin } from '~/domain/organizations/organizations.server';

// A signed-in user asks to join an organisation (the form is on the organisation's page).
export const handle: RouteHandle = { access: 'signed-in', i18n: 'identity' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireUser(context, request);
  return redirect(`/organisations/${params.slug}`);
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const org = await getOrganizationBySlug(context.db, params.slug ?? '');
  if (!org) throw new Response('Not found', { status: 404 });
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: joinRequestSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 });
  await requestToJoin(
    context.db,
    user.id,
    org.id,
    submission.value.message ?? '',
    await mailingFor(context, request),
  );
  return redirect(`/organisations/${org.slug}?info=demande`);
}
