// /transparence — public: contracts with an open-data clause, their obligations and
// compliance per contractor and per public body (filters in the query string), with the
// same report as CSV (/transparence.csv) and JSON (/api/v1/contracts).
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { transparencyQuery, transparencyReport } from '~/domain/contracts/transparency.server';
import type { Compliance } from '~/domain/contracts/transparency.server';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser } from '~/domain/identity/session.server';
import { manageablePublicBodies } from '~/domain/contracts/contracts.server';
import { getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public', i18n: 'contracts' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.title ?? ''} — terridata` },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'contracts');
  const url = new URL(request.url);
  const parsed = transparencyQuery.safeParse(Object.fromEntries(url.searchParams));
  const filters = parsed.success ? parsed.data : {};
  const [report, all, user] = await Promise.all([
    transparencyReport(context.db, filters),
    filters.organisme || filters.titulaire ? transparencyReport(context.db) : null,
    getSessionUser(context, request),
  ]);
  const everyone = all ?? report;
  const canRecord = user ? (await manageablePublicBodies(context.db, user)).length > 0 : false;
  return {
    title: t('transparency.title'),
    report,
    filters,
    query: url.search,
    canRecord,
    publicBodies: everyone.publicBodies.map(({ slug, name }) => ({ slug, name })),
    contractors: everyone.contractors.map(({ slug, name }) => ({ slug, name })),
  };
}

function ComplianceCells({ c }: { c: Compliance }) {
  const { i18n, t } = useTranslation('contracts');
  const pct = new Intl.NumberFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
    style: 'percent',
    maximumFractionDigits: 0,
  });
  return (
    <>
      <td>{c.onTime}</td>
      <td>{c.late}</td>
      <td>{c.missing}</td>
      <td>{c.pending}</td>
      <td>{c.upcoming}</td>
      <td>{c.rate === null ? t('compliance.none') : pct.format(c.rate)}</td>
    </>
  );
}

function ComplianceTable({
  caption,
  rows,
  testId,
}: {
  caption: string;
  rows: { id: string; name: string; compliance: Compliance }[];
  testId: string;
}) {
  const { t } = useTranslation('contracts');
  return (
    <div className="table-scroll">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('transparency.name')}</th>
            <th scope="col">{t('compliance.onTime')}</th>
            <th scope="col">{t('compliance.late')}</th>
            <th scope="col">{t('compliance.missing')}</th>
            <th scope="col">{t('compliance.pending')}</th>
            <th scope="col">{t('compliance.upcoming')}</th>
            <th scope="col">{t('compliance.rate')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.name}</th>
              <ComplianceCells c={r.compliance} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function Transparency() {
  const { t, i18n } = useTranslation('contracts');
  const { report, filters, query, publicBodies, contractors, canRecord } =
    useLoaderData<typeof loader>();
  const date = (iso: string) =>
    new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
      dateStyle: 'medium',
      timeZone: 'UTC',
    }).format(new Date(`${iso}T00:00:00Z`));
  return (
    <div className="stack wide">
      <h1>{t('transparency.title')}</h1>
      <p>{t('transparency.intro')}</p>
      <Form method="get" className="filters" aria-label={t('transparency.filters')}>
        <label>
          {t('transparency.publicBody')}{' '}
          <select name="organisme" defaultValue={filters.organisme ?? ''}>
            <option value="">{t('transparency.all')}</option>
            {publicBodies.map((p) => (
              <option key={p.slug} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          {t('transparency.contractor')}{' '}
          <select name="titulaire" defaultValue={filters.titulaire ?? ''}>
            <option value="">{t('transparency.all')}</option>
            {contractors.map((p) => (
              <option key={p.slug} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit">{t('transparency.apply')}</button>
      </Form>
      <p>
        <a href={`/transparence.csv${query}`} download>
          {t('transparency.csv')}
        </a>
        {' · '}
        <a href={`/api/v1/contracts${query}`}>{t('transparency.json')}</a>
        {canRecord ? (
          <>
            {' · '}
            <Link to="/contrats/nouveau">{t('list.new')}</Link>
            {' · '}
            <Link to="/contrats">{t('list.manage')}</Link>
          </>
        ) : null}
      </p>
      {report.contracts.length === 0 ? (
        <p>{t('transparency.noContracts')}</p>
      ) : (
        <>
          <ComplianceTable
            caption={t('transparency.byContractor')}
            rows={report.contractors}
            testId="by-contractor"
          />
          <ComplianceTable
            caption={t('transparency.byPublicBody')}
            rows={report.publicBodies}
            testId="by-public-body"
          />
          <h2>{t('transparency.contracts')}</h2>
          {report.contracts.map((k) => (
            <section
              key={k.id}
              className="card"
              aria-labelledby={`k-${k.id}`}
              data-testid="contract"
            >
              <h3 id={`k-${k.id}`}>
                {k.title} <small>({k.reference})</small>
              </h3>
              <p>
                {t('transparency.publicBody')} :{' '}
                <Link to={`/organisations/${k.publicBody.slug}`}>{k.publicBody.name}</Link> ·{' '}
                {t('transparency.contractor')} :{' '}
                <Link to={`/organisations/${k.contractor.slug}`}>{k.contractor.name}</Link> ·{' '}
                {t('transparency.period', { start: date(k.startsOn), end: date(k.endsOn) })}
                {k.noticeUrl ? (
                  <>
                    {' · '}
                    <a href={k.noticeUrl} rel="noopener noreferrer">
                      {t('transparency.notice')}
                    </a>
                  </>
                ) : null}
              </p>
              <div className="table-scroll">
                <table>
                  <caption className="visually-hidden">{k.title}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('transparency.dataset')}</th>
                      <th scope="col">{t('transparency.frequency')}</th>
                      <th scope="col">{t('transparency.format')}</th>
                      <th scope="col">{t('transparency.licence')}</th>
                      <th scope="col">{t('transparency.dueDates')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {k.obligations.map((o) => (
                      <tr key={o.id}>
                        <th scope="row">
                          {o.dataset ? (
                            <Link to={o.dataset.url}>{o.datasetTitle}</Link>
                          ) : (
                            o.datasetTitle
                          )}
                          {o.dataset ? null : <small> ({t('transparency.notYetPublished')})</small>}
                        </th>
                        <td>{t(`frequency.${o.frequency ?? 'dates'}`)}</td>
                        <td>{o.expectedFormat}</td>
                        <td>{o.licence}</td>
                        <td>
                          <ul className="plain">
                            {o.occurrences.map((x) => (
                              <li key={x.dueOn}>
                                {date(x.dueOn)} :{' '}
                                <span className={`status status-${x.status}`}>
                                  {t(`status.${x.status}`)}
                                </span>
                              </li>
                            ))}
                          </ul>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ))}
        </>
      )}
    </div>
  );
}
