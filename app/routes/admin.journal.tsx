import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { AdminNav } from '~/components/identity/admin-nav';
import { distinctAuditActions, listAuditLog } from '~/domain/admin/audit.server';
import { adminT } from '~/domain/admin/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const PAGE = 100;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await adminT(request);
  const sp = new URL(request.url).searchParams;
  const filter = {
    action: (sp.get('action') ?? '').trim().slice(0, 80),
    actor: (sp.get('actor') ?? '').trim().slice(0, 100),
    target: (sp.get('target') ?? '').trim().slice(0, 100),
  };
  const before = Number(sp.get('before')) || undefined;
  const [entries, actions] = await Promise.all([
    listAuditLog(context.db, {
      action: filter.action || undefined,
      actor: filter.actor || undefined,
      target: filter.target || undefined,
      before,
      limit: PAGE,
    }),
    distinctAuditActions(context.db),
  ]);
  const next =
    entries.length === PAGE
      ? new URLSearchParams({ ...filter, before: String(entries.at(-1)!.id) }).toString()
      : null;
  return {
    title: t('journal.title'),
    filter,
    actions,
    next,
    entries: entries.map((e) => ({
      ...e,
      at: e.at.toISOString(),
      details: JSON.stringify(e.details),
    })),
  };
}

export default function AdminJournal() {
  const { t, i18n } = useTranslation('admin');
  const { entries, filter, actions, next } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('journal.title')}</h1>
      <AdminNav />
      <p>{t('journal.intro')}</p>
      <Form method="get" role="search" className="stack">
        <div>
          <label htmlFor="action">{t('journal.action')}</label>
          <select id="action" name="action" defaultValue={filter.action}>
            <option value="" />
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="actor">{t('journal.actor')}</label>
          <input id="actor" name="actor" defaultValue={filter.actor} />
        </div>
        <div>
          <label htmlFor="target">{t('journal.target')}</label>
          <input id="target" name="target" defaultValue={filter.target} />
        </div>
        <button type="submit">{t('journal.filter')}</button>
      </Form>
      {entries.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('journal.at')}</th>
              <th scope="col">{t('journal.actor')}</th>
              <th scope="col">{t('journal.action')}</th>
              <th scope="col">{t('journal.target')}</th>
              <th scope="col">{t('journal.details')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>
                  {new Date(e.at).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
                    timeZone: 'Europe/Paris',
                  })}
                </td>
                <td>{e.actorPseudonym ?? '—'}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.targetType === 'user' && e.targetId ? (
                    <Link to={`/admin/utilisateurs/${e.targetId}`}>{e.targetId}</Link>
                  ) : (
                    `${e.targetType ?? ''} ${e.targetId ?? ''}`
                  )}
                </td>
                <td>
                  <code>{e.details === '{}' ? '' : e.details}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{t('journal.none')}</p>
      )}
      {next ? (
        <p>
          <Link to={`/admin/journal?${next}`}>{t('journal.older')}</Link>
        </p>
      ) : null}
    </>
  );
}
