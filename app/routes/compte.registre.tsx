import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { EntriesTable, ExportLinks, Pagination, StandingSummary } from '~/components/reputation/ledger';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/permissions.server';
import { getStanding, listSubjectEntries } from '~/domain/reputation/reputation.server';
import { pageSchema } from '~/domain/reputation/reputation.schema';
import { getT } from '~/i18n/i18n.server';

// The signed-in user's own ledger: balance, privileges with the next threshold, entries.
export const handle: RouteHandle = { access: 'signed-in', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await getT(request, 'reputation');
  const subject = { type: 'user' as const, id: user.id };
  const page = pageSchema.parse(new URL(request.url).searchParams.get('page') ?? 1);
  const [standing, entries] = await Promise.all([getStanding(context.db, subject), listSubjectEntries(context.db, subject, page)]);
  return { title: t('mine.title'), subject, standing, page: entries };
}

export default function MyLedger() {
  const { t } = useTranslation('reputation');
  const { subject, standing, page } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('mine.title')}</h1>
      <p>{t('mine.intro')}</p>
      <StandingSummary standing={standing} />
      <p>
        <Link to={`/registre/user/${subject.id}`}>{t('ledger.publicLink')}</Link>
      </p>
      <ExportLinks type={subject.type} id={subject.id} />
      <EntriesTable entries={page.entries} />
      <Pagination page={page.page} pages={page.pages} basePath="/compte/registre" />
    </>
  );
}
