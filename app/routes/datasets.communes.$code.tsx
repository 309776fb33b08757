import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import leafletCss from 'leaflet/dist/leaflet.css?url';
import catalogueCss from '~/components/catalogue/catalogue.css?url';
import { CatalogueMap } from '~/components/catalogue/CatalogueMap';
import { DatasetList } from '~/components/catalogue/DatasetList';
import { listPublishedDatasets } from '~/domain/catalogue/catalogue.server';
import { communeOutlines } from '~/domain/catalogue/dataset-page.server';
import type { RouteHandle } from '~/domain/identity/access';
import { getT } from '~/i18n/i18n.server';

// /datasets/communes/:code — the datasets that cover one commune (or the whole Métropole).
export const handle: RouteHandle = { access: 'public', i18n: 'catalogue' };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: leafletCss },
  { rel: 'stylesheet', href: catalogueCss },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const code = params.code ?? '';
  const territory = /^[0-9AB]{5,9}$/.test(code)
    ? await context.db.selectFrom('territory').select(['code', 'name', 'kind']).where('code', '=', code).executeTakeFirst()
    : undefined;
  if (!territory) throw new Response('Not found', { status: 404 });
  const t = await getT(request, 'catalogue');
  const [datasets, outlines] = await Promise.all([
    listPublishedDatasets(context.db, { commune: code, includeArchived: false, limit: 100 }),
    communeOutlines(context.db, [code]),
  ]);
  return { title: t('commune.title', { name: territory.name }), territory, datasets, outlines };
}

export default function CommuneDatasets() {
  const { t } = useTranslation('catalogue');
  const { territory, datasets, outlines } = useLoaderData<typeof loader>();
  return (
    <article aria-labelledby="title">
      <h1 id="title">{t('commune.title', { name: territory.name })}</h1>
      <CatalogueMap outlines={outlines} label={t('commune.mapLabel', { name: territory.name })} />
      <h2>{t('commune.datasets', { count: datasets.length })}</h2>
      <DatasetList items={datasets} emptyText={t('commune.empty')} />
      <p>
        <Link to={`/datasets?commune=${territory.code}`}>{t('commune.searchLink', { name: territory.name })}</Link>
      </p>
    </article>
  );
}
