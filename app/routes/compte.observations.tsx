// /compte/observations — my observations: each with its state, grade, confirmations and
// the moderators' decisions (with their reasons).
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';
import { observationsT } from '~/domain/observations/http.server';
import { listMyObservations } from '~/domain/observations/observations.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'observations' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.pageTitle ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await observationsT(request);
  return { pageTitle: t('observations:mine.title'), observations: await listMyObservations(context.db, user.id, await getLanguage(request)) };
}

export default function MyObservations() {
  const { t, i18n } = useTranslation('observations');
  const { observations } = useLoaderData<typeof loader>();
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
  return (
    <section aria-labelledby="mine-title" className="stack wide">
      <h1 id="mine-title">{t('mine.title')}</h1>
      <p>
        <Link className="button" to="/observations/nouvelle">
          {t('list.new')}
        </Link>
      </p>
      {observations.length === 0 ? (
        <p>{t('mine.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('mine.observation')}</th>
                <th scope="col">{t('page.state')}</th>
                <th scope="col">{t('page.grade')}</th>
                <th scope="col">{t('page.confirmations')}</th>
                <th scope="col">{t('page.decisions')}</th>
                <th scope="col">{t('mine.submitted')}</th>
              </tr>
            </thead>
            <tbody>
              {observations.map((o) => (
                <tr key={o.id} data-observation-id={o.id} data-state={o.state} data-grade={o.grade}>
                  <th scope="row">
                    <Link to={`/observations/${o.id}`}>{o.title}</Link>
                  </th>
                  <td>
                    <span className={`badge badge-${o.state}`}>{t(`states.${o.state}`)}</span>
                    {o.state === 'published' && o.resolvedAt ? <> {t('list.resolved')}</> : null}
                  </td>
                  <td>
                    <span className={`badge grade-${o.grade}`}>{t(`grades.${o.grade}`)}</span>
                  </td>
                  <td>{o.confirmations}</td>
                  <td>
                    {o.decisions.length ? (
                      <ul>
                        {o.decisions.map((d, i) => (
                          <li key={i}>
                            {t(`actions.${d.action}`)}
                            {d.comment ? ` : ${d.comment}` : ''}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{o.submittedAt ? fmt.format(new Date(o.submittedAt)) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
