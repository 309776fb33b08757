import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { useDateFormat } from '~/components/reputation/ledger';
import type { RouteHandle } from '~/domain/identity/access';
import { listCheckpoints } from '~/domain/reputation/reputation.server';
import { getT } from '~/i18n/i18n.server';

// The published checkpoints: a digest of every chain head, nightly, with its date and file.
export const handle: RouteHandle = { access: 'public', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'reputation');
  return { title: t('checkpoints.title'), checkpoints: await listCheckpoints(context.db, 60) };
}

export default function Checkpoints() {
  const { t } = useTranslation('reputation');
  const date = useDateFormat();
  const { checkpoints } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('checkpoints.title')}</h1>
      <p className="lead">{t('checkpoints.intro')}</p>
      {checkpoints.length === 0 ? (
        <p>{t('checkpoints.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('checkpoints.date')}</th>
                <th scope="col">{t('checkpoints.digest')}</th>
                <th scope="col">{t('checkpoints.subjects')}</th>
                <th scope="col">{t('checkpoints.entries')}</th>
                <th scope="col">{t('checkpoints.file')}</th>
              </tr>
            </thead>
            <tbody>
              {checkpoints.map((c) => (
                <tr key={c.id}>
                  <td>
                    <time dateTime={c.createdAt}>{date(c.createdAt)}</time>
                  </td>
                  <td>
                    <code className="hash">{c.digest}</code>
                  </td>
                  <td>{c.subjectCount}</td>
                  <td>{c.entryCount}</td>
                  <td>
                    {c.fileName ? (
                      <a href={`/registre/points-de-controle/${c.id}`} download={c.fileName}>
                        {t('checkpoints.download')}
                      </a>
                    ) : (
                      t('checkpoints.noFile')
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{t('checkpoints.howTo')}</h2>
      <p>
        <Link to="/registre/verifier">{t('ledger.verifyLink')}</Link>
      </p>
      <p className="hint">{t('checkpoints.command')}</p>
    </>
  );
}
