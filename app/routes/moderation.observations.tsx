// /moderation/observations — published observations in the moderator's scopes, to mark as
// resolved (the problem was fixed) or open again, one or many at once. Waiting
// observations are reviewed in the general queue (/moderation?kind=observation).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { requireModerator } from '~/domain/identity/permissions.server';
import { loadModerator } from '~/domain/moderation/moderation.server';
import { observationsT } from '~/domain/observations/http.server';
import { resolveSchema } from '~/domain/observations/observations.schema';
import { listPublishedForModeration, resolveObservations } from '~/domain/observations/observations.server';
import type { ResolveResult } from '~/domain/observations/observations.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'moderator', i18n: 'observations' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.pageTitle ?? ''} — terridata` }];

async function moderatorOf(context: LoaderFunctionArgs['context'], request: Request) {
  const user = await requireModerator(context, request);
  const m = await loadModerator(context.db, user.id);
  if (!m) throw new Response('Forbidden', { status: 403 });
  return m;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const m = await moderatorOf(context, request);
  const t = await observationsT(request);
  const resolved = new URL(request.url).searchParams.get('etat') === 'resolues';
  return {
    pageTitle: t('observations:moderation.title'),
    resolved,
    items: await listPublishedForModeration(context.db, m, await getLanguage(request), { resolved }),
  };
}

type ActionResult = { error?: string; results?: (ResolveResult & { title?: string })[] };

export async function action({ request, context }: ActionFunctionArgs) {
  const m = await moderatorOf(context, request);
  const form = await request.formData();
  const t = await observationsT(request);
  const parsed = resolveSchema.safeParse({ ids: form.getAll('ids').map(String) });
  if (!parsed.success) return data<ActionResult>({ error: t('observations:moderation.nothingSelected') }, { status: 422 });
  const results = await resolveObservations(context.db, m, parsed.data.ids, form.get('intent') !== 'reopen');
  return { results } satisfies ActionResult;
}

export default function ModerationObservations() {
  const { t, i18n } = useTranslation('observations');
  const { items, resolved } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' });
  const done = actionData?.results?.filter((r) => r.outcome === 'done').length ?? 0;
  const skipped = actionData?.results?.filter((r) => r.outcome === 'skipped') ?? [];
  return (
    <section aria-labelledby="mod-obs-title" className="stack wide">
      <h1 id="mod-obs-title">{t('moderation.title')}</h1>
      <p>{t('moderation.intro')}</p>
      <p>
        <Link to="/moderation?kind=observation">{t('moderation.queueLink')}</Link>
      </p>
      <nav aria-label={t('moderation.title')}>
        <Link to="/moderation/observations" aria-current={!resolved ? 'page' : undefined}>
          {t('moderation.filterOpen')}
        </Link>
        {' · '}
        <Link to="/moderation/observations?etat=resolues" aria-current={resolved ? 'page' : undefined}>
          {t('moderation.filterResolved')}
        </Link>
      </nav>
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {actionData?.results ? (
        <div className="notice ok" role="status">
          <p>{t('moderation.done', { count: done })}</p>
          {skipped.length ? (
            <ul>
              {skipped.map((s) => (
                <li key={s.id}>{t('moderation.skipped', { title: s.id, reason: s.detail })}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {items.length === 0 ? (
        <p>{t('moderation.empty')}</p>
      ) : (
        <Form method="post" className="stack">
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">{t('moderation.select', { title: '' })}</span>
                  </th>
                  <th scope="col">{t('mine.observation')}</th>
                  <th scope="col">{t('page.grade')}</th>
                  <th scope="col">{t('page.confirmations')}</th>
                  <th scope="col">{t('page.observedAt', { date: '' })}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((o) => (
                  <tr key={o.id} data-observation-id={o.id}>
                    <td>
                      <input type="checkbox" name="ids" value={o.id} id={`sel-${o.id}`} aria-label={t('moderation.select', { title: o.title })} />
                    </td>
                    <th scope="row">
                      <Link to={`/observations/${o.id}`}>{o.title}</Link>
                    </th>
                    <td>
                      <span className={`badge grade-${o.grade}`}>{t(`grades.${o.grade}`)}</span>
                    </td>
                    <td>{o.confirmations}</td>
                    <td>{fmt.format(new Date(o.observedAt))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="button-row">
            {resolved ? (
              <button type="submit" name="intent" value="reopen" className="secondary">
                {t('moderation.reopen')}
              </button>
            ) : (
              <button type="submit" name="intent" value="resolve">
                {t('moderation.resolve')}
              </button>
            )}
          </p>
        </Form>
      )}
    </section>
  );
}
