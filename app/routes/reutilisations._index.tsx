import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { ReuseCard } from '~/components/reuses/ReuseCard';
import type { RouteHandle } from '~/domain/identity/access';
import { reuseKinds } from '~/domain/reuses/reuses.schema';
import type { ReuseKind } from '~/domain/reuses/reuses.schema';
import { listReuses } from '~/domain/reuses/reuses.server';
import { getT } from '~/i18n/i18n.server';

// /reutilisations[?type=application&page=2] — the declared reuses, newest first.
export const handle: RouteHandle = { access: 'public', i18n: 'reuses' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const PAGE = 24;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'reuses');
  const url = new URL(request.url);
  const type = url.searchParams.get('type');
  const kind = (reuseKinds as readonly string[]).includes(type ?? '')
    ? (type as ReuseKind)
    : undefined;
  const page = Math.min(
    1000,
    Math.max(1, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1),
  );
  const reuses = await listReuses(context.db, { kind, limit: PAGE + 1, offset: (page - 1) * PAGE });
  return {
    title: t('reuse.listTitle'),
    kind: kind ?? '',
    page,
    reuses: reuses.slice(0, PAGE),
    more: reuses.length > PAGE,
  };
}

export default function Reuses() {
  const { t } = useTranslation('reuses');
  const { kind, page, reuses, more } = useLoaderData<typeof loader>();
  const qs = (p: number) =>
    `?${new URLSearchParams({ ...(kind ? { type: kind } : {}), page: String(p) }).toString()}`;
  return (
    <section aria-labelledby="title" className="stack">
      <h1 id="title">{t('reuse.listTitle')}</h1>
      <p>{t('reuse.listIntro')}</p>
      <p>
        <Link to="/reutilisations/nouvelle" className="button">
          {t('reuse.declare')}
        </Link>
      </p>
      <Form method="get" className="inline-form">
        <label htmlFor="type">{t('reuse.fields.kind')}</label>{' '}
        <select id="type" name="type" defaultValue={kind}>
          <option value="">{t('reuse.allKinds')}</option>
          {reuseKinds.map((k) => (
            <option key={k} value={k}>
              {t(`kinds.${k}`)}
            </option>
          ))}
        </select>{' '}
        <button type="submit" className="secondary">
          {t('reuse.filter')}
        </button>
      </Form>
      {reuses.length ? (
        <ul className="reuses">
          {reuses.map((r) => (
            <ReuseCard key={r.id} reuse={r} headingLevel={2} />
          ))}
        </ul>
      ) : (
        <p>{t('reuse.none')}</p>
      )}
      <nav aria-label={t('reuse.pages')}>
        {page > 1 ? <Link to={qs(page - 1)}>{t('reuse.previous')}</Link> : null}{' '}
        {more ? <Link to={qs(page + 1)}>{t('reuse.next')}</Link> : null}
      </nav>
    </section>
  );
}
