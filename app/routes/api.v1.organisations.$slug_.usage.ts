// GET /api/v1/organisations/:slug/usage?jours=30 — the usage of an organisation's data, for
// its members (session) or its own tokens with scope `read-usage`.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json, problem, requireApiUser } from '~/domain/api/problem.server';
import type { RouteHandle } from '~/domain/identity/access';
import { getMembershipRole } from '~/domain/identity/permissions.server';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';
import { parsePeriod, publisherUsage } from '~/domain/usage/usage.server';

export const handle: RouteHandle = { access: 'member' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const caller = await requireApiUser(context, request, { scope: 'read-usage' });
  const org = await getOrganizationBySlug(context.db, params.slug ?? '');
  const allowed =
    org &&
    (caller.credential
      ? caller.credential.organizationId === org.id
      : Boolean(await getMembershipRole(context.db, caller.id, org.id)));
  if (!org || !allowed) {
    return problem(
      403,
      'Forbidden',
      'Only the organisation’s members and tokens see its usage. / Seuls les membres et les jetons de l’organisation voient son usage.',
    );
  }
  const days = parsePeriod(new URL(request.url).searchParams.get('jours'));
  const usage = await publisherUsage(context.db, { organizationId: org.id }, days);
  return json({ organisation: org.slug, periodDays: days, ...usage });
}
