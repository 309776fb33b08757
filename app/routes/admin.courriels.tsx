import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import { listOutbox } from '~/domain/email/outbox.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await adminT(request);
  const to = (new URL(request.url).searchParams.get('to') ?? '').trim().slice(0, 254);
  const rows = await listOutbox(context.db, { to: to || undefined, limit: 200 });
  return {
    title: t('emails.title'),
    to,
    smtp: context.config.smtpConfigured,
    emails: rows.map((r) => ({
      ...r,
      createdAt: r.createdAt.toISOString(),
      sentAt: r.sentAt?.toISOString() ?? null,
    })),
  };
}

export default function AdminEmails() {
  const { t, i18n } = useTranslation('admin');
  const { emails, to, smtp } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('emails.title')}</h1>
      <AdminNav />
      <p className={smtp ? 'notice ok' : 'notice warn'}>
        {smtp ? t('emails.smtpOn') : t('emails.noSmtp')}
      </p>
      <Form method="get" role="search" className="stack">
        <div>
          <label htmlFor="to">{t('emails.to')}</label>
          <input id="to" name="to" type="search" defaultValue={to} />
        </div>
        <button type="submit">{t('emails.filter')}</button>
      </Form>
      {emails.length ? (
        <ol className="outbox">
          {emails.map((e) => (
            <li key={e.id} className="card">
              <p>
                <strong>{e.subject}</strong> — {e.toAddress} — {t(`emails.statuses.${e.status}`)} —{' '}
                {new Date(e.createdAt).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
                  timeZone: 'Europe/Paris',
                })}
              </p>
              {e.lastError ? <p className="field-error">{e.lastError}</p> : null}
              <details>
                <summary>{t('emails.body')}</summary>
                <pre className="email-body">{e.bodyText}</pre>
              </details>
            </li>
          ))}
        </ol>
      ) : (
        <p>{t('emails.none')}</p>
      )}
    </>
  );
}
