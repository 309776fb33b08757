// Small helpers the identity routes share: the translate function of the request's
// language, the origin for links in emails, and the client's address.
import type { AppLoadContext } from '@remix-run/node';
import { getLanguage, getT } from '~/i18n/i18n.server';
import type { Translate } from './identity.schema';
import type { Mailing } from './accounts.server';

export async function identityT(request: Request): Promise<Translate> {
  return (await getT(request, ['identity', 'common'])) as unknown as Translate;
}

export async function mailingFor(context: AppLoadContext, request: Request): Promise<Mailing> {
  const baseUrl = (context.config.publicUrl ?? new URL(request.url).origin).replace(/\/$/, '');
  return { baseUrl, locale: await getLanguage(request) };
}
