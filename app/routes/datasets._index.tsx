import { data } from '@remix-run/node';
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import catalogueCss from '~/components/catalogue/catalogue.css?url';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { FACETS, SORTS, parseSearch, searchHref, searchParamsSchema, toggleFacet } from '~/domain/catalogue/search-params';
import type { SearchParams } from '~/domain/catalogue/search-params';
import { loadLabels, searchDatasets } from '~/domain/catalogue/search.server';
import type { SearchOutcome } from '~/domain/catalogue/search.server';
import { getLanguage, getT } from '~/i18n/i18n.server';

// /datasets — the catalogue search: every piece of state (words, facets, sort, page) is in
// the URL; the form and the facet links work without JavaScript.
export const handle: RouteHandle = { access: 'public', i18n: 'catalogue' };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: catalogueCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const EMPTY: SearchOutcome = {
  total: 0,
  approximate: false,
  page: 1,
  pageCount: 1,
  items: [],
  facets: { theme: [], commune: [], licence: [], org: [], kind: [], format: [] },
  since: [],
  ignored: [],
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'catalogue');
  const lng = await getLanguage(request);
  const parsed = parseSearch(new URL(request.url).searchParams);
  if (!parsed.success) {
    const code = String(parsed.error.issues[0]?.message ?? 'badRequest');
    const fallback = searchParamsSchema.parse({});
    return data(
      { title: t('search.title'), error: t(`search.errors.${code}`, { defaultValue: t('search.errors.badRequest') }), params: fallback, result: EMPTY },
      { status: 400 },
    );
  }
  const labels = await loadLabels(context.db, lng);
  const result = await searchDatasets(context.db, parsed.data, { labels });
  const title = parsed.data.q ? t('search.titleFor', { q: parsed.data.q }) : t('search.title');
  return { title, error: null as string | null, params: parsed.data, result };
}

/** A count in parentheses; an estimate (many matches, counted on a sample) says so. */
function Count({ n, approximate }: { n: number; approximate: boolean }) {
  const { t, i18n } = useTranslation('catalogue');
  const shown = n.toLocaleString(i18n.language);
  return <span className="count">({approximate ? <abbr title={t('search.approximateTitle')}>≈ {shown}</abbr> : shown})</span>;
}

function FacetBlock({
  facet,
  params,
  values,
  approximate,
}: {
  facet: (typeof FACETS)[number];
  params: SearchParams;
  values: SearchOutcome['facets'][(typeof FACETS)[number]];
  approximate: boolean;
}) {
  const { t } = useTranslation('catalogue');
  if (!values.length) return null;
  const id = `facet-${facet}`;
  return (
    <section aria-labelledby={id} className="facet">
      <h3 id={id}>{t(`facets.${facet}`)}</h3>
      <ul>
        {values.map((v) => (
          <li key={v.value}>
            <Link to={toggleFacet(params, facet, v.value)} aria-current={v.selected ? 'true' : undefined} rel="nofollow">
              {v.selected ? <span aria-hidden="true">✓ </span> : null}
              {facet === 'kind' ? t(`kinds.${v.value}`) : v.label} <Count n={v.count} approximate={approximate} />
              {v.selected ? <span className="visually-hidden"> — {t('facets.remove')}</span> : null}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function DatasetSearch() {
  const { t, i18n } = useTranslation('catalogue');
  const { error, params, result } = useLoaderData<typeof loader>();
  const selected = FACETS.flatMap((f) => params[f].map((v) => ({ facet: f, value: v })));
  const labelOf = (facet: (typeof FACETS)[number], value: string) =>
    facet === 'kind' ? t(`kinds.${value}`) : (result.facets[facet].find((x) => x.value === value)?.label ?? value);
  return (
    <div className="catalogue-search">
      <h1 id="search-title">{t('search.heading')}</h1>
      <Form method="get" action="/datasets" role="search" aria-labelledby="search-title" className="search-form">
        <div>
          <label htmlFor="q">{t('search.queryLabel')}</label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={params.q}
            maxLength={200}
            autoComplete="off"
            aria-describedby={error ? 'search-error' : 'q-hint'}
            aria-invalid={error ? true : undefined}
          />
          <p id="q-hint" className="hint">
            {t('search.queryHint')}
          </p>
        </div>
        {FACETS.flatMap((f) => params[f].map((v) => <input key={`${f}-${v}`} type="hidden" name={f} value={v} />))}
        {params.depuis ? <input type="hidden" name="depuis" value={params.depuis} /> : null}
        <div>
          <label htmlFor="tri">{t('search.sortLabel')}</label>
          <select id="tri" name="tri" defaultValue={params.tri ?? 'relevance'}>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`sort.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <input id="archives" name="archives" type="checkbox" value="1" defaultChecked={params.archives} />
          <label htmlFor="archives">{t('search.includeArchived')}</label>
        </div>
        <button type="submit">{t('search.submit')}</button>
      </Form>

      {error ? (
        <p id="search-error" className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {result.ignored.length ? (
        <p className="notice warn" role="status">
          {t('search.ignored', { values: result.ignored.map((i) => `${t(`facets.${i.facet}`)} « ${i.value} »`).join(', ') })}
        </p>
      ) : null}

      <div className="catalogue-layout">
        <aside aria-labelledby="facets-title" className="facets">
          <h2 id="facets-title">{t('facets.title')}</h2>
          {selected.length ? (
            <section aria-labelledby="active-title">
              <h3 id="active-title">{t('facets.active')}</h3>
              <ul>
                {selected.map((s) => (
                  <li key={`${s.facet}-${s.value}`}>
                    <Link to={toggleFacet(params, s.facet, s.value)}>
                      {t('facets.removeOne', { facet: t(`facets.${s.facet}`), value: labelOf(s.facet, s.value) })}
                    </Link>
                  </li>
                ))}
              </ul>
              <p>
                <Link to={searchHref({ ...params, theme: [], commune: [], licence: [], org: [], kind: [], format: [] }, { depuis: null })}>
                  {t('facets.clear')}
                </Link>
              </p>
            </section>
          ) : null}
          {FACETS.map((f) => (
            <FacetBlock key={f} facet={f} params={params} values={result.facets[f]} approximate={result.approximate} />
          ))}
          {result.since.length ? (
            <section aria-labelledby="facet-since" className="facet">
              <h3 id="facet-since">{t('facets.since')}</h3>
              <ul>
                {result.since.map((s) => (
                  <li key={s.value}>
                    <Link to={searchHref(params, { depuis: s.selected ? null : s.value })} aria-current={s.selected ? 'true' : undefined} rel="nofollow">
                      {s.selected ? <span aria-hidden="true">✓ </span> : null}
                      {t(`since.${s.value}`)} <Count n={s.count} approximate={result.approximate} />
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </aside>

        <section aria-labelledby="results-title" className="results">
          <h2 id="results-title" aria-live="polite">
            {result.approximate ? t('search.countApprox', { count: result.total, formatted: result.total.toLocaleString(i18n.language) }) : t('search.count', { count: result.total })}
          </h2>
          {result.approximate ? <p className="hint">{t('search.approximateNote')}</p> : null}
          {result.items.length === 0 ? (
            result.total > 0 ? (
              <p>
                {t('search.pastEnd')} <Link to={searchHref(params, { page: result.pageCount })}>{t('search.lastPage')}</Link>
              </p>
            ) : (
              <p>{t('search.none')}</p>
            )
          ) : (
            <ol className="result-list">
              {result.items.map((d) => (
                <li key={d.id} className="card">
                  <h3>
                    <Link to={`/datasets/${d.slug}`}>{d.title}</Link>
                    {d.archived ? <span className="badge"> {t('archived')}</span> : null}
                  </h3>
                  {d.excerpt ? <p>{d.excerpt}</p> : null}
                  <dl className="result-facts">
                    <dt>{t('result.publisher')}</dt>
                    <dd>{d.publisher ? <Link to={`/organisations/${d.publisher.slug}`}>{d.publisher.name}</Link> : t('result.individual')}</dd>
                    <dt>{t('result.licence')}</dt>
                    <dd>{d.licence ?? '—'}</dd>
                    <dt>{t('result.formats')}</dt>
                    <dd>{d.formats.length ? d.formats.map((f) => f.toUpperCase()).join(', ') : '—'}</dd>
                    <dt>{t('result.updated')}</dt>
                    <dd>
                      <time dateTime={new Date(d.updatedAt).toISOString()}>{new Date(d.updatedAt).toLocaleDateString(i18n.language)}</time>
                    </dd>
                    <dt>{t('result.quality')}</dt>
                    <dd>{t('result.qualityValue', { score: d.quality })}</dd>
                    <dt>{t('result.downloads')}</dt>
                    <dd>{d.downloads}</dd>
                  </dl>
                </li>
              ))}
            </ol>
          )}
          {result.pageCount > 1 ? (
            <nav aria-label={t('search.pagination')} className="pagination">
              <ul>
                {result.page > 1 ? (
                  <li>
                    <Link to={searchHref(params, { page: Math.min(result.page - 1, result.pageCount) })} rel="prev">
                      {t('search.previous')}
                    </Link>
                  </li>
                ) : null}
                <li aria-current="page">{t('search.pageOf', { page: result.page, count: result.pageCount })}</li>
                {result.page < result.pageCount ? (
                  <li>
                    <Link to={searchHref(params, { page: result.page + 1 })} rel="next">
                      {t('search.next')}
                    </Link>
                  </li>
                ) : null}
              </ul>
            </nav>
          ) : null}
        </section>
      </div>
    </div>
  );
}
