// /compte/contributions — my contributions, and those made on behalf of my organisations.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { listContributionsFor } from '~/domain/contributions/contributions.server';
import { contributionsT } from '~/domain/contributions/http.server';
import { editableStates } from '~/domain/contributions/state-machine';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'contributions' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await contributionsT(request);
  return { title: t('contributions:mine.title'), contributions: await listContributionsFor(context.db, user.id) };
}

export default function MyContributions() {
  const { t, i18n } = useTranslation('contributions');
  const { contributions } = useLoaderData<typeof loader>();
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
  return (
    <section aria-labelledby="mine-title" className="stack wide">
      <h1 id="mine-title">{t('mine.title')}</h1>
      <p>
        <Link className="button" to="/contribuer">
          {t('mine.new')}
        </Link>
      </p>
      {contributions.length === 0 ? (
        <p>{t('mine.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('fields.title')}</th>
                <th scope="col">{t('mine.kind')}</th>
                <th scope="col">{t('mine.state')}</th>
                <th scope="col">{t('mine.organization')}</th>
                <th scope="col">{t('mine.by')}</th>
                <th scope="col">{t('mine.files')}</th>
                <th scope="col">{t('mine.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {contributions.map((c) => (
                <tr key={c.id} data-contribution-id={c.id} data-state={c.state}>
                  <th scope="row">
                    <Link to={c.mine && editableStates.includes(c.state) ? `/contribuer/${c.id}` : `/compte/contributions/${c.id}`}>
                      {c.title || t('wizard.missing')}
                    </Link>
                  </th>
                  <td>{t(`kinds.${c.kind}`)}</td>
                  <td>
                    <span className={`badge badge-${c.state}`}>{t(`states.${c.state}`)}</span>
                  </td>
                  <td>{c.organizationName ?? '—'}</td>
                  <td>{c.submitterPseudonym}</td>
                  <td>{c.fileCount}</td>
                  <td>{fmt.format(new Date(c.updatedAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
