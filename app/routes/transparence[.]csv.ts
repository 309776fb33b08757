// /transparence.csv — the transparency report, one row per due occurrence (same filters as the page).
import type { LoaderFunctionArgs } from '@remix-run/node';
import {
  transparencyCsv,
  transparencyQuery,
  transparencyReport,
} from '~/domain/contracts/transparency.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const parsed = transparencyQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const report = await transparencyReport(context.db, parsed.success ? parsed.data : {});
  return new Response(transparencyCsv(report), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="transparence-contrats.csv"',
      'Cache-Control': 'public, max-age=60',
    },
  });
}
