import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import { legalSlugs } from '~/domain/legal/defaults';
import { getLegalPage } from '~/domain/legal/legal.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await adminT(request);
  const lng = await getLanguage(request);
  const pages = await Promise.all(legalSlugs.map((s) => getLegalPage(context.db, s, lng)));
  return {
    title: t('pages.title'),
    pages: pages.map((p) => ({ slug: p.slug, title: p.title, version: p.version })),
  };
}

export default function AdminLegalPages() {
  const { t } = useTranslation('admin');
  const { pages } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('pages.title')}</h1>
      <AdminNav />
      <ul>
        {pages.map((p) => (
          <li key={p.slug}>
            <Link to={`/admin/pages/${p.slug}`}>{p.title}</Link> —{' '}
            {t('pages.version', { version: p.version })} ·{' '}
            <Link to={`/${p.slug}`}>
              {t('pages.view')}
              <span className="visually-hidden"> {p.title}</span>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
