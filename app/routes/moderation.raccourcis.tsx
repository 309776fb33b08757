// /moderation/raccourcis — the moderator's single-key shortcuts (WCAG 2.1.4): on or off, and
// which key does what. The queue and the review screen list them, turn them off or on in one
// click (posting here) and link here to change the keys; a valid setting is saved and the
// moderator goes back where they were, an invalid one is shown with the reason by each field.
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { ShortcutsForm } from '~/components/moderation/moderation-ui';
import type { RouteHandle } from '~/domain/identity/access';
import type { Translate } from '~/domain/identity/identity.schema';
import { requireModeratorScopes } from '~/domain/moderation/queue.server';
import { shortcutSettingsSchema } from '~/domain/moderation/shortcuts.schema';
import { getShortcutSettings, saveShortcutSettings } from '~/domain/moderation/shortcuts.server';
import { getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'moderator', i18n: ['moderation', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.title ?? ''} — terridata` }];

/** Where to go back after saving: the queue (with its filters) or a review screen, nothing else. */
function safeBack(v: unknown): string | null {
  const s = typeof v === 'string' ? v : '';
  return /^\/moderation(\/[0-9a-f-]{36})?(\?[^#\\]*)?$/i.test(s) && !s.includes('//') ? s : null;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  const t = await getT(request, 'moderation');
  return { title: t('shortcuts.title'), settings: await getShortcutSettings(context.db, m.id), back: safeBack(new URL(request.url).searchParams.get('retour')) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const m = await requireModeratorScopes(context, request);
  const t = (await getT(request, ['moderation', 'identity'])) as unknown as Translate;
  const form = await request.formData();
  const back = safeBack(form.get('back'));
  const submission = parseWithZod(form, { schema: shortcutSettingsSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply(), back }, { status: 400 });
  const v = submission.value;
  await saveShortcutSettings(context.db, m.id, { enabled: v.enabled === 'on', keys: { next: v.next, approve: v.approve, reject: v.reject, changes: v.changes } });
  return redirect(back ?? '/moderation/raccourcis?enregistre=1');
}

export default function ShortcutSettingsPage() {
  const { t } = useTranslation('moderation');
  const { settings, back } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const returnTo = actionData?.back ?? back ?? '/moderation';
  return (
    <div className="stack">
      <p>
        <Link to={returnTo}>{t('review.back')}</Link>
      </p>
      <h1>{t('shortcuts.title')}</h1>
      <p>{t('shortcuts.intro')}</p>
      {params.get('enregistre') ? (
        <p className="notice ok" role="status">
          {t('shortcuts.saved')}
        </p>
      ) : null}
      <ShortcutsForm settings={settings} back={returnTo} lastResult={actionData?.result} />
    </div>
  );
}
