import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import { adminDashboardCounts } from '~/domain/admin/users.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import { listFailingJobs } from '~/domain/jobs/jobs.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await adminT(request);
  const [counts, failing] = await Promise.all([
    adminDashboardCounts(context.db),
    listFailingJobs(context.db, 500),
  ]);
  return { title: t('home.title'), counts: { ...counts, failingJobs: failing.length } };
}

export default function AdminHome() {
  const { t } = useTranslation('admin');
  const { counts } = useLoaderData<typeof loader>();
  const tiles = [
    ['/admin/utilisateurs', 'users', counts.users],
    ['/admin/organisations?filtre=a-verifier', 'unverifiedOrgs', counts.unverifiedOrgs],
    ['/admin/courriels', 'pendingEmails', counts.pendingEmails],
    ['/admin/courriels', 'failedEmails', counts.failedEmails],
    ['/admin/taches', 'failingJobs', counts.failingJobs],
  ] as const;
  return (
    <>
      <h1>{t('home.title')}</h1>
      <AdminNav />
      <ul className="cards">
        {tiles.map(([to, key, n]) => (
          <li key={key} className="card">
            <Link to={to}>
              <strong>{n}</strong> {t(`home.${key}`)}
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
