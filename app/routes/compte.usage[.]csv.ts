// /compte/usage.csv?jours=30[&tableau=jours] — my usage page's data as CSV (the download log
// of the traceable data I published as an individual, or downloads per day).
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/permissions.server';
import {
  downloadLogCsv,
  downloadsPerDay,
  downloadsPerDayCsv,
  parsePeriod,
  traceableDownloadLog,
} from '~/domain/usage/usage.server';

export const handle: RouteHandle = { access: 'signed-in' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const url = new URL(request.url);
  const days = parsePeriod(url.searchParams.get('jours'));
  const perDay = url.searchParams.get('tableau') === 'jours';
  const publisher = { userId: user.id };
  const body = perDay
    ? downloadsPerDayCsv(await downloadsPerDay(context.db, publisher, days))
    : downloadLogCsv(await traceableDownloadLog(context.db, publisher, days));
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="usage-${perDay ? 'jours' : 'telechargements'}-${days}j.csv"`,
      'Cache-Control': 'private, no-store',
    },
  });
}
