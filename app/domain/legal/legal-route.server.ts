// The loader shared by the four legal pages.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { getLanguage } from '~/i18n/i18n.server';
import { getSessionUser } from '../identity/session.server';
import type { LegalSlug } from './defaults';
import { getLegalPage } from './legal.server';

export async function loadLegalPage({ request, context }: LoaderFunctionArgs, slug: LegalSlug) {
  const lng = await getLanguage(request);
  const page = await getLegalPage(context.db, slug, lng);
  const user = await getSessionUser(context, request);
  return {
    title: page.title,
    slug,
    body: page.body,
    version: page.version,
    updatedAt: page.updatedAt?.toISOString() ?? null,
    canEdit: Boolean(user?.isAdmin),
  };
}
