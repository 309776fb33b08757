// Pieces shared by the moderation screens and the contributor's side: live counts, age
// badges, keyboard shortcuts, the conversation thread, the CSV and GeoJSON previews. Everything
// coming from users or files is rendered as React text (escaped), never as HTML.
import { getFormProps } from '@conform-to/react';
import type { SubmissionResult } from '@conform-to/react';
import { useQuery } from '@tanstack/react-query';
import { Form, Link } from '@remix-run/react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { CatalogueMap } from '~/components/catalogue/CatalogueMap';
import { CheckboxField, FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import { shortcutActions, shortcutSettingsSchema } from '~/domain/moderation/shortcuts.schema';
import type { ShortcutAction, ShortcutSettings } from '~/domain/moderation/shortcuts.schema';
import type { AgeLevel } from '~/domain/moderation/holidays';

export interface Counts {
  submitted: number;
  in_review: number;
  second_review: number;
  report: number;
  audit: number;
  mine: number;
}

/** Counts per state, server-rendered first, then refreshed every 15 s (and on focus). */
export function LiveCounts({ initial }: { initial: Counts }) {
  const { t } = useTranslation('moderation');
  const { data } = useQuery({
    queryKey: ['moderation-counts'],
    queryFn: async (): Promise<Counts> => {
      const r = await fetch('/moderation/compteurs', { headers: { Accept: 'application/json' } });
      if (!r.ok) throw new Error(String(r.status));
      return (await r.json()) as Counts;
    },
    initialData: initial,
    refetchInterval: 15_000,
  });
  const keys = ['submitted', 'in_review', 'second_review', 'report', 'audit', 'mine'] as const;
  return (
    <section aria-labelledby="counts-title" className="moderation-counts">
      <h2 id="counts-title" className="visually-hidden">
        {t('queue.countsLive')}
      </h2>
      <dl className="facts" data-testid="counts">
        {keys.map((k) => (
          <div key={k}>
            <dt>{t(`queue.countLabels.${k}`)}</dt>
            <dd data-count={k}>{data[k]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function AgeBadge({ days, level }: { days: number; level: AgeLevel }) {
  const { t } = useTranslation('moderation');
  return (
    <span className={`badge age-${level}`} data-age={level}>
      {t('queue.ageDays', { count: days })} · {t(`queue.ageLevel.${level}`)}
    </span>
  );
}

/** Whether a key press belongs to text entry: a field, an editable region, an IME composition. */
function typing(e: KeyboardEvent): boolean {
  if (e.isComposing) return true;
  const isField = (x: EventTarget | Element | null) => {
    const el = x as HTMLElement | null;
    if (!el || typeof el.tagName !== 'string') return false;
    const tag = el.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable) return true;
    const role = el.getAttribute('role');
    return role === 'textbox' || role === 'searchbox' || role === 'combobox' || role === 'spinbutton';
  };
  // The event's target, and whatever holds the focus (a shadow root or a label may retarget).
  return isField(e.target) || isField(document.activeElement);
}

export interface ShortcutBinding {
  click?: string;
  check?: string;
  focus?: string;
  submit?: string;
}

/**
 * Single-key shortcuts, as the moderator set them (on or off, which key does what). Never
 * while typing in a field, never with a modifier held. Each binding names element ids: a
 * form is submitted, a radio checked (and the next field focused), anything else clicked.
 */
export function useShortcuts(bindings: Partial<Record<ShortcutAction, ShortcutBinding>>, settings: ShortcutSettings) {
  useEffect(() => {
    if (!settings.enabled) return;
    const byKey = new Map<string, ShortcutBinding>();
    for (const [action, binding] of Object.entries(bindings) as [ShortcutAction, ShortcutBinding][]) byKey.set(settings.keys[action], binding);
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || typing(e)) return;
      const action = byKey.get(e.key.toLowerCase());
      if (!action) return;
      e.preventDefault();
      if (action.submit) (document.getElementById(action.submit) as HTMLFormElement | null)?.requestSubmit();
      if (action.check) {
        const radio = document.getElementById(action.check) as HTMLInputElement | null;
        if (radio) {
          radio.checked = true;
          radio.dispatchEvent(new Event('change', { bubbles: true }));
          radio.click();
        }
      }
      if (action.click) (document.getElementById(action.click) as HTMLElement | null)?.click();
      if (action.focus) (document.getElementById(action.focus) as HTMLElement | null)?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [bindings, settings]);
}

/** The key of an action for aria-keyshortcuts, or nothing when the shortcuts are off. */
export const keyOf = (settings: ShortcutSettings, action: ShortcutAction) => (settings.enabled ? settings.keys[action] : undefined);

/**
 * The moderator's shortcuts listed (or said to be off), a button that turns them off or on at
 * once, and a link to the page where the keys are changed; both come back to this page.
 */
export function ShortcutsPanel({ settings, back, actions }: { settings: ShortcutSettings; back: string; actions: readonly ShortcutAction[] }) {
  const { t } = useTranslation('moderation');
  return (
    <section aria-labelledby="shortcuts-title" className="card stack" data-testid="shortcuts">
      <h2 id="shortcuts-title">{t('shortcuts.title')}</h2>
      {settings.enabled ? (
        <>
          <dl className="shortcut-list">
            {actions.map((a) => (
              <div key={a}>
                <dt>
                  <kbd>{settings.keys[a]}</kbd>
                </dt>
                <dd>{t(`shortcuts.actions.${a}`)}</dd>
              </div>
            ))}
          </dl>
          <p className="hint">{t('shortcuts.never')}</p>
        </>
      ) : (
        <p data-testid="shortcuts-off">{t('shortcuts.off')}</p>
      )}
      <Form method="post" action="/moderation/raccourcis" className="inline-form">
        <input type="hidden" name="back" value={back} />
        {settings.enabled ? null : <input type="hidden" name="enabled" value="on" />}
        {shortcutActions.map((a) => (
          <input key={a} type="hidden" name={a} value={settings.keys[a]} />
        ))}
        <button type="submit" className="secondary">
          {settings.enabled ? t('shortcuts.turnOff') : t('shortcuts.turnOn')}
        </button>
      </Form>{' '}
      <Link to={`/moderation/raccourcis?retour=${encodeURIComponent(back)}`}>{t('shortcuts.change')}</Link>
    </section>
  );
}

/** The full setting: on or off, and one key per action, each checked as it is typed. */
export function ShortcutsForm({ settings, back, lastResult }: { settings: ShortcutSettings; back: string; lastResult?: SubmissionResult<string[]> | null }) {
  const { t } = useTranslation('moderation');
  const [form, fields] = useSchemaForm(shortcutSettingsSchema, lastResult, { id: 'shortcuts', defaultValue: { enabled: settings.enabled ? 'on' : undefined, ...settings.keys } });
  return (
    <Form method="post" action="/moderation/raccourcis" className="stack" {...getFormProps(form)}>
      <FormErrors errors={form.errors} />
      <input type="hidden" name="back" value={back} />
      <CheckboxField meta={fields.enabled} label={t('shortcuts.enabled')} />
      <fieldset className="stack">
        <legend>{t('shortcuts.keys')}</legend>
        <p className="hint">{t('shortcuts.keysHint')}</p>
        {shortcutActions.map((a) => (
          <TextField key={a} meta={fields[a]} label={t('shortcuts.keyFor', { action: t(`shortcuts.actions.${a}`) })} />
        ))}
      </fieldset>
      <p>
        <button type="submit">{t('shortcuts.save')}</button>
      </p>
    </Form>
  );
}

export interface ThreadMessageView {
  id: number;
  author: string | null;
  role: 'contributor' | 'moderator';
  body: string;
  at: string | Date;
  mine: boolean;
}

/** The conversation: messages as plain text (line breaks kept by CSS), and the reply form. */
export function Thread({
  messages,
  canWrite,
  error,
  sent,
  max,
  fmt,
}: {
  messages: ThreadMessageView[];
  canWrite: boolean;
  error?: string | null;
  sent?: boolean;
  max: number;
  fmt: Intl.DateTimeFormat;
}) {
  const { t } = useTranslation('moderation');
  return (
    <section id="fil" aria-labelledby="thread-title" className="stack thread">
      <h2 id="thread-title">{t('thread.title')}</h2>
      {messages.length === 0 ? <p>{t('thread.empty')}</p> : null}
      <ol className="thread-messages">
        {messages.map((m) => (
          <li key={m.id} className={`card thread-${m.role}`} data-testid="thread-message">
            <p className="hint">
              <strong>{m.author ?? t('thread.deleted')}</strong> ({t(`thread.${m.role}`)}) —{' '}
              <time dateTime={new Date(m.at).toISOString()}>{fmt.format(new Date(m.at))}</time>
            </p>
            <p className="prewrap">{m.body}</p>
          </li>
        ))}
      </ol>
      {sent ? (
        <p className="notice ok" role="status">
          {t('thread.sent')}
        </p>
      ) : null}
      {canWrite ? (
        <Form method="post" className="stack" action="#fil">
          <input type="hidden" name="intent" value="comment" />
          <label htmlFor="thread-body">{t('thread.label')}</label>
          <textarea id="thread-body" name="body" rows={4} maxLength={max} required aria-describedby="thread-hint thread-error" aria-invalid={error ? true : undefined} />
          <p id="thread-hint" className="hint">
            {t('thread.hint', { max })}
          </p>
          {error ? (
            <p id="thread-error" className="field-error" role="alert">
              {error}
            </p>
          ) : null}
          <p>
            <button type="submit">{t('thread.send')}</button>
          </p>
        </Form>
      ) : null}
    </section>
  );
}

export interface CsvPreviewView {
  header: string[];
  rows: string[][];
  types: string[];
  truncated: boolean;
}

export function CsvPreviewTable({ name, preview, caption }: { name: string; preview: CsvPreviewView; caption?: string }) {
  const { t } = useTranslation('moderation');
  const title = caption ?? t('review.preview', { name });
  return (
    <div className="table-scroll" role="region" aria-label={title} tabIndex={0}>
      <table className="csv-preview">
        <caption>{title}</caption>
        <thead>
          <tr>
            {preview.header.map((h, i) => (
              <th key={i} scope="col">
                {h}
                <br />
                <small className="hint">{t(`review.columnType.${preview.types[i] ?? 'text'}`)}</small>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((r, i) => (
            <tr key={i}>
              {r.map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {preview.truncated ? <p className="hint">{t('review.previewTruncated')}</p> : null}
    </div>
  );
}

export interface GeoPreviewView {
  featureCount: number | null;
  shown: number;
  truncated: boolean;
  projected: boolean;
  collection: { type: 'FeatureCollection'; features: unknown[] };
  properties: CsvPreviewView | null;
}

/**
 * A GeoJSON file's first features drawn over the commune outlines (Leaflet, no tiles, shapes
 * only: nothing of the file's properties reaches the map), and their properties as a table of
 * text. Without JavaScript the caption and the table say the same.
 */
export function GeoPreview({ name, preview, outlines }: { name: string; preview: GeoPreviewView; outlines: { type: 'FeatureCollection'; features: unknown[] } }) {
  const { t } = useTranslation('moderation');
  return (
    <div className="stack" data-testid="geo-preview">
      <figure className="stack">
        <CatalogueMap outlines={outlines} features={preview.projected ? null : preview.collection} label={t('review.mapLabel', { name, count: preview.shown })} />
        <figcaption>
          {preview.projected
            ? t('review.geoProjected')
            : preview.featureCount === null
              ? t('review.geoPartial', { count: preview.shown })
              : t('review.geoShown', { shown: preview.shown, count: preview.featureCount })}
        </figcaption>
      </figure>
      {preview.properties ? <CsvPreviewTable name={name} preview={preview.properties} caption={t('review.geoProperties', { name })} /> : null}
    </div>
  );
}
