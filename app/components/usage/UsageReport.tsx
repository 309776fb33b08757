// The usage report of a publisher (an organisation, or a person for what they published as
// an individual): downloads over time (chart + table), per dataset, reusers of traceable data
// with their declared purpose, CSV exports.
import { Form, Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { usagePeriods } from '~/domain/usage/usage.schema';
import { DownloadsChart } from './DownloadsChart';

export interface UsageData {
  days: { day: string; downloads: number }[];
  total: number;
  datasets: {
    id: string;
    slug: string;
    title: string;
    downloads: number;
    traceableDownloads: number;
  }[];
  reusers: {
    reuser: string;
    reuserOrganization: string | null;
    keyName: string | null;
    purpose: string | null;
    via: 'session' | 'credential';
    downloads: number;
    datasets: string[];
    lastAt: string | Date;
  }[];
}

export function UsageReport({
  heading,
  days,
  usage,
  csvBase,
}: {
  heading: string;
  days: number;
  usage: UsageData;
  csvBase: string;
}) {
  const { t, i18n } = useTranslation('reuses');
  const when = (d: string | Date) =>
    new Date(d).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
  return (
    <article aria-labelledby="title" className="stack">
      <h1 id="title">{heading}</h1>
      <Form method="get" className="inline-form">
        <label htmlFor="jours">{t('usage.period')}</label>{' '}
        <select id="jours" name="jours" defaultValue={String(days)}>
          {usagePeriods.map((p) => (
            <option key={p} value={p}>
              {t('usage.lastDays', { count: p })}
            </option>
          ))}
        </select>{' '}
        <button type="submit" className="secondary">
          {t('usage.show')}
        </button>
      </Form>
      <section aria-labelledby="chart-h">
        <h2 id="chart-h">{t('usage.overTime')}</h2>
        <DownloadsChart days={usage.days} total={usage.total} />
        <p>
          <a href={`${csvBase}?jours=${days}&tableau=jours`} download>
            {t('usage.csvDays')}
          </a>
        </p>
      </section>
      <section aria-labelledby="datasets-h">
        <h2 id="datasets-h">{t('usage.perDataset')}</h2>
        {usage.datasets.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('usage.dataset')}</th>
                <th scope="col">{t('usage.downloads')}</th>
                <th scope="col">{t('usage.traceableDownloads')}</th>
              </tr>
            </thead>
            <tbody>
              {usage.datasets.map((d) => (
                <tr key={d.id}>
                  <th scope="row">
                    <Link to={`/datasets/${d.slug}`}>{d.title}</Link>
                  </th>
                  <td>{d.downloads}</td>
                  <td>{d.traceableDownloads}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('usage.noDatasets')}</p>
        )}
      </section>
      <section aria-labelledby="reusers-h">
        <h2 id="reusers-h">{t('usage.reusers')}</h2>
        <p className="hint">{t('usage.reusersHint')}</p>
        {usage.reusers.length ? (
          <div className="table-scroll" role="region" aria-labelledby="reusers-h" tabIndex={0}>
            <table className="reusers">
              <thead>
                <tr>
                  <th scope="col">{t('usage.reuser')}</th>
                  <th scope="col">{t('usage.key')}</th>
                  <th scope="col">{t('usage.purpose')}</th>
                  <th scope="col">{t('usage.datasets')}</th>
                  <th scope="col">{t('usage.downloads')}</th>
                  <th scope="col">{t('usage.last')}</th>
                </tr>
              </thead>
              <tbody>
                {usage.reusers.map((r, i) => (
                  <tr key={i}>
                    <th scope="row">
                      {r.reuser}
                      {r.reuserOrganization ? (
                        <span className="hint"> — {r.reuserOrganization}</span>
                      ) : null}
                    </th>
                    <td>{r.via === 'session' ? t('usage.viaSession') : (r.keyName ?? '—')}</td>
                    <td>{r.purpose ?? t('usage.noPurpose')}</td>
                    <td>{r.datasets.join(', ')}</td>
                    <td>{r.downloads}</td>
                    <td>{when(r.lastAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>{t('usage.noReusers')}</p>
        )}
        <p>
          <a href={`${csvBase}?jours=${days}`} download>
            {t('usage.csvLog')}
          </a>
        </p>
      </section>
    </article>
  );
}
