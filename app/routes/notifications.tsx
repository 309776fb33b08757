// /notifications — the notification centre: the user's notifications with links, marked
// read one by one or all at once, and the email preference (immediate, daily digest, off).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';
import { emailModeOf, emailModes, listNotifications, markRead, setEmailMode } from '~/domain/moderation/notifications.server';
import type { EmailMode } from '~/domain/moderation/notifications.server';
import { getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'moderation' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.title ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await getT(request, 'moderation');
  const [items, mode] = await Promise.all([listNotifications(context.db, user.id, { limit: 100 }), emailModeOf(context.db, user.id)]);
  return { title: t('notifications.title'), items, mode, modes: emailModes };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  if (intent === 'read') {
    const id = Number(form.get('id'));
    if (Number.isSafeInteger(id) && id > 0) await markRead(context.db, user.id, [id]);
    const to = String(form.get('to') ?? '');
    // Only our own paths: a notification link is never an open redirect.
    if (to.startsWith('/') && !to.startsWith('//')) return redirect(to);
    return redirect('/notifications');
  }
  if (intent === 'readAll') {
    await markRead(context.db, user.id, 'all');
    return redirect('/notifications');
  }
  if (intent === 'preference') {
    const mode = String(form.get('mode') ?? '');
    if (!(emailModes as readonly string[]).includes(mode)) return data({ error: 'invalid' }, { status: 422 });
    await setEmailMode(context.db, user.id, mode as EmailMode);
    return redirect('/notifications?enregistre=1');
  }
  return data({ error: 'invalid' }, { status: 400 });
}

export default function Notifications() {
  const { t, i18n } = useTranslation('moderation');
  const { items, mode, modes } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
  const unread = items.filter((n) => !n.read).length;
  // A calendar day in the parameters ('YYYY-MM-DD', e.g. a contract's due date) in the page's language.
  const day = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'long', timeZone: 'UTC' });
  const paramsOf = (p: Record<string, string>) => (p.dueOn && /^\d{4}-\d{2}-\d{2}$/.test(p.dueOn) ? { ...p, dueOn: day.format(new Date(`${p.dueOn}T00:00:00Z`)) } : p);
  return (
    <div className="stack wide">
      <h1>{t('notifications.title')}</h1>
      {params.get('enregistre') ? (
        <p className="notice ok" role="status">
          {t('notifications.saved')}
        </p>
      ) : null}
      {unread ? (
        <Form method="post">
          <input type="hidden" name="intent" value="readAll" />
          <button type="submit" className="secondary">
            {t('notifications.markAllRead')}
          </button>
        </Form>
      ) : null}
      {items.length === 0 ? <p>{t('notifications.empty')}</p> : null}
      <ol className="notifications stack" data-testid="notifications">
        {items.map((n) => (
          <li key={n.id} className={`card${n.read ? '' : ' unread'}`} data-read={n.read ? '1' : '0'}>
            <p>
              {n.read ? null : <span className="badge">{t('notifications.unread')}</span>} {t(`notifications.kinds.${n.kind}`, { ...paramsOf(n.params), title: n.title, defaultValue: n.title })}
            </p>
            {n.comment ? <blockquote className="prewrap">{n.comment}</blockquote> : null}
            <p className="hint">
              <time dateTime={new Date(n.createdAt).toISOString()}>{fmt.format(new Date(n.createdAt))}</time>
            </p>
            <div className="actions">
              {n.read ? (
                <Link to={n.url}>{t('notifications.open')}</Link>
              ) : (
                <Form method="post">
                  <input type="hidden" name="intent" value="read" />
                  <input type="hidden" name="id" value={n.id} />
                  <input type="hidden" name="to" value={n.url} />
                  <button type="submit" className="link-button">
                    {t('notifications.open')}
                  </button>
                </Form>
              )}
              {n.read ? null : (
                <Form method="post">
                  <input type="hidden" name="intent" value="read" />
                  <input type="hidden" name="id" value={n.id} />
                  <button type="submit" className="secondary">
                    {t('notifications.markRead')}
                  </button>
                </Form>
              )}
            </div>
          </li>
        ))}
      </ol>

      <section aria-labelledby="prefs-title" className="card stack">
        <h2 id="prefs-title">{t('notifications.preferences')}</h2>
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="preference" />
          <fieldset>
            <legend>{t('notifications.prefIntro')}</legend>
            {modes.map((m) => (
              <label key={m} className="inline">
                <input type="radio" name="mode" value={m} defaultChecked={mode === m} /> {t(`notifications.modes.${m}`)}
              </label>
            ))}
          </fieldset>
          <p>
            <button type="submit">{t('notifications.save')}</button>
          </p>
        </Form>
      </section>
    </div>
  );
}
