// /compte/contributions/:id — one contribution: state, revisions with their files and
// reports, and its history. The submitter may withdraw it while it awaits review.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FileReport } from '~/components/contributions/file-report';
import { ContributionError, getContributionFor, withdrawContribution } from '~/domain/contributions/contributions.server';
import { contributionsT, refusalMessage } from '~/domain/contributions/http.server';
import { editableStates, isLegal } from '~/domain/contributions/state-machine';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'contributions' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.contribution.title || '—'} — terridata` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const contribution = await getContributionFor(context.db, user.id, params.id ?? '');
  if (!contribution) throw new Response('Not found', { status: 404 });
  return { contribution, submitted: new URL(request.url).searchParams.get('soumise') === '1' };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const form = await request.formData();
  const t = await contributionsT(request);
  try {
    await withdrawContribution(context.db, user, params.id ?? '', Number(form.get('version')));
    return redirect(`/compte/contributions/${params.id}`);
  } catch (e) {
    if (e instanceof ContributionError) return data({ message: refusalMessage(t, e) }, { status: e.code === 'not_found' ? 404 : 409 });
    throw e;
  }
}

export default function ContributionPage() {
  const { t, i18n } = useTranslation('contributions');
  const { contribution: c, submitted } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
  return (
    <article aria-labelledby="c-title" className="stack wide">
      <h1 id="c-title">{c.title || t('wizard.missing')}</h1>
      {submitted ? (
        <p className="notice ok" role="status">
          {t('wizard.submitted')}
        </p>
      ) : null}
      {actionData?.message ? (
        <p className="notice error" role="alert">
          {actionData.message}
        </p>
      ) : null}
      <p>
        {t(`kinds.${c.kind}`)} · <span className={`badge badge-${c.state}`} data-testid="state">{t(`states.${c.state}`)}</span>
        {c.organizationName ? ` · ${c.organizationName}` : ''} · {c.submitterPseudonym}
      </p>
      {c.mine && editableStates.includes(c.state) ? (
        <p>
          <Link className="button" to={`/contribuer/${c.id}`}>
            {c.state === 'draft' ? t('mine.resume') : t('mine.edit')}
          </Link>
        </p>
      ) : null}
      {c.mine && isLegal(c.state, 'withdraw') ? (
        <Form method="post">
          <input type="hidden" name="version" value={c.version} />
          <button type="submit" className="danger">
            {t('mine.withdraw')}
          </button>
        </Form>
      ) : null}

      {c.revisions.map((r) => (
        <section key={r.id} aria-labelledby={`rev-${r.number}`} className="stack">
          <h2 id={`rev-${r.number}`}>
            {t('mine.revision', { number: r.number })}{' '}
            <small>({r.frozenAt ? t('mine.frozenAt', { date: fmt.format(new Date(r.frozenAt)) }) : t('mine.working')})</small>
          </h2>
          {r.metadata.description ? <p className="prewrap">{r.metadata.description}</p> : null}
          {r.files.length === 0 ? <p>{t('wizard.noFiles')}</p> : r.files.map((f) => <FileReport key={f.id} file={f} />)}
        </section>
      ))}

      <section aria-labelledby="history-title">
        <h2 id="history-title">{t('mine.history')}</h2>
        <ol className="history">
          <li>
            <time dateTime={new Date(c.createdAt).toISOString()}>{fmt.format(new Date(c.createdAt))}</time> — {t('states.draft')}
          </li>
          {c.events.map((e) => (
            <li key={e.id}>
              <time dateTime={new Date(e.at).toISOString()}>{fmt.format(new Date(e.at))}</time> —{' '}
              {t('mine.event', {
                action: t(`actions.${e.action}`),
                from: t(`states.${e.from}`),
                to: t(`states.${e.to}`),
              })}
              {e.actor ? ` (${e.actor})` : ''}
              {e.comment ? <blockquote>{e.comment}</blockquote> : null}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
