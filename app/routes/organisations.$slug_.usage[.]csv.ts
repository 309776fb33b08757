// /organisations/:slug/usage.csv?jours=30[&tableau=jours] — the usage page's data as CSV:
// the download log of the organisation's traceable data (default), or downloads per day.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { requireOrgMember } from '~/domain/identity/permissions.server';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';
import {
  downloadLogCsv,
  downloadsPerDay,
  downloadsPerDayCsv,
  parsePeriod,
  traceableDownloadLog,
} from '~/domain/usage/usage.server';

export const handle: RouteHandle = { access: 'member' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const org = await getOrganizationBySlug(context.db, params.slug ?? '');
  await requireOrgMember(context, request, org?.id ?? '');
  const url = new URL(request.url);
  const days = parsePeriod(url.searchParams.get('jours'));
  const perDay = url.searchParams.get('tableau') === 'jours';
  const body = perDay
    ? downloadsPerDayCsv(await downloadsPerDay(context.db, { organizationId: org!.id }, days))
    : downloadLogCsv(await traceableDownloadLog(context.db, { organizationId: org!.id }, days));
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="usage-${org!.slug}-${perDay ? 'jours' : 'telechargements'}-${days}j.csv"`,
      'Cache-Control': 'private, no-store',
    },
  });
}
