import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { DatasetList } from '~/components/catalogue/DatasetList';
import { catalogueSummary } from '~/domain/catalogue/catalogue.server';
import type { RouteHandle } from '~/domain/identity/access';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public', i18n: ['common', 'catalogue'] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  return { catalogue: await catalogueSummary(context.db, await getLanguage(request)) };
}

/** The catalogue on the home page: a search box, counts, latest publications, themes. */
function CatalogueHome() {
  const { t } = useTranslation('catalogue');
  const { catalogue: c } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="catalogue-home-title" className="catalogue-home">
      <h2 id="catalogue-home-title">{t('search.title')}</h2>
      <Form method="get" action="/datasets" role="search" aria-label={t('home.searchLabel')} className="search-form">
        <label htmlFor="home-q">{t('home.searchLabel')}</label>
        <input id="home-q" name="q" type="search" maxLength={200} />
        <button type="submit">{t('home.searchSubmit')}</button>
      </Form>
      <h3>{t('home.counts')}</h3>
      <ul className="catalogue-counts">
        <li>
          <strong>{c.datasets}</strong> {t('home.datasets')}
        </li>
        <li>
          <strong>{c.publishers}</strong> {t('home.publishers')}
        </li>
        <li>
          <strong>{c.files}</strong> {t('home.files')}
        </li>
        <li>
          <strong>{c.downloads}</strong> {t('home.downloads')}
        </li>
      </ul>
      <h3>{t('home.latest')}</h3>
      <DatasetList items={c.latest} />
      <h3>{t('home.themes')}</h3>
      <ul className="theme-list">
        {c.themes.map((th) => (
          <li key={th.code}>
            <Link to={`/datasets?theme=${th.code}`}>{th.label}</Link> <span className="hint">({t('home.themeCount', { count: th.count })})</span>
          </li>
        ))}
      </ul>
      <p>
        <Link to="/datasets">{t('home.browse')}</Link>
      </p>
    </section>
  );
}

export const meta: MetaFunction = () => [
  { title: 'terridata' },
  { name: 'description', content: 'Données ouvertes contributives du territoire' },
];

export default function Home() {
  const { t } = useTranslation();
  return (
    <>
      <section className="hero" aria-labelledby="home-title">
        <h1 id="home-title">{t('home.title')}</h1>
        <p className="lead">{t('home.intro')}</p>
      </section>
      <section className="cards" aria-label={t('tagline')}>
        {(['partners', 'citizens', 'moderation', 'ledger'] as const).map((k) => (
          <article className="card" key={k}>
            <h2>{t(`home.${k}Title`)}</h2>
            <p>{t(`home.${k}`)}</p>
          </article>
        ))}
      </section>
      <CatalogueHome />
    </>
  );
}
