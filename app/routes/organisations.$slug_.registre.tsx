import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { EntriesTable, ExportLinks, Pagination, StandingSummary } from '~/components/reputation/ledger';
import type { RouteHandle } from '~/domain/identity/access';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';
import { getStanding, listSubjectEntries } from '~/domain/reputation/reputation.server';
import { pageSchema } from '~/domain/reputation/reputation.schema';
import { getT } from '~/i18n/i18n.server';

// An organisation's ledger, reached from its page (same content as /registre/organization/:id).
export const handle: RouteHandle = { access: 'public', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'reputation');
  const org = params.slug ? await getOrganizationBySlug(context.db, params.slug) : null;
  if (!org) throw data({ message: t('ledger.notFound') }, { status: 404 });
  const subject = { type: 'organization' as const, id: org.id };
  const page = pageSchema.parse(new URL(request.url).searchParams.get('page') ?? 1);
  const [standing, entries] = await Promise.all([getStanding(context.db, subject), listSubjectEntries(context.db, subject, page)]);
  return { title: t('ledger.titleOf', { name: org.name }), name: org.name, slug: org.slug, subject, standing, page: entries };
}

export default function OrganizationLedger() {
  const { t } = useTranslation('reputation');
  const { name, slug, subject, standing, page } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('ledger.titleOf', { name })}</h1>
      <p>
        <Link to={`/organisations/${slug}`}>{name}</Link>
      </p>
      <StandingSummary standing={standing} />
      <ExportLinks type={subject.type} id={subject.id} />
      <EntriesTable entries={page.entries} />
      <Pagination page={page.page} pages={page.pages} basePath={`/organisations/${slug}/registre`} />
    </>
  );
}
