// /moderation/statistiques — public moderation statistics per month, with a CSV of the same.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { moderationStatistics } from '~/domain/moderation/statistics.server';
import { getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public', i18n: 'moderation' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.title ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'moderation');
  const stats = await moderationStatistics(context.db);
  return { title: t('stats.title'), ...stats };
}

export default function ModerationStatistics() {
  const { t, i18n } = useTranslation('moderation');
  const { months, reasons } = useLoaderData<typeof loader>();
  const nf = new Intl.NumberFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { maximumFractionDigits: 1 });
  const monthName = (m: string) =>
    new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${m}-01T00:00:00Z`));
  const hours = (v: number | null) => (v === null ? t('stats.none') : t('stats.hours', { value: nf.format(v) }));
  return (
    <div className="stack wide">
      <h1>{t('stats.title')}</h1>
      <p>{t('stats.intro')}</p>
      <p>
        <a href="/moderation/statistiques.csv" download>
          {t('stats.csv')}
        </a>
      </p>
      {months.length === 0 ? (
        <p>{t('stats.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table data-testid="stats">
            <caption>{t('stats.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('stats.month')}</th>
                <th scope="col">{t('stats.decided')}</th>
                <th scope="col">{t('stats.approved')}</th>
                <th scope="col">{t('stats.rejected')}</th>
                <th scope="col">{t('stats.changesRequested')}</th>
                <th scope="col">{t('stats.median')}</th>
                <th scope="col">{t('stats.p90')}</th>
                <th scope="col">{t('stats.approvedAfterChanges')}</th>
                <th scope="col">{t('stats.retracted')}</th>
              </tr>
            </thead>
            <tbody>
              {months.map((m) => (
                <tr key={m.month}>
                  <th scope="row">{monthName(m.month)}</th>
                  <td>{m.decided}</td>
                  <td>{m.approved}</td>
                  <td>{m.rejected}</td>
                  <td>{m.changesRequested}</td>
                  <td>{hours(m.medianHours)}</td>
                  <td>{hours(m.p90Hours)}</td>
                  <td>
                    {m.approvedAfterChanges}
                    {m.approved ? ` (${nf.format((m.approvedAfterChanges / m.approved) * 100)} %)` : ''}
                  </td>
                  <td>{m.retracted}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {reasons.length ? (
        <div className="table-scroll">
          <table>
            <caption>{t('stats.reasonsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('stats.month')}</th>
                <th scope="col">{t('stats.reason')}</th>
                <th scope="col">{t('stats.count')}</th>
              </tr>
            </thead>
            <tbody>
              {reasons.map((r) => (
                <tr key={`${r.month}-${r.reason}`}>
                  <th scope="row">{monthName(r.month)}</th>
                  <td>{t(`reasons.${r.reason}`, { defaultValue: r.reason })}</td>
                  <td>{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
