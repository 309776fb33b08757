import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { useDateFormat } from '~/components/reputation/ledger';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import { listVerifications } from '~/domain/reputation/reputation.server';
import { getT } from '~/i18n/i18n.server';

// For admins: the results of the latest full verifications of the ledger.
export const handle: RouteHandle = { access: 'admin', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await getT(request, 'reputation');
  return { title: t('verifications.title'), verifications: await listVerifications(context.db, 30) };
}

export default function Verifications() {
  const { t } = useTranslation('reputation');
  const date = useDateFormat();
  const { verifications } = useLoaderData<typeof loader>();
  const last = verifications[0];
  return (
    <>
      <h1>{t('verifications.title')}</h1>
      <p>{t('verifications.intro')}</p>
      {last ? (
        <section aria-labelledby="last-title" className={`notice ${last.ok ? 'ok' : 'error'}`} role="status">
          <h2 id="last-title">
            {t('verifications.lastIs', { result: last.ok ? t('verifications.ok') : t('verifications.failed') })}
          </h2>
          <p>
            <time dateTime={last.finishedAt}>{date(last.finishedAt)}</time> ({last.source}) —{' '}
            {t('verifications.counts', { entries: last.entryCount, subjects: last.subjectCount })}
            {last.checkpointDigest ? ` — ${t('verifications.checkpoint', { digest: last.checkpointDigest.slice(0, 16) })}` : ''}
          </p>
          {last.problems.length ? (
            <ul>
              {last.problems.map((p, i) => (
                <li key={i}>
                  <code>{p.kind}</code> {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : (
        <p>{t('verifications.none')}</p>
      )}
      {verifications.length > 1 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('verifications.when')}</th>
              <th scope="col">{t('verifications.source')}</th>
              <th scope="col">{t('verifications.result')}</th>
            </tr>
          </thead>
          <tbody>
            {verifications.slice(1).map((v) => (
              <tr key={v.id}>
                <td>
                  <time dateTime={v.finishedAt}>{date(v.finishedAt)}</time>
                </td>
                <td>{v.source}</td>
                <td>
                  {v.ok ? t('verifications.ok') : t('verifications.problems', { count: v.problemCount })} —{' '}
                  {t('verifications.counts', { entries: v.entryCount, subjects: v.subjectCount })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p>
        <Link to="/registre/signalements">{t('verifications.flagsLink')}</Link>
      </p>
    </>
  );
}
