import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { checkTraceableAccess, countDownload, downloadResponse, findDownload, tombstoneResponse } from '~/domain/catalogue/download.server';
import { getLanguage } from '~/i18n/i18n.server';

// /datasets/:slug/telecharger/:distributionId — a published file, streamed (ranges,
// validators, attachment). 404 for an unknown file, 410 with the tombstone once retracted.
// Under a traceable licence: identified reusers only (session or Bearer credential), logged.
export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const target = await findDownload(context.db, params.slug ?? '', params.distributionId ?? '');
  if (!target) return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  if (target.state === 'retracted') return tombstoneResponse(target, await getLanguage(request));
  const access = await checkTraceableAccess(context, request, target);
  if ('refusal' in access) return access.refusal;
  return downloadResponse(request, target, context.storage, async () => {
    await countDownload(context.db, target, {
      ip: context.clientIp,
      userAgent: request.headers.get('user-agent') ?? '',
      secret: context.config.sessionSecret,
    });
    await access.logDownload();
  });
}
