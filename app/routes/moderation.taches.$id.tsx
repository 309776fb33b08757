// /moderation/taches/:id — a review task (a report, or an after-the-fact audit of an
// auto-approved item): claim it, then keep the item (clear) or retract it.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { ModerationError } from '~/domain/moderation/moderation.server';
import { claimTask, getTask, moderationStatus, refusal, requireModeratorScopes } from '~/domain/moderation/queue.server';
import { clearReviewTask, retractFromTask } from '~/domain/moderation/reports.server';
import { getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'moderator', i18n: ['moderation', 'contributions'] };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.task.title ?? ''} — terridata` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  let task;
  try {
    task = await getTask(context.db, m, params.id ?? '');
  } catch (e) {
    if (e instanceof ModerationError) throw refusal(e);
    throw e;
  }
  if (!task) throw new Response('Not found', { status: 404 });
  return { task };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  const id = params.id ?? '';
  const form = await request.formData();
  const t = await getT(request, 'moderation');
  const intent = String(form.get('intent') ?? '');
  const comment = String(form.get('comment') ?? '').slice(0, 4000);
  try {
    if (intent === 'claim') await claimTask(context.db, m, id);
    else if (intent === 'clear') await clearReviewTask(context.db, m, id, comment);
    else if (intent === 'retract') await retractFromTask(context.db, m, id, comment);
    else return data({ error: t('errors.invalid') }, { status: 400 });
    return redirect(`/moderation/taches/${id}`);
  } catch (e) {
    if (e instanceof ModerationError) return data({ error: t(`errors.${e.code}`) }, { status: moderationStatus(e.code) });
    throw e;
  }
}

export default function TaskScreen() {
  const { t, i18n } = useTranslation('moderation');
  const tc = useTranslation('contributions').t;
  const { task } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
  const open = task.state === 'open' || (task.state === 'in_review' && !task.claimedByMe);
  return (
    <article aria-labelledby="task-title" className="stack wide">
      <p>
        <Link to="/moderation?state=tasks">{t('review.back')}</Link>
      </p>
      <h1 id="task-title">
        {t('task.title')} — {t(`task.${task.kind}`)}
      </h1>
      {actionData && 'error' in actionData ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      <p>
        {t('task.item', { title: task.title })} ({tc(`states.${task.contributionState}`)}) —{' '}
        <Link to={`/moderation/${task.contributionId}`}>{t('task.seeItem')}</Link>
      </p>
      <p>
        <time dateTime={new Date(task.createdAt).toISOString()}>{fmt.format(new Date(task.createdAt))}</time>
        {task.reason ? <> — {t('task.reason', { reason: t(`reportReasons.${task.reason}`) })}</> : null}
      </p>
      {task.comment ? <blockquote className="prewrap">{task.comment}</blockquote> : null}
      {task.state === 'cleared' || task.state === 'retracted' ? (
        <p className="notice ok" role="status">
          {t('task.closed', { state: t(`task.states.${task.state}`) })}
          {task.decisionComment ? ` — ${task.decisionComment}` : ''}
        </p>
      ) : null}
      {task.state === 'in_review' && !task.claimedByMe && task.claimExpiresAt ? (
        <p>{t('decision.heldBy', { who: task.claimedBy ?? '—', until: fmt.format(new Date(task.claimExpiresAt)) })}</p>
      ) : null}
      {open ? (
        <Form method="post">
          <input type="hidden" name="intent" value="claim" />
          <button type="submit">{t('task.claim')}</button>
        </Form>
      ) : null}
      {task.claimedByMe ? (
        <div className="cards">
          <Form method="post" className="card stack">
            <input type="hidden" name="intent" value="clear" />
            <label htmlFor="clear-comment">{t('task.comment')}</label>
            <textarea id="clear-comment" name="comment" rows={3} maxLength={4000} />
            <p>
              <button type="submit">{t('task.clear')}</button>
            </p>
          </Form>
          {task.contributionState === 'published' ? (
            <Form method="post" className="card stack">
              <input type="hidden" name="intent" value="retract" />
              <label htmlFor="retract-comment">{t('task.retractReason')}</label>
              <textarea id="retract-comment" name="comment" rows={3} maxLength={4000} required />
              <p>
                <button type="submit" className="danger">
                  {t('task.retract')}
                </button>
              </p>
            </Form>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}
