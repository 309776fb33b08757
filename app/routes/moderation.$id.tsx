// /moderation/:id — the review screen: metadata, the diff from the previous revision, each
// file's report with a preview (a CSV's first rows as escaped text, a GeoJSON's first features
// on a map over the commune outlines), downloads, the
// contributor's standing and history, the conversation, and the decision form. Decisions
// on items the moderator does not hold, or outside their scopes, are refused with 403.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import leafletCss from 'leaflet/dist/leaflet.css?url';
import { FileReport } from '~/components/contributions/file-report';
import { CsvPreviewTable, GeoPreview, keyOf, ShortcutsPanel, Thread, useShortcuts } from '~/components/moderation/moderation-ui';
import { shortcutActions } from '~/domain/moderation/shortcuts.schema';
import { getShortcutSettings } from '~/domain/moderation/shortcuts.server';
import { communeOutlines } from '~/domain/catalogue/dataset-page.server';
import { loadReferenceData } from '~/domain/contributions/reference.server';
import { rejectionReasons } from '~/domain/contributions/state-machine';
import type { RouteHandle } from '~/domain/identity/access';
import { mailingFor } from '~/domain/identity/http.server';
import { claimNextContribution, ModerationError, releaseClaim } from '~/domain/moderation/moderation.server';
import { claimContribution, decide, decisionSchema, getReviewItem, moderationStatus, requireModeratorScopes } from '~/domain/moderation/queue.server';
import { listThread, MAX_COMMENT_LENGTH, postMessage, ThreadError } from '~/domain/moderation/thread.server';
import { getLanguage, getT } from '~/i18n/i18n.server';
import { ObservationReview } from '~/components/observations/observation-review';
import { getObservationForReview } from '~/domain/observations/observations.server';

export const handle: RouteHandle = { access: 'moderator', i18n: ['moderation', 'contributions'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: leafletCss }];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.item.title || '—'} — terridata` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  const id = params.id ?? '';
  let item;
  try {
    item = await getReviewItem(context.db, m, id, { storage: context.storage });
  } catch (e) {
    if (e instanceof ModerationError) throw new Response(e.code, { status: moderationStatus(e.code) });
    throw e;
  }
  if (!item) throw new Response('Not found', { status: 404 });
  const thread = await listThread(context.db, m.id, id).catch((e) => {
    if (e instanceof ThreadError) return [];
    throw e;
  });
  const refs = await loadReferenceData(context.db, await getLanguage(request));
  // An observation: its point, photo (re-encoded only) and confirmations (observations area).
  const observation = item.kind === 'observation' ? await getObservationForReview(context.db, id, await getLanguage(request)) : null;
  // The commune outlines under a GeoJSON preview (only when there is one).
  const hasMap = item.revisions[0]?.files.some((f) => f.preview?.kind === 'geojson') ?? false;
  const outlines = hasMap ? await communeOutlines(context.db, item.communes) : { type: 'FeatureCollection' as const, features: [] };
  const shortcuts = await getShortcutSettings(context.db, m.id);
  return { item, thread, isAdmin: m.isAdmin, communes: refs.communes, themes: refs.themes, max: MAX_COMMENT_LENGTH, observation, outlines, shortcuts };
}

type ActionData = { error?: string; field?: 'reasonCode' | 'comment'; threadError?: string; sent?: boolean };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  const id = params.id ?? '';
  const form = await request.formData();
  const t = await getT(request, 'moderation');
  const intent = String(form.get('intent') ?? '');
  try {
    if (intent === 'claim') {
      await claimContribution(context.db, m, id);
      return redirect(`/moderation/${id}`);
    }
    if (intent === 'release') {
      await releaseClaim(context.db, m, id, { baseUrl: (await mailingFor(context, request)).baseUrl });
      return redirect(`/moderation/${id}?fait=released`);
    }
    if (intent === 'next') {
      const next = await claimNextContribution(context.db, m);
      return redirect(next ? `/moderation/${next.id}` : '/moderation?vide=1');
    }
    if (intent === 'comment') {
      try {
        await postMessage(context.db, m.id, id, form.get('body'), { baseUrl: (await mailingFor(context, request)).baseUrl });
        return data<ActionData>({ sent: true });
      } catch (e) {
        if (e instanceof ThreadError) {
          return data<ActionData>({ threadError: t(`thread.errors.${e.code}`, { max: MAX_COMMENT_LENGTH }) }, { status: e.code === 'not_found' ? 404 : 422 });
        }
        throw e;
      }
    }
    if (intent === 'decide') {
      const parsed = decisionSchema.safeParse(Object.fromEntries(form));
      if (!parsed.success) return data<ActionData>({ error: t('errors.invalid') }, { status: 422 });
      await decide(context.db, m, id, parsed.data);
      return redirect(`/moderation/${id}?fait=${parsed.data.decision}`);
    }
    return data<ActionData>({ error: t('errors.invalid') }, { status: 400 });
  } catch (e) {
    if (e instanceof ModerationError) {
      const field = e.code === 'reason_required' ? 'reasonCode' : e.code === 'comment_required' ? 'comment' : undefined;
      return data<ActionData>({ error: t(`errors.${e.code}`), field }, { status: moderationStatus(e.code) });
    }
    throw e;
  }
}

export default function ReviewScreen() {
  const { t, i18n } = useTranslation('moderation');
  const tc = useTranslation('contributions').t;
  const { item: c, thread, isAdmin, communes, themes, max, observation, outlines, shortcuts } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const [params] = useSearchParams();
  const done = params.get('fait');
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const [decision, setDecision] = useState<'approve' | 'reject' | 'request_changes'>('approve');
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
  const dateFmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });
  const bindings = useMemo(
    () => ({
      approve: { check: 'decision-approve', focus: 'decision-submit' },
      reject: { check: 'decision-reject', focus: 'decision-reason' },
      changes: { check: 'decision-request_changes', focus: 'decision-comment' },
      next: { submit: 'next-form' },
    }),
    [],
  );
  useShortcuts(bindings, shortcuts);
  const current = c.revisions[0];
  const md = (current?.metadata ?? {}) as Record<string, unknown>;
  const communeName = (code: string) => communes.find((x) => x.code === code)?.name ?? (code === '200046977' ? 'Métropole de Lyon' : code);
  const themeName = (code: string) => themes.find((x) => x.code === code)?.label ?? code;
  const canDecide = c.claimedByMe && !c.conflict;

  return (
    <article aria-labelledby="review-title" className="stack wide">
      <p>
        <Link to="/moderation">{t('review.back')}</Link>
      </p>
      <h1 id="review-title">{c.title || '—'}</h1>
      <p>
        {tc(`kinds.${c.kind}`)} ·{' '}
        <span className={`badge badge-${c.state}`} data-testid="state">
          {tc(`states.${c.state}`)}
        </span>
        {c.personalData ? <> · {t('queue.personalDataBadge')}</> : null}
      </p>
      {done ? (
        <p className="notice ok" role="status">
          {done === 'released' ? t('decision.released') : c.state === 'second_review' ? t('decision.secondReview') : t('decision.done')}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {observation ? <ObservationReview observation={observation} /> : null}

      <section aria-labelledby="claim-title" className="card stack">
        <h2 id="claim-title">{t('decision.title')}</h2>
        {c.conflict ? <p className="notice warn">{t('decision.conflict')}</p> : null}
        {c.state === 'in_review' && c.claimExpiresAt ? (
          <p>
            {c.claimedByMe
              ? t('decision.heldByMe', { until: fmt.format(new Date(c.claimExpiresAt)) })
              : t('decision.heldBy', { who: c.claimedBy ?? '—', until: fmt.format(new Date(c.claimExpiresAt)) })}
          </p>
        ) : null}
        {(c.state === 'submitted' || c.state === 'second_review') && !c.conflict ? (
          <>
            <p>{t('decision.notHeld')}</p>
            <Form method="post">
              <input type="hidden" name="intent" value="claim" />
              <button type="submit">{t('decision.claim')}</button>
            </Form>
          </>
        ) : null}
        {canDecide ? (
          <Form method="post" className="stack" id="decision-form">
            <input type="hidden" name="intent" value="decide" />
            <input type="hidden" name="version" value={c.version} />
            <fieldset>
              <legend>{t('decision.choose')}</legend>
              {(['approve', 'reject', 'request_changes'] as const).map((a) => (
                <label key={a} className="inline">
                  <input
                    type="radio"
                    id={`decision-${a}`}
                    name="decision"
                    value={a}
                    checked={decision === a}
                    onChange={() => setDecision(a)}
                    aria-keyshortcuts={keyOf(shortcuts, a === 'approve' ? 'approve' : a === 'reject' ? 'reject' : 'changes')}
                  />{' '}
                  {t(`decision.${a}`)}
                </label>
              ))}
            </fieldset>
            <label htmlFor="decision-reason">{t('decision.reason')}</label>
            <select
              id="decision-reason"
              name="reasonCode"
              defaultValue=""
              aria-invalid={actionData?.field === 'reasonCode' ? true : undefined}
              aria-describedby={actionData?.field === 'reasonCode' ? 'decision-error' : undefined}
            >
              <option value="">{t('decision.reasonNone')}</option>
              {rejectionReasons.map((r) => (
                <option key={r} value={r}>
                  {t(`reasons.${r}`)}
                </option>
              ))}
            </select>
            <label htmlFor="decision-comment">{t('decision.comment')}</label>
            <textarea
              id="decision-comment"
              name="comment"
              rows={4}
              maxLength={4000}
              aria-describedby={`decision-comment-hint${actionData?.field === 'comment' ? ' decision-error' : ''}`}
              aria-invalid={actionData?.field === 'comment' ? true : undefined}
            />
            <p id="decision-comment-hint" className="hint">
              {t('decision.commentHint')}
            </p>
            {actionData?.field ? (
              <p id="decision-error" className="field-error">
                {actionData.error}
              </p>
            ) : null}
            <p>
              <button type="submit" id="decision-submit" disabled={busy}>
                {t('decision.submit')}
              </button>
            </p>
          </Form>
        ) : null}
        {c.state === 'in_review' && (c.claimedByMe || isAdmin) ? (
          <Form method="post">
            <input type="hidden" name="intent" value="release" />
            <button type="submit" className="secondary">
              {c.claimedByMe ? t('decision.release') : t('decision.breakClaim')}
            </button>
          </Form>
        ) : null}
        <Form method="post" id="next-form">
          <input type="hidden" name="intent" value="next" />
          <button type="submit" className="secondary" aria-keyshortcuts={keyOf(shortcuts, 'next')}>
            {t('queue.reviewNext')}
          </button>
        </Form>
      </section>

      <ShortcutsPanel settings={shortcuts} back={`/moderation/${c.id}`} actions={shortcutActions} />

      <section aria-labelledby="contributor-title" className="card">
        <h2 id="contributor-title">{t('review.contributor')}</h2>
        <p>
          <strong>{c.submitter.pseudonym}</strong> — {t('review.standing', { balance: c.submitter.standing.balance })} ·{' '}
          {t('review.memberSince', { date: dateFmt.format(new Date(c.submitter.memberSince)) })}
        </p>
        {c.organization ? <p>{t('review.organization', { name: c.organization.name, balance: c.organization.standing.balance })}</p> : null}
        <p>
          {t('review.historyLine')} :{' '}
          {Object.entries(c.submitter.history)
            .map(([s, n]) => `${tc(`states.${s}`)} ${n}`)
            .join(' · ')}
        </p>
      </section>

      <section aria-labelledby="diff-title" className="stack">
        <h2 id="diff-title">{c.diffFrom ? t('review.diff', { from: c.diffFrom }) : t('review.diffNone')}</h2>
        {c.diffFrom && c.diff.length === 0 ? <p>{t('review.diffEmpty')}</p> : null}
        {c.diff.length ? (
          <div className="table-scroll">
            <table data-testid="diff">
              <thead>
                <tr>
                  <th scope="col">{t('review.field')}</th>
                  <th scope="col">{t('review.before')}</th>
                  <th scope="col">{t('review.after')}</th>
                </tr>
              </thead>
              <tbody>
                {c.diff.map((d) => (
                  <tr key={d.field}>
                    <th scope="row">{t(`review.fields.${d.field}`, { defaultValue: d.field })}</th>
                    <td className="prewrap">
                      <del>{d.before}</del>
                    </td>
                    <td className="prewrap">
                      <ins>{d.after}</ins>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="metadata-title" className="stack">
        <h2 id="metadata-title">
          {t('review.metadata')} ({t('review.revision', { number: current?.number ?? 1 })}, {t('review.current')})
        </h2>
        <dl className="facts">
          {(['description', 'themes', 'keywords', 'communes', 'licence', 'temporalStart', 'temporalEnd', 'updateFrequency', 'contactName', 'contactEmail', 'personalData'] as const).map((k) => {
            const v = md[k];
            if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return null;
            const shown =
              k === 'communes' && Array.isArray(v)
                ? v.map((x) => communeName(String(x))).join(', ')
                : k === 'themes' && Array.isArray(v)
                  ? v.map((x) => themeName(String(x))).join(', ')
                  : k === 'updateFrequency'
                    ? tc(`frequencies.${String(v)}`)
                    : typeof v === 'boolean'
                      ? v
                        ? t('queue.yes')
                        : t('queue.no')
                      : Array.isArray(v)
                        ? v.join(', ')
                        : String(v);
            return (
              <div key={k}>
                <dt>{t(`review.fields.${k}`)}</dt>
                <dd className="prewrap">{shown}</dd>
              </div>
            );
          })}
        </dl>
      </section>

      <section aria-labelledby="files-title" className="stack">
        <h2 id="files-title">{t('review.files')}</h2>
        {current?.files.map((f) => (
          <FileReport key={f.id} file={f}>
            {f.preview?.kind === 'table' ? (
              <CsvPreviewTable name={f.filename} preview={f.preview} />
            ) : f.preview?.kind === 'geojson' ? (
              <GeoPreview name={f.filename} preview={f.preview} outlines={outlines} />
            ) : (
              <p className="hint">{t('review.previewNone')}</p>
            )}
            <p>
              <a href={`/moderation/${c.id}/fichiers/${f.id}`} download>
                {t('review.download')} — {f.filename}
              </a>
            </p>
          </FileReport>
        ))}
      </section>

      <Thread messages={thread} canWrite={!c.conflict} error={actionData?.threadError} sent={actionData?.sent} max={max} fmt={fmt} />

      <section aria-labelledby="history-title">
        <h2 id="history-title">{t('review.history')}</h2>
        <ol className="history">
          {c.events.map((e) => (
            <li key={e.id}>
              <time dateTime={new Date(e.at).toISOString()}>{fmt.format(new Date(e.at))}</time> — {tc(`actions.${e.action}`)} ({tc(`states.${e.from}`)} →{' '}
              {tc(`states.${e.to}`)}){e.actor ? ` — ${e.actor}` : ''}
              {e.reasonCode ? ` — ${t(`reasons.${e.reasonCode}`)}` : ''}
              {e.comment ? <blockquote className="prewrap">{e.comment}</blockquote> : null}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
