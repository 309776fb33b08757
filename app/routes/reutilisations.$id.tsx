import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import type { Translate } from '~/domain/identity/identity.schema';
import { getRoles, getSessionUser, requireModerator } from '~/domain/identity/permissions.server';
import { hideReuseSchema } from '~/domain/reuses/reuses.schema';
import { ReuseError, getReuse, hideReuse } from '~/domain/reuses/reuses.server';
import { getT } from '~/i18n/i18n.server';

// /reutilisations/:id — one declared reuse; moderators may hide it (abuse), after which it
// answers 410 to everybody else and its ledger credits are reversed.
export const handle: RouteHandle = { access: 'public', i18n: 'reuses' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const reusesT = async (request: Request) =>
  (await getT(request, ['reuses', 'identity'])) as unknown as Translate;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const reuse = await getReuse(context.db, params.id ?? '');
  if (!reuse) throw new Response('Not found', { status: 404 });
  const t = await reusesT(request);
  const user = await getSessionUser(context, request);
  const roles = user ? await getRoles(context.db, user) : null;
  const moderator = Boolean(
    roles && (roles.isModerator || roles.isAdmin) && !roles.needsSecondFactor,
  );
  const info = new URL(request.url).searchParams.get('info');
  if (reuse.hidden && !moderator) {
    return data({ title: t('reuse.hiddenTitle'), reuse: null, moderator, info }, { status: 410 });
  }
  return { title: reuse.title, reuse, moderator, info };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const moderator = await requireModerator(context, request);
  const t = await reusesT(request);
  const parsed = hideReuseSchema(t).safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success)
    return data(
      { error: parsed.error.issues[0]?.message ?? t('reuses:reuse.errors.hideReason') },
      { status: 400 },
    );
  try {
    await hideReuse(context.db, moderator.id, params.id ?? '', parsed.data.reason);
  } catch (e) {
    if (e instanceof ReuseError)
      return data(
        { error: t(`reuses:reuse.errors.${e.code}`) },
        { status: e.code === 'not_found' ? 404 : 409 },
      );
    throw e;
  }
  return redirect(`/reutilisations/${params.id}?info=masquee`);
}

export default function ReusePage() {
  const { t, i18n } = useTranslation('reuses');
  const { reuse, moderator, info } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  if (!reuse) {
    return (
      <article aria-labelledby="title">
        <h1 id="title">{t('reuse.hiddenTitle')}</h1>
        <p>{t('reuse.hiddenText')}</p>
        <p>
          <Link to="/reutilisations">{t('reuse.backToList')}</Link>
        </p>
      </article>
    );
  }
  const date = (d: string | Date) =>
    new Date(d).toLocaleDateString(i18n.language === 'en' ? 'en-GB' : 'fr-FR');
  return (
    <article aria-labelledby="title" className="stack">
      <h1 id="title">{reuse.title}</h1>
      {info === 'declaree' ? (
        <p className="notice ok" role="status">
          {t('reuse.declared')}
        </p>
      ) : info === 'masquee' ? (
        <p className="notice ok" role="status">
          {t('reuse.hiddenDone')}
        </p>
      ) : null}
      {reuse.hidden ? (
        <p className="notice warn">
          {t('reuse.hiddenNotice', {
            date: date(reuse.hidden.at),
            reason: reuse.hidden.reason ?? '',
          })}
        </p>
      ) : null}
      <p className="hint">
        {t(`kinds.${reuse.kind}`)} ·{' '}
        {t('reuse.declaredBy', {
          author: reuse.author ?? t('reuse.deletedAuthor'),
          date: date(reuse.createdAt),
        })}
      </p>
      {reuse.hasImage && !reuse.hidden ? (
        <img
          src={`/reutilisations/${reuse.id}/image`}
          alt={t('reuse.imageAlt', { title: reuse.title })}
          className="reuse-image"
        />
      ) : null}
      {reuse.description ? <p className="prewrap">{reuse.description}</p> : null}
      <p>
        <a href={reuse.url} rel="noopener noreferrer nofollow ugc">
          {t('reuse.visit', { title: reuse.title })}
        </a>{' '}
        <span className="hint">({reuse.url})</span>
      </p>
      <section aria-labelledby="datasets-title">
        <h2 id="datasets-title">{t('reuse.datasetsTitle')}</h2>
        <ul>
          {reuse.datasets.map((d) => (
            <li key={d.id}>
              <Link to={`/datasets/${d.slug}`}>{d.title}</Link>
            </li>
          ))}
        </ul>
      </section>
      {moderator && !reuse.hidden ? (
        <section aria-labelledby="moderate-title">
          <h2 id="moderate-title">{t('reuse.moderateTitle')}</h2>
          {actionData?.error ? (
            <p className="notice error" role="alert">
              {actionData.error}
            </p>
          ) : null}
          <Form method="post" className="stack">
            <div>
              <label htmlFor="hide-reason">{t('reuse.hideReason')}</label>
              <textarea id="hide-reason" name="reason" rows={2} maxLength={1000} required />
            </div>
            <button type="submit" className="danger">
              {t('reuse.hide')}
            </button>
          </Form>
        </section>
      ) : null}
      <p>
        <Link to="/reutilisations">{t('reuse.backToList')}</Link>
      </p>
    </article>
  );
}
