import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { DownloadsChart } from '~/components/usage/DownloadsChart';
import type { RouteHandle } from '~/domain/identity/access';
import { requireOrgMember } from '~/domain/identity/permissions.server';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';
import { parsePeriod, usagePeriods } from '~/domain/usage/usage.schema';
import { organizationUsage } from '~/domain/usage/usage.server';
import { getT } from '~/i18n/i18n.server';

// /organisations/:slug/usage?jours=30 — for the organisation's members: downloads of its
// datasets over time (chart + table), per dataset, and the reusers of its traceable data
// with their declared purpose; CSV exports. An unknown organisation answers 403.
export const handle: RouteHandle = { access: 'member', i18n: 'reuses' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const org = await getOrganizationBySlug(context.db, params.slug ?? '');
  await requireOrgMember(context, request, org?.id ?? '');
  const t = await getT(request, 'reuses');
  const days = parsePeriod(new URL(request.url).searchParams.get('jours'));
  const usage = await organizationUsage(context.db, org!.id, days);
  return {
    title: t('usage.title', { name: org!.name }),
    org: { slug: org!.slug, name: org!.name },
    days,
    usage,
  };
}

export default function OrganizationUsage() {
  const { t, i18n } = useTranslation('reuses');
  const { org, days, usage } = useLoaderData<typeof loader>();
  const when = (d: string | Date) =>
    new Date(d).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
  return (
    <article aria-labelledby="title" className="stack">
      <h1 id="title">{t('usage.title', { name: org.name })}</h1>
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
          <a href={`/organisations/${org.slug}/usage.csv?jours=${days}&tableau=jours`} download>
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
          <a href={`/organisations/${org.slug}/usage.csv?jours=${days}`} download>
            {t('usage.csvLog')}
          </a>
        </p>
      </section>
    </article>
  );
}
