import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { UsageReport } from '~/components/usage/UsageReport';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/permissions.server';
import { parsePeriod } from '~/domain/usage/usage.schema';
import { publisherUsage } from '~/domain/usage/usage.server';
import { getT } from '~/i18n/i18n.server';

// /compte/usage?jours=30 — the usage of the datasets I published as an individual (those
// published for an organisation are on the organisation's usage page).
export const handle: RouteHandle = { access: 'signed-in', i18n: 'reuses' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await getT(request, 'reuses');
  const days = parsePeriod(new URL(request.url).searchParams.get('jours'));
  return {
    title: t('usage.mineTitle'),
    days,
    usage: await publisherUsage(context.db, { userId: user.id }, days),
  };
}

export default function MyUsage() {
  const { t } = useTranslation('reuses');
  const { days, usage } = useLoaderData<typeof loader>();
  return (
    <UsageReport
      heading={t('usage.mineTitle')}
      days={days}
      usage={usage}
      csvBase="/compte/usage.csv"
    />
  );
}
