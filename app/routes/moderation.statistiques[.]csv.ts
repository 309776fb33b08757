// /moderation/statistiques.csv — the public moderation statistics as CSV.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { rejectionReasons } from '~/domain/contributions/state-machine';
import type { RouteHandle } from '~/domain/identity/access';
import { moderationStatistics, statisticsCsv } from '~/domain/moderation/statistics.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ context }: LoaderFunctionArgs) {
  const stats = await moderationStatistics(context.db);
  return new Response(statisticsCsv(stats, rejectionReasons), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="statistiques-moderation.csv"',
      'Cache-Control': 'public, max-age=300',
    },
  });
}
