import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { EntriesTable, ExportLinks, Pagination, StandingSummary } from '~/components/reputation/ledger';
import type { RouteHandle } from '~/domain/identity/access';
import { getStanding, listSubjectEntries, subjectLabel } from '~/domain/reputation/reputation.server';
import { pageSchema, subjectParamsSchema } from '~/domain/reputation/reputation.schema';
import { getT } from '~/i18n/i18n.server';

// The public ledger of one subject (a citizen or an organisation), newest entries first.
export const handle: RouteHandle = { access: 'public', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'reputation');
  const parsed = subjectParamsSchema.safeParse(params);
  if (!parsed.success) throw data({ message: t('ledger.notFound') }, { status: 404 });
  const subject = { type: parsed.data.subjectType, id: parsed.data.subjectId };
  const [label, standing] = await Promise.all([subjectLabel(context.db, subject), getStanding(context.db, subject)]);
  if (!label.exists && standing.entries === 0) throw data({ message: t('ledger.notFound') }, { status: 404 });
  const page = await listSubjectEntries(context.db, subject, pageSchema.parse(new URL(request.url).searchParams.get('page') ?? 1));
  const name = label.deleted ? t('ledger.deletedAccount') : (label.name ?? t('ledger.unnamed', { id: subject.id.slice(0, 8) }));
  return { title: t('ledger.titleOf', { name }), name, slug: label.slug, subject, standing, page };
}

export default function SubjectLedger() {
  const { t } = useTranslation('reputation');
  const { name, slug, subject, standing, page } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('ledger.titleOf', { name })}</h1>
      <p className="hint">
        {t(`subjectTypes.${subject.type}`)} · <code>{subject.id}</code>
        {slug ? (
          <>
            {' · '}
            <Link to={`/organisations/${slug}`}>{name}</Link>
          </>
        ) : null}
      </p>
      <StandingSummary standing={standing} />
      <ExportLinks type={subject.type} id={subject.id} />
      <EntriesTable entries={page.entries} />
      <Pagination page={page.page} pages={page.pages} basePath={`/registre/${subject.type}/${subject.id}`} />
    </>
  );
}
