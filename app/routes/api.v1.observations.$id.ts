// GET /api/v1/observations/:id — one published observation (the map's detail panel);
// 410 problem once retracted, 404 when unknown or not public.
import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { problem } from '~/domain/api/problem.server';
import { jsonWithEtag, notFound } from '~/domain/openapi/http.server';
import { getPublicObservation } from '~/domain/observations/map.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const r = await getPublicObservation(context.db, params.id ?? '', await getLanguage(request));
  if (!r) return notFound('observation');
  if (r.found === 'retracted') {
    return problem(410, 'Gone', 'This observation was retracted. / Cette observation a été retirée.', { retractedAt: r.retractedAt });
  }
  return jsonWithEtag(request, r.observation, { maxAge: 30 });
}
