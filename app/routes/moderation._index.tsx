// /moderation — the queue of the moderator's scopes: filters in the URL, live counts, age
// badges in working days, who holds what until when, "review next", claiming one item,
// and bulk decisions on a selection (each item decided on its own, skips reported).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { AgeBadge, keyOf, LiveCounts, ShortcutsPanel, useShortcuts } from '~/components/moderation/moderation-ui';
import { getShortcutSettings } from '~/domain/moderation/shortcuts.server';
import { loadReferenceData } from '~/domain/contributions/reference.server';
import { rejectionReasons } from '~/domain/contributions/state-machine';
import type { RouteHandle } from '~/domain/identity/access';
import { claimNextContribution, ModerationError } from '~/domain/moderation/moderation.server';
import {
  bulkDecide,
  claimContribution,
  claimTask,
  decisionSchema,
  DEFAULT_OVERDUE_DAYS,
  listQueue,
  moderationStatus,
  parseQueueFilters,
  queueCounts,
  queueStates,
  requireModeratorScopes,
} from '~/domain/moderation/queue.server';
import type { BulkResult } from '~/domain/moderation/queue.server';
import { claimNextReviewTask } from '~/domain/moderation/reports.server';
import { organizationKinds } from '~/domain/organizations/organizations.schema';
import { getLanguage, getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'moderator', i18n: ['moderation', 'contributions'] };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.title ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  const url = new URL(request.url);
  const filters = parseQueueFilters(url.searchParams);
  const overdueAfter = context.config.moderationOverdueDays ?? DEFAULT_OVERDUE_DAYS;
  const lng = await getLanguage(request);
  const [queue, counts, refs, t, shortcuts] = await Promise.all([
    listQueue(context.db, m, filters, { overdueAfter }),
    queueCounts(context.db, m),
    loadReferenceData(context.db, lng),
    getT(request, 'moderation'),
    getShortcutSettings(context.db, m.id),
  ]);
  return {
    title: t('queue.title'),
    filters,
    items: queue.items,
    tasks: queue.tasks,
    page: { total: queue.total, from: queue.from, next: queue.next, prev: queue.prev },
    counts,
    overdueAfter,
    communes: refs.communes,
    themes: refs.themes,
    nothingNext: url.searchParams.get('vide') === '1',
    search: url.search,
    states: queueStates,
    shortcuts,
  };
}

type ActionData = { error?: string; bulk?: BulkResult[] };

export async function action({ request, context }: ActionFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  const form = await request.formData();
  const t = await getT(request, ['moderation', 'contributions']);
  const intent = String(form.get('intent') ?? '');
  const back = String(form.get('back') ?? '');
  const queueUrl = `/moderation${back.startsWith('?') ? back : ''}`;
  try {
    if (intent === 'next') {
      if (form.get('tasks') === '1') {
        const task = await claimNextReviewTask(context.db, m);
        return redirect(task ? `/moderation/taches/${task.id}` : `${queueUrl}${queueUrl.includes('?') ? '&' : '?'}vide=1`);
      }
      const kind = form.get('kind');
      const item = await claimNextContribution(context.db, m, { kind: kind === 'dataset' || kind === 'observation' ? kind : undefined });
      return redirect(item ? `/moderation/${item.id}` : `${queueUrl}${queueUrl.includes('?') ? '&' : '?'}vide=1`);
    }
    if (intent === 'claim') {
      const id = String(form.get('id') ?? '');
      await claimContribution(context.db, m, id);
      return redirect(`/moderation/${id}`);
    }
    if (intent === 'claimTask') {
      const id = String(form.get('id') ?? '');
      await claimTask(context.db, m, id);
      return redirect(`/moderation/taches/${id}`);
    }
    if (intent === 'bulk') {
      const parsed = decisionSchema.safeParse(Object.fromEntries(form));
      if (!parsed.success) return data<ActionData>({ error: t('errors.invalid') }, { status: 422 });
      const ids = form.getAll('ids').map(String);
      if (!ids.length) return data<ActionData>({ error: t('bulk.nothingSelected') }, { status: 422 });
      const bulk = await bulkDecide(context.db, m, ids, parsed.data);
      return data<ActionData>({ bulk });
    }
    return data<ActionData>({ error: t('errors.invalid') }, { status: 400 });
  } catch (e) {
    if (e instanceof ModerationError) return data<ActionData>({ error: t(`errors.${e.code}`) }, { status: moderationStatus(e.code) });
    throw e;
  }
}

/** Links to the neighbouring pages: the same filters, with the cursor of the page's edge. */
function Pager({ search, next, prev }: { search: string; next: string | null; prev: string | null }) {
  const { t } = useTranslation('moderation');
  const base = new URLSearchParams(search);
  for (const k of ['after', 'before', 'vide']) base.delete(k);
  const href = (k?: 'after' | 'before', id?: string) => {
    const p = new URLSearchParams(base);
    if (k && id) p.set(k, id);
    const q = p.toString();
    return q ? `/moderation?${q}` : '/moderation';
  };
  const cursor = new URLSearchParams(search);
  if (!next && !prev && !cursor.get('after') && !cursor.get('before')) return null;
  return (
    <nav aria-label={t('queue.pages')} className="pager">
      <ul className="inline-list">
        {prev || cursor.get('after') || cursor.get('before') ? (
          <li>
            <Link to={href()}>{t('queue.firstPage')}</Link>
          </li>
        ) : null}
        {prev ? (
          <li>
            <Link to={href('before', prev)} rel="prev">
              {t('queue.prevPage')}
            </Link>
          </li>
        ) : null}
        {next ? (
          <li>
            <Link to={href('after', next)} rel="next">
              {t('queue.nextPage')}
            </Link>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

/** A filter of the queue: a select of `[value, label]` options, led by "all" unless `anyOption` is false. */
type FilterSelect = { name: string; label: string; value?: string; anyOption?: boolean; options: (readonly [string, string])[] };

export default function ModerationQueue() {
  const { t, i18n } = useTranslation('moderation');
  const tc = useTranslation('contributions').t;
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const f = d.filters;
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' });
  const isTasks = f.state === 'tasks' || f.state === 'report' || f.state === 'audit';
  const bindings = useMemo(() => ({ next: { submit: 'review-next' } }), []);
  useShortcuts(bindings, d.shortcuts);
  const communeName = (code: string) => d.communes.find((c) => c.code === code)?.name ?? (code === '200046977' ? 'Métropole' : code);
  const reasonLabel = (code: string) => (code.startsWith('already_') ? t('errors.already', { state: tc(`states.${code.slice(8)}`) }) : t(`errors.${code}`));

  return (
    <div className="stack wide">
      <h1>{t('queue.title')}</h1>
      <p>{t('queue.intro', { days: d.overdueAfter })}</p>
      <LiveCounts initial={d.counts} />

      <Form method="post" id="review-next">
        <input type="hidden" name="intent" value="next" />
        <input type="hidden" name="back" value={d.search} />
        {isTasks ? <input type="hidden" name="tasks" value="1" /> : null}
        {f.kind ? <input type="hidden" name="kind" value={f.kind} /> : null}
        <button type="submit" disabled={busy} aria-keyshortcuts={keyOf(d.shortcuts, 'next')}>
          {isTasks ? t('queue.reviewNextTasks') : t('queue.reviewNext')}
        </button>
      </Form>
      {d.nothingNext ? (
        <p className="notice" role="status">
          {t('queue.nothingNext')}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {actionData?.bulk ? (
        <section className="notice" aria-labelledby="bulk-result" role="status">
          <h2 id="bulk-result">{t('bulk.result')}</h2>
          <ul data-testid="bulk-results">
            {actionData.bulk.map((r) => (
              <li key={r.id} data-outcome={r.outcome}>
                {r.outcome === 'decided'
                  ? t('bulk.decided', { title: r.title, state: tc(`states.${r.detail}`) })
                  : t('bulk.skipped', { title: r.title, reason: reasonLabel(r.detail) + (r.holder ? ` (${r.holder})` : '') })}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <details open={Boolean(d.search && d.search !== '?')} className="card">
        <summary>{t('queue.filters')}</summary>
        <Form method="get" className="filters">
          {(
            [
              { name: 'state', label: t('queue.state'), value: f.state, anyOption: false, options: d.states.map((s) => [s, t(`queue.states.${s}`)] as const) },
              {
                name: 'kind',
                label: t('queue.kind'),
                value: f.kind,
                options: [
                  ['dataset', t('queue.kinds.dataset')],
                  ['observation', t('queue.kinds.observation')],
                ],
              },
              { name: 'commune', label: t('queue.commune'), value: f.commune, options: d.communes.map((c) => [c.code, c.name] as const) },
              { name: 'theme', label: t('queue.theme'), value: f.theme, options: d.themes.map((th) => [th.code, th.label] as const) },
              {
                name: 'orgKind',
                label: t('queue.orgKind'),
                value: f.orgKind,
                options: [['individual', t('queue.individual')], ...organizationKinds.map((k) => [k, t(`orgKinds.${k}`)] as const)],
              },
              {
                name: 'personalData',
                label: t('queue.personalData'),
                value: f.personalData,
                options: [
                  ['yes', t('queue.yes')],
                  ['no', t('queue.no')],
                ],
              },
              { name: 'age', label: t('queue.age'), value: f.age, options: [['overdue', t('queue.overdueOnly')]] },
            ] satisfies FilterSelect[]
          ).map(({ name, label, value, anyOption = true, options }) => (
            <label key={name}>
              {label}
              <select name={name} defaultValue={value ?? ''}>
                {anyOption ? <option value="">{t('queue.all')}</option> : null}
                {options.map(([v, text]) => (
                  <option key={v} value={v}>
                    {text}
                  </option>
                ))}
              </select>
            </label>
          ))}
          <p>
            <button type="submit" className="secondary">
              {t('queue.apply')}
            </button>{' '}
            <Link to="/moderation">{t('queue.reset')}</Link>
          </p>
        </Form>
      </details>

      {isTasks ? (
        <div className="table-scroll">
          <table>
            <caption>
              {t('queue.tasksCaption', { count: d.page.total })}
              {d.tasks.length ? ` — ${t('queue.range', { from: d.page.from, to: d.page.from + d.tasks.length - 1, total: d.page.total })}` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('queue.colTitle')}</th>
                <th scope="col">{t('queue.colState')}</th>
                <th scope="col">{t('queue.colAge')}</th>
                <th scope="col">{t('queue.colClaim')}</th>
                <th scope="col">{t('queue.colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {d.tasks.map((task) => (
                <tr key={task.id}>
                  <td>
                    {t(`task.${task.kind}`)} — {task.title}
                    {task.reason ? (
                      <>
                        <br />
                        <small>{t(`reportReasons.${task.reason}`)}</small>
                      </>
                    ) : null}
                  </td>
                  <td>{t(`task.states.${task.state}`)}</td>
                  <td>
                    <AgeBadge days={task.ageDays} level={task.age} />
                  </td>
                  <td>
                    {task.claimExpiresAt
                      ? task.claimedByMe
                        ? t('queue.heldByMe', { until: fmt.format(new Date(task.claimExpiresAt)) })
                        : t('queue.heldBy', { who: task.claimedBy ?? '—', until: fmt.format(new Date(task.claimExpiresAt)) })
                      : t('queue.free')}
                  </td>
                  <td>
                    {task.claimedByMe ? (
                      <Link to={`/moderation/taches/${task.id}`}>{t('queue.open')}</Link>
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="intent" value="claimTask" />
                        <input type="hidden" name="id" value={task.id} />
                        <button type="submit" className="secondary" aria-label={`${t('queue.claim')} — ${task.title}`}>
                          {t('queue.claim')}
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.tasks.length === 0 ? <p>{t('queue.empty')}</p> : null}
          <Pager search={d.search} next={d.page.next} prev={d.page.prev} />
        </div>
      ) : (
        <>
          <div className="table-scroll">
            <table data-testid="queue">
              <caption>
                {t('queue.itemsCaption', { count: d.page.total })}
                {d.items.length ? ` — ${t('queue.range', { from: d.page.from, to: d.page.from + d.items.length - 1, total: d.page.total })}` : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">{t('queue.selectAll')}</span>
                  </th>
                  <th scope="col">{t('queue.colTitle')}</th>
                  <th scope="col">{t('queue.colState')}</th>
                  <th scope="col">{t('queue.colAge')}</th>
                  <th scope="col">{t('queue.colSubmitter')}</th>
                  <th scope="col">{t('queue.colClaim')}</th>
                  <th scope="col">{t('queue.colActions')}</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((it) => (
                  <tr key={it.id} data-testid="queue-item" data-id={it.id}>
                    <td>
                      {it.state !== 'in_review' || it.claimedByMe ? (
                        <input type="checkbox" name="ids" value={it.id} form="bulk-form" aria-label={t('queue.select', { title: it.title })} />
                      ) : null}
                    </td>
                    <td>
                      {it.title || '—'}
                      <br />
                      <small>
                        {tc(`kinds.${it.kind}`)} · {it.communes.map(communeName).join(', ')}
                        {it.personalData ? (
                          <>
                            {' '}
                            · <span className="badge badge-changes_requested">{t('queue.personalDataBadge')}</span>
                          </>
                        ) : null}
                      </small>
                    </td>
                    <td>
                      <span className={`badge badge-${it.state}`}>{tc(`states.${it.state}`)}</span>
                    </td>
                    <td>
                      <AgeBadge days={it.ageDays} level={it.age} />
                    </td>
                    <td>
                      {it.submitter}
                      {it.organizationName ? (
                        <>
                          <br />
                          <small>{it.organizationName}</small>
                        </>
                      ) : null}
                    </td>
                    <td>
                      {it.claimExpiresAt
                        ? it.claimedByMe
                          ? t('queue.heldByMe', { until: fmt.format(new Date(it.claimExpiresAt)) })
                          : t('queue.heldBy', { who: it.claimedBy ?? '—', until: fmt.format(new Date(it.claimExpiresAt)) })
                        : t('queue.free')}
                    </td>
                    <td>
                      {it.state === 'in_review' ? (
                        <Link to={`/moderation/${it.id}`}>{t('queue.open')}</Link>
                      ) : (
                        <Form method="post">
                          <input type="hidden" name="intent" value="claim" />
                          <input type="hidden" name="id" value={it.id} />
                          <button type="submit" className="secondary" aria-label={`${t('queue.claim')} — ${it.title}`}>
                            {t('queue.claim')}
                          </button>
                        </Form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.items.length === 0 ? <p>{t('queue.empty')}</p> : null}
          </div>
          <Pager search={d.search} next={d.page.next} prev={d.page.prev} />

          {d.items.length ? (
            <section aria-labelledby="bulk-title" className="card stack">
              <h2 id="bulk-title">{t('bulk.title')}</h2>
              <p className="hint">{t('bulk.intro')}</p>
              <Form method="post" id="bulk-form" className="stack">
                <input type="hidden" name="intent" value="bulk" />
                <fieldset>
                  <legend>{t('bulk.decision')}</legend>
                  {(['reject', 'request_changes', 'approve'] as const).map((a) => (
                    <label key={a} className="inline">
                      <input type="radio" name="decision" value={a} defaultChecked={a === 'reject'} /> {t(`decision.${a}`)}
                    </label>
                  ))}
                </fieldset>
                <label htmlFor="bulk-reason">{t('decision.reason')}</label>
                <select id="bulk-reason" name="reasonCode" defaultValue="">
                  <option value="">{t('decision.reasonNone')}</option>
                  {rejectionReasons.map((r) => (
                    <option key={r} value={r}>
                      {t(`reasons.${r}`)}
                    </option>
                  ))}
                </select>
                <label htmlFor="bulk-comment">{t('decision.comment')}</label>
                <textarea id="bulk-comment" name="comment" rows={3} maxLength={4000} aria-describedby="bulk-comment-hint" />
                <p id="bulk-comment-hint" className="hint">
                  {t('decision.commentHint')}
                </p>
                <p>
                  <button type="submit" disabled={busy}>
                    {t('bulk.apply')}
                  </button>
                </p>
              </Form>
            </section>
          ) : null}
        </>
      )}
      <ShortcutsPanel settings={d.shortcuts} back={`/moderation${d.search}`} actions={['next']} />
    </div>
  );
}
