import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { identityT } from '~/domain/identity/http.server';
import { getMembershipRole, getSessionUser } from '~/domain/identity/permissions.server';
import {
  getOrganizationBySlug,
  getPendingRequest,
} from '~/domain/organizations/organizations.server';
import { DatasetList } from '~/components/catalogue/DatasetList';
import { listPublishedDatasets } from '~/domain/catalogue/catalogue.server';

// The public page of an organisation; signed-in visitors may ask to join it.
export const handle: RouteHandle = { access: 'public', i18n: ['identity', 'catalogue', 'contracts'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.org.name }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const org = await getOrganizationBySlug(context.db, params.slug ?? '');
  if (!org) throw new Response('Not found', { status: 404 });
  const user = await getSessionUser(context, request);
  const role = user ? await getMembershipRole(context.db, user.id, org.id) : null;
  const pending =
    user && !role ? Boolean(await getPendingRequest(context.db, user.id, org.id)) : false;
  const t = await identityT(request);
  const datasets = await listPublishedDatasets(context.db, { organizationId: org.id, limit: 100 });
  return {
    title: org.name,
    org: {
      slug: org.slug,
      name: org.name,
      kind: org.kind,
      siren: org.siren,
      territoryName: org.territoryName,
      description: org.description,
      website: org.website,
      verified: org.verified,
      memberCount: org.memberCount,
    },
    signedIn: Boolean(user),
    datasets,
    role,
    pending,
    info: new URL(request.url).searchParams.get('info'),
    signInHref: `/connexion?redirectTo=${encodeURIComponent(`/organisations/${org.slug}`)}`,
    messageLabel: t('orgs.fields.message'),
  };
}

export default function OrganizationPage() {
  const { t } = useTranslation('identity');
  const { org, signedIn, role, pending, info, signInHref, messageLabel, datasets } =
    useLoaderData<typeof loader>();
  const { t: tc } = useTranslation('catalogue');
  return (
    <article aria-labelledby="title">
      <h1 id="title">{org.name}</h1>
      {info === 'cree' ? (
        <p className="notice ok" role="status">
          {t('orgs.created')}
        </p>
      ) : info === 'demande' ? (
        <p className="notice ok" role="status">
          {t('orgs.joinRequested')}
        </p>
      ) : null}
      <dl>
        <dt>{t('orgs.fields.kind')}</dt>
        <dd>{t(`orgs.kind.${org.kind}`)}</dd>
        <dt>{t('orgs.verified')}</dt>
        <dd>{org.verified ? '✓ ' + t('orgs.verified') : t('orgs.notVerified')}</dd>
        {org.siren ? (
          <>
            <dt>{t('orgs.siren')}</dt>
            <dd>{org.siren}</dd>
          </>
        ) : null}
        {org.territoryName ? (
          <>
            <dt>{t('orgs.territory')}</dt>
            <dd>{org.territoryName}</dd>
          </>
        ) : null}
        {org.website ? (
          <>
            <dt>{t('orgs.website')}</dt>
            <dd>
              <a href={org.website} rel="noopener noreferrer nofollow">
                {org.website}
              </a>
            </dd>
          </>
        ) : null}
      </dl>
      {org.description ? org.description.split(/\n{2,}/).map((p, i) => <p key={i}>{p}</p>) : null}

      <section aria-labelledby="datasets-title">
        <h2 id="datasets-title">{tc('org.datasets')}</h2>
        <DatasetList items={datasets} emptyText={tc('org.empty')} />
      </section>

      <section aria-labelledby="join-title">
        <h2 id="join-title">{t('orgs.members', { count: org.memberCount })}</h2>
        {role ? (
          <>
            <p>{t('orgs.alreadyMember', { role: t(`orgs.role.${role}`) })}</p>
            <p>
              <Link to={`/organisations/${org.slug}/obligations`}>{t('contracts:dashboard.nav')}</Link>
            </p>
            {role === 'admin' ? (
              <p>
                <Link to={`/organisations/${org.slug}/gestion`}>{t('orgs.manage')}</Link>
              </p>
            ) : null}
          </>
        ) : pending ? (
          <p>{t('orgs.joinPending')}</p>
        ) : signedIn ? (
          <Form method="post" action={`/organisations/${org.slug}/adhesion`} className="stack">
            <div>
              <label htmlFor="join-message">{messageLabel}</label>
              <textarea id="join-message" name="message" rows={3} maxLength={500} />
            </div>
            <button type="submit">{t('orgs.join')}</button>
          </Form>
        ) : (
          <p>
            <Link to={signInHref}>{t('orgs.signInToJoin')}</Link>
          </p>
        )}
      </section>
    </article>
  );
}
