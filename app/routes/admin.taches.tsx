import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import { listFailingJobs } from '~/domain/jobs/jobs.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await adminT(request);
  const jobs = await listFailingJobs(context.db);
  return {
    title: t('jobs.title'),
    jobs: jobs.map((j) => ({
      id: j.id,
      task: j.task,
      attempts: j.attempts,
      maxAttempts: j.maxAttempts,
      lastError: j.lastError,
      runAt: new Date(j.runAt).toISOString(),
    })),
  };
}

export default function AdminJobs() {
  const { t, i18n } = useTranslation('admin');
  const { jobs } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('jobs.title')}</h1>
      <AdminNav />
      <p>{t('jobs.intro')}</p>
      {jobs.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('jobs.task')}</th>
              <th scope="col">{t('jobs.state')}</th>
              <th scope="col">{t('jobs.attempts')}</th>
              <th scope="col">{t('jobs.runAt')}</th>
              <th scope="col">{t('jobs.lastError')}</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <td>
                  <code>{j.task}</code> #{j.id}
                </td>
                <td>{j.attempts >= j.maxAttempts ? t('jobs.gaveUp') : t('jobs.retrying')}</td>
                <td>
                  {j.attempts} / {j.maxAttempts}
                </td>
                <td>
                  {j.attempts >= j.maxAttempts
                    ? '—'
                    : new Date(j.runAt).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
                        timeZone: 'Europe/Paris',
                      })}
                </td>
                <td>
                  <code>{j.lastError?.slice(0, 500)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{t('jobs.none')}</p>
      )}
    </>
  );
}
