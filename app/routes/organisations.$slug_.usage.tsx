import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { UsageReport } from '~/components/usage/UsageReport';
import type { RouteHandle } from '~/domain/identity/access';
import { requireOrgMember } from '~/domain/identity/permissions.server';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';
import { parsePeriod } from '~/domain/usage/usage.schema';
import { publisherUsage } from '~/domain/usage/usage.server';
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
  const usage = await publisherUsage(context.db, { organizationId: org!.id }, days);
  return {
    title: t('usage.title', { name: org!.name }),
    org: { slug: org!.slug, name: org!.name },
    days,
    usage,
  };
}

export default function OrganizationUsage() {
  const { t } = useTranslation('reuses');
  const { org, days, usage } = useLoaderData<typeof loader>();
  return (
    <UsageReport
      heading={t('usage.title', { name: org.name })}
      days={days}
      usage={usage}
      csvBase={`/organisations/${org.slug}/usage.csv`}
    />
  );
}
