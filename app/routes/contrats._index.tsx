// /contrats — the contracts a public body's admins manage (all of them for a platform
// admin): filtered by period, public body, contractor and overdue due dates, filters in
// the URL (a GET form: shareable, works without JavaScript), 25 a page, each linking to
// its place on the transparency page and to its edit page.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { manageablePublicBodies } from '~/domain/contracts/contracts.server';
import { contractsT } from '~/domain/contracts/http.server';
import {
  listContracts,
  PAGE_SIZE,
  parseContractListQuery,
  periodStatuses,
} from '~/domain/contracts/list.server';
import type { RouteHandle } from '~/domain/identity/access';
import { forbidden, requireUser } from '~/domain/identity/permissions.server';

export const handle: RouteHandle = { access: 'member', i18n: 'contracts' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.title ?? ''} — terridata` },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  if (!(await manageablePublicBodies(context.db, user)).length) throw forbidden(request);
  const t = await contractsT(request);
  const url = new URL(request.url);
  const filters = parseContractListQuery(url.searchParams);
  const list = await listContracts(context.db, user, filters);
  return {
    title: t('contracts:list.title'),
    filters,
    list,
    pageSize: PAGE_SIZE,
    statuses: periodStatuses,
  };
}

/** The current filters with some changed (a page link keeps the filters). */
function href(filters: Record<string, unknown>, change: Record<string, string | undefined>) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...change })) {
    if (v === undefined || v === false || v === '' || v === null) continue;
    p.set(k, v === true ? '1' : String(v));
  }
  const q = p.toString();
  return q ? `/contrats?${q}` : '/contrats';
}

export default function Contracts() {
  const { t, i18n } = useTranslation('contracts');
  const { filters, list, pageSize, statuses } = useLoaderData<typeof loader>();
  const date = (iso: string) =>
    new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
      dateStyle: 'medium',
      timeZone: 'UTC',
    }).format(new Date(`${iso}T00:00:00Z`));
  const from = list.total ? (list.page - 1) * pageSize + 1 : 0;
  const to = Math.min(list.page * pageSize, list.total);
  return (
    <div className="stack wide">
      <h1>{t('list.title')}</h1>
      <p>{t('list.intro')}</p>
      <p>
        <Link to="/contrats/nouveau">{t('list.new')}</Link>
        {' · '}
        <Link to="/transparence">{t('list.transparency')}</Link>
      </p>
      <Form method="get" className="filters" aria-label={t('list.filters')}>
        <label>
          {t('list.status')}{' '}
          <select name="statut" defaultValue={filters.statut ?? ''}>
            <option value="">{t('list.statusAll')}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {t(`list.statuses.${s}`)}
              </option>
            ))}
          </select>
        </label>{' '}
        {list.publicBodies.length > 1 ? (
          <>
            <label>
              {t('list.publicBody')}{' '}
              <select name="organisme" defaultValue={filters.organisme ?? ''}>
                <option value="">{t('list.all')}</option>
                {list.publicBodies.map((p) => (
                  <option key={p.slug} value={p.slug}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>{' '}
          </>
        ) : null}
        <label>
          {t('list.contractor')}{' '}
          <select name="titulaire" defaultValue={filters.titulaire ?? ''}>
            <option value="">{t('list.all')}</option>
            {list.contractors.map((p) => (
              <option key={p.slug} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </label>{' '}
        <label className="inline">
          <input type="checkbox" name="retard" value="1" defaultChecked={filters.retard} />{' '}
          {t('list.overdueOnly')}
        </label>{' '}
        <button type="submit">{t('list.apply')}</button>{' '}
        <Link to="/contrats">{t('list.reset')}</Link>
      </Form>
      {list.items.length === 0 ? (
        <p role="status">{t('list.none')}</p>
      ) : (
        <>
          <p role="status">{t('list.range', { from, to, total: list.total })}</p>
          <div className="table-scroll">
            <table data-testid="contracts">
              <caption className="visually-hidden">{t('list.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('list.reference')}</th>
                  <th scope="col">{t('list.contractTitle')}</th>
                  <th scope="col">{t('list.publicBody')}</th>
                  <th scope="col">{t('list.contractor')}</th>
                  <th scope="col">{t('list.period')}</th>
                  <th scope="col">{t('list.obligations')}</th>
                  <th scope="col">{t('list.overdue')}</th>
                  <th scope="col">{t('list.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((k) => (
                  <tr key={k.id} data-testid="contract-row">
                    <th scope="row">{k.reference}</th>
                    <td>{k.title}</td>
                    <td>{k.publicBody.name}</td>
                    <td>{k.contractor.name}</td>
                    <td>
                      {t('transparency.period', { start: date(k.startsOn), end: date(k.endsOn) })} (
                      {t(`list.periodStatus.${k.status}`)})
                    </td>
                    <td>{k.obligations}</td>
                    <td>
                      {k.overdue ? <span className="status status-overdue">{k.overdue}</span> : 0}
                    </td>
                    <td>
                      <Link
                        to={`/transparence?organisme=${encodeURIComponent(k.publicBody.slug)}#k-${k.id}`}
                        aria-label={t('list.view', { reference: k.reference })}
                      >
                        {t('list.viewShort')}
                      </Link>
                      {' · '}
                      <Link
                        to={`/contrats/${k.id}/modifier`}
                        aria-label={t('list.edit', { reference: k.reference })}
                      >
                        {t('list.editShort')}
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {list.pages > 1 ? (
            <nav aria-label={t('list.pages')}>
              <ul className="plain pager">
                {list.page > 1 ? (
                  <li>
                    <Link to={href(filters, { page: String(list.page - 1) })} rel="prev">
                      {t('list.prev')}
                    </Link>
                  </li>
                ) : null}
                <li aria-current="page">
                  {t('list.pageOf', { page: list.page, pages: list.pages })}
                </li>
                {list.page < list.pages ? (
                  <li>
                    <Link to={href(filters, { page: String(list.page + 1) })} rel="next">
                      {t('list.next')}
                    </Link>
                  </li>
                ) : null}
              </ul>
            </nav>
          ) : null}
        </>
      )}
    </div>
  );
}
