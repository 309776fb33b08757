// /compte/contributions/:id — one contribution: state, revisions with their files and
// reports, and its history. The submitter may withdraw it while it awaits review.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FileReport } from '~/components/contributions/file-report';
import { MarkdownText } from '~/components/markdown-text';
import { ContributionError, getContributionFor, withdrawContribution } from '~/domain/contributions/contributions.server';
import { contributionsT, refusalMessage } from '~/domain/contributions/http.server';
import { editableStates, isLegal } from '~/domain/contributions/state-machine';
import type { RouteHandle } from '~/domain/identity/access';
import { mailingFor } from '~/domain/identity/http.server';
import { requireUser } from '~/domain/identity/session.server';
import { Thread } from '~/components/moderation/moderation-ui';
import { listThread, MAX_COMMENT_LENGTH, postMessage, publicationOf, ThreadError } from '~/domain/moderation/thread.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: ['contributions', 'moderation'] };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.contribution.title || '—'} — terridata` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const contribution = await getContributionFor(context.db, user.id, params.id ?? '');
  if (!contribution) throw new Response('Not found', { status: 404 });
  // The contributor's side of moderation: the conversation and, once published, the provenance.
  const [thread, publication] = await Promise.all([
    listThread(context.db, user.id, contribution.id).catch((e) => {
      if (e instanceof ThreadError) return [];
      throw e;
    }),
    publicationOf(context.db, contribution.id),
  ]);
  return { contribution, thread, publication, maxMessage: MAX_COMMENT_LENGTH, submitted: new URL(request.url).searchParams.get('soumise') === '1' };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const form = await request.formData();
  const t = await contributionsT(request);
  if (form.get('intent') === 'comment') {
    try {
      await postMessage(context.db, user.id, params.id ?? '', form.get('body'), { baseUrl: (await mailingFor(context, request)).baseUrl });
      return data({ sent: true as const });
    } catch (e) {
      if (e instanceof ThreadError) {
        return data({ threadError: t(`moderation:thread.errors.${e.code}`, { max: MAX_COMMENT_LENGTH }) }, { status: e.code === 'not_found' ? 404 : 422 });
      }
      throw e;
    }
  }
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
  const { contribution: c, submitted, thread, publication, maxMessage } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const tm = useTranslation('moderation').t;
  const decisions = c.events.filter((e) => ['approve', 'auto_approve', 'reject', 'request_changes', 'retract', 'publish'].includes(e.action));
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
  return (
    <article aria-labelledby="c-title" className="stack wide">
      <h1 id="c-title">{c.title || t('wizard.missing')}</h1>
      {submitted ? (
        <p className="notice ok" role="status">
          {t('wizard.submitted')}
        </p>
      ) : null}
      {actionData && 'message' in actionData && actionData.message ? (
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

      {c.mine && c.state === 'in_review' ? <p className="hint">{tm('contributor.withdrawClaimed')}</p> : null}

      <section aria-labelledby="decisions-title" className="stack">
        <h2 id="decisions-title">{tm('contributor.decisions')}</h2>
        {decisions.length === 0 ? <p>{tm('contributor.noDecision')}</p> : null}
        <ul className="stack" data-testid="decisions">
          {decisions.map((e) => (
            <li key={e.id} className="card">
              <p>
                <strong>{t(`actions.${e.action}`)}</strong> — {t(`states.${e.to}`)} —{' '}
                <time dateTime={new Date(e.at).toISOString()}>{fmt.format(new Date(e.at))}</time>
              </p>
              {e.reasonCode ? <p>{tm('contributor.reason', { reason: tm(`reasons.${e.reasonCode}`) })}</p> : null}
              {e.comment ? <blockquote className="prewrap">{e.comment}</blockquote> : null}
            </li>
          ))}
        </ul>
      </section>

      {publication ? (
        <section aria-labelledby="publication-title" className="card" data-testid="publication">
          <h2 id="publication-title">{tm('contributor.publication')}</h2>
          <p>{tm('contributor.publishedAs', { number: publication.versionNumber, slug: publication.datasetSlug, date: fmt.format(new Date(publication.publishedAt)) })}</p>
          <p>{publication.autoApproved ? tm('contributor.autoApproved') : tm('contributor.approvedBy', { names: publication.approvers.join(', ') })}</p>
        </section>
      ) : null}

      {c.state !== 'draft' ? (
        <Thread
          messages={thread}
          canWrite={c.state !== 'withdrawn'}
          error={actionData && 'threadError' in actionData ? actionData.threadError : null}
          sent={Boolean(actionData && 'sent' in actionData)}
          max={maxMessage}
          fmt={fmt}
        />
      ) : null}

      {c.revisions.map((r) => (
        <section key={r.id} aria-labelledby={`rev-${r.number}`} className="stack">
          <h2 id={`rev-${r.number}`}>
            {t('mine.revision', { number: r.number })}{' '}
            <small>({r.frozenAt ? t('mine.frozenAt', { date: fmt.format(new Date(r.frozenAt)) }) : t('mine.working')})</small>
          </h2>
          {r.metadata.description ? <MarkdownText>{r.metadata.description}</MarkdownText> : null}
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
