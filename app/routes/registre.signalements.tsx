import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { useDateFormat } from '~/components/reputation/ledger';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import { listFlags, resolveFlag } from '~/domain/reputation/confirmations.server';
import { flagDecisionSchema } from '~/domain/reputation/reputation.schema';
import { MUTUAL_CONFIRMATION_LIMIT, MUTUAL_CONFIRMATION_WINDOW_DAYS } from '~/domain/reputation/rules';
import { getT } from '~/i18n/i18n.server';

// For admins: pairs of accounts flagged for confirming each other; reverse their credits in
// bulk (compensating entries signed by the admin) or dismiss.
export const handle: RouteHandle = { access: 'admin', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await getT(request, 'reputation');
  const url = new URL(request.url);
  return {
    title: t('flags.title'),
    flags: (await listFlags(context.db)).map((f) => ({ ...f, windowStart: f.windowStart.toISOString(), windowEnd: f.windowEnd.toISOString() })),
    done: url.searchParams.get('fait'),
    count: Number(url.searchParams.get('n') ?? 0),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(context, request);
  const t = await getT(request, 'reputation');
  const submission = parseWithZod(await request.formData(), { schema: flagDecisionSchema });
  if (submission.status !== 'success') return data({ error: t('flags.invalid') }, { status: 400 });
  const result = await resolveFlag(context.db, submission.value.flagId, admin.id, submission.value.decision);
  if (!result.ok) return data({ error: t('flags.alreadyResolved') }, { status: 409 });
  return redirect(`/registre/signalements?fait=${submission.value.decision}&n=${result.reversed}`);
}

export default function Flags() {
  const { t } = useTranslation('reputation');
  const date = useDateFormat();
  const { flags, done, count } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <>
      <h1>{t('flags.title')}</h1>
      <p>{t('flags.intro', { limit: MUTUAL_CONFIRMATION_LIMIT, days: MUTUAL_CONFIRMATION_WINDOW_DAYS })}</p>
      {done ? (
        <p className="notice ok" role="status">
          {done === 'reverse' ? t('flags.reversed', { count }) : t('flags.dismissed')}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {flags.length === 0 ? (
        <p>{t('flags.empty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('flags.pair')}</th>
              <th scope="col">{t('flags.count')}</th>
              <th scope="col">{t('flags.window')}</th>
              <th scope="col">{t('flags.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {flags.map((f) => (
              <tr key={f.id}>
                <td>
                  <Link to={`/registre/user/${f.userA}`}>{f.pseudonymA ?? f.userA.slice(0, 8)}</Link>
                  {' ↔ '}
                  <Link to={`/registre/user/${f.userB}`}>{f.pseudonymB ?? f.userB.slice(0, 8)}</Link>
                </td>
                <td>{f.confirmations}</td>
                <td>
                  <time dateTime={f.windowStart}>{date(f.windowStart)}</time> – <time dateTime={f.windowEnd}>{date(f.windowEnd)}</time>
                </td>
                <td>
                  <Form method="post">
                    <input type="hidden" name="flagId" value={f.id} />
                    <button type="submit" name="decision" value="reverse" className="danger">
                      {t('flags.reverse')}
                    </button>{' '}
                    <button type="submit" name="decision" value="dismiss" className="secondary">
                      {t('flags.dismiss')}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
