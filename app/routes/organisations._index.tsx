import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { identityT } from '~/domain/identity/http.server';
import { listOrganizations } from '~/domain/organizations/organizations.server';

export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await identityT(request);
  const q = (new URL(request.url).searchParams.get('q') ?? '').trim().slice(0, 100);
  const orgs = await listOrganizations(context.db, { q: q || undefined });
  return {
    title: t('orgs.title'),
    q,
    orgs: orgs.map((o) => ({
      slug: o.slug,
      name: o.name,
      kind: o.kind,
      verified: o.verified,
      memberCount: o.memberCount,
      territoryName: o.territoryName,
    })),
  };
}

export default function Organizations() {
  const { t } = useTranslation('identity');
  const { q, orgs } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('orgs.title')}</h1>
      <p>{t('orgs.intro')}</p>
      <p>
        <Link to="/organisations/nouvelle">{t('orgs.create')}</Link>
      </p>
      <Form method="get" role="search" className="stack">
        <div>
          <label htmlFor="q">{t('orgs.search')}</label>
          <input id="q" name="q" type="search" defaultValue={q} />
        </div>
        <button type="submit">{t('orgs.searchSubmit')}</button>
      </Form>
      {orgs.length ? (
        <ul className="cards">
          {orgs.map((o) => (
            <li key={o.slug} className="card">
              <h2>
                <Link to={`/organisations/${o.slug}`}>{o.name}</Link>
              </h2>
              <p>
                {t(`orgs.kind.${o.kind}`)}
                {o.territoryName ? ` · ${o.territoryName}` : ''} ·{' '}
                {o.verified ? t('orgs.verified') : t('orgs.notVerified')} ·{' '}
                {t('orgs.members', { count: o.memberCount })}
              </p>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('orgs.none')}</p>
      )}
    </>
  );
}
