import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { changePassword } from '~/domain/identity/accounts.server';
import { identityT } from '~/domain/identity/http.server';
import {
  changePasswordSchema,
  PASSWORD_MIN,
  totpCodeSchema,
} from '~/domain/identity/identity.schema';
import { getRoles, requireUser } from '~/domain/identity/permissions.server';
import { destroyAllSessions, destroySession, listSessions } from '~/domain/identity/session.server';
import {
  countUnusedRecoveryCodes,
  disableTotp,
  enableTotp,
  getOrCreatePendingTotp,
  replaceRecoveryCodes,
  verifySecondFactor,
} from '~/domain/identity/totp.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await identityT(request);
  const roles = await getRoles(context.db, user);
  const setup =
    user.totpEnabled || user.isDemo
      ? null
      : await getOrCreatePendingTotp(context.db, user.id, user.email);
  const sessions = await listSessions(context.db, user.id, user.sessionHash);
  return {
    title: t('security.title'),
    required: new URL(request.url).searchParams.get('requis') === '1',
    info: new URL(request.url).searchParams.get('info'),
    isDemo: user.isDemo,
    totpEnabled: user.totpEnabled,
    needsSecondFactor: roles.needsSecondFactor,
    holdsRole: roles.isAdmin || roles.isModerator,
    setup,
    recoveryLeft: user.totpEnabled ? await countUnusedRecoveryCodes(context.db, user.id) : 0,
    sessions: sessions.map((s) => ({
      ...s,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await identityT(request);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  switch (intent) {
    case 'password': {
      const submission = parseWithZod(formData, { schema: changePasswordSchema(t) });
      const hide = { hideFields: ['current', 'password', 'confirm'] };
      if (submission.status !== 'success')
        return data({ intent, result: submission.reply(hide), codes: null }, { status: 400 });
      const r = await changePassword(context.db, user.id, submission.value, user.sessionHash);
      if (!r.ok)
        return data(
          {
            intent,
            result: submission.reply({
              ...hide,
              fieldErrors: { current: [t('identity:errors.wrongPassword')] },
            }),
            codes: null,
          },
          { status: 400 },
        );
      return redirect('/compte/securite?info=mot-de-passe');
    }
    case 'signout-others':
      await destroyAllSessions(context.db, user.id, user.sessionHash);
      return redirect('/compte/securite?info=sessions');
    case 'signout-all':
      await destroyAllSessions(context.db, user.id);
      return redirect('/connexion', {
        headers: { 'Set-Cookie': await destroySession(context, request) },
      });
    case 'totp-enable': {
      const submission = parseWithZod(formData, { schema: totpCodeSchema(t) });
      if (submission.status !== 'success')
        return data({ intent, result: submission.reply(), codes: null }, { status: 400 });
      const codes = await enableTotp(context.db, user.id, submission.value.code);
      if (!codes)
        return data(
          {
            intent,
            result: submission.reply({ fieldErrors: { code: [t('identity:errors.codeWrong')] } }),
            codes: null,
          },
          { status: 400 },
        );
      return data({ intent, result: submission.reply({ resetForm: true }), codes });
    }
    case 'totp-disable':
    case 'recovery-regenerate': {
      const submission = parseWithZod(formData, { schema: totpCodeSchema(t) });
      if (submission.status !== 'success')
        return data({ intent, result: submission.reply(), codes: null }, { status: 400 });
      if (!(await verifySecondFactor(context.db, user.id, submission.value.code))) {
        return data(
          {
            intent,
            result: submission.reply({ fieldErrors: { code: [t('identity:errors.codeWrong')] } }),
            codes: null,
          },
          { status: 400 },
        );
      }
      if (intent === 'totp-disable') {
        await disableTotp(context.db, user.id);
        return redirect('/compte/securite?info=totp-desactive');
      }
      const codes = await context.db
        .transaction()
        .execute((trx) => replaceRecoveryCodes(trx, user.id));
      return data({ intent, result: submission.reply({ resetForm: true }), codes });
    }
    default:
      return data({ intent, result: undefined, codes: null }, { status: 400 });
  }
}

function CodeForm({
  intent,
  label,
  submit,
  danger,
}: {
  intent: string;
  label: string;
  submit: string;
  danger?: boolean;
}) {
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(
    totpCodeSchema,
    actionData?.intent === intent ? actionData.result : undefined,
    { id: intent },
  );
  const { t } = useTranslation('identity');
  return (
    <Form method="post" className="stack" {...getFormProps(form)}>
      <input type="hidden" name="intent" value={intent} />
      <FormErrors errors={form.errors} />
      <TextField
        meta={fields.code}
        label={label}
        autoComplete="one-time-code"
        hint={t('fields.codeHint')}
      />
      <button type="submit" className={danger ? 'danger' : undefined}>
        {submit}
      </button>
    </Form>
  );
}

export default function Security() {
  const { t, i18n } = useTranslation('identity');
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [pwForm, pwFields] = useSchemaForm(
    changePasswordSchema,
    actionData?.intent === 'password' ? actionData.result : undefined,
    { id: 'password' },
  );
  const fmt = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
      timeZone: 'Europe/Paris',
    });
  const notices: Record<string, string> = {
    'mot-de-passe': t('security.passwordChanged'),
    sessions: t('security.othersSignedOut'),
    'totp-desactive': t('security.totpDisabled'),
  };
  return (
    <>
      <h1>{t('security.title')}</h1>
      {d.info && notices[d.info] ? (
        <p className="notice ok" role="status">
          {notices[d.info]}
        </p>
      ) : null}
      {d.required || d.needsSecondFactor ? (
        <p className="notice warn" role="status">
          {t('security.roleNeedsTotp')}
        </p>
      ) : null}

      <section aria-labelledby="totp-title">
        <h2 id="totp-title">{t('security.totpTitle')}</h2>
        {d.isDemo ? (
          <p className="notice warn">{t('security.demoNoTotp')}</p>
        ) : actionData?.codes ? (
          <div className="notice ok" role="status">
            <p>{t('security.recoveryCodesIntro')}</p>
            <ul className="recovery-codes">
              {actionData.codes.map((c) => (
                <li key={c}>
                  <code>{c}</code>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {d.isDemo ? null : d.totpEnabled ? (
          <>
            <p>{t('security.totpOn', { count: d.recoveryLeft })}</p>
            <h3>{t('security.regenerateTitle')}</h3>
            <CodeForm
              intent="recovery-regenerate"
              label={t('fields.code')}
              submit={t('security.regenerate')}
            />
            <h3>{t('security.disableTitle')}</h3>
            {d.holdsRole ? <p className="hint">{t('security.disableWarning')}</p> : null}
            <CodeForm
              intent="totp-disable"
              label={t('fields.code')}
              submit={t('security.disable')}
              danger
            />
          </>
        ) : d.setup ? (
          <>
            <p>{t('security.totpIntro')}</p>
            <img src={d.setup.qrDataUrl} alt={t('security.qrAlt')} width={220} height={220} />
            <p>
              {t('security.secretLabel')} <code>{d.setup.secret}</code>
            </p>
            <CodeForm
              intent="totp-enable"
              label={t('security.firstCode')}
              submit={t('security.enable')}
            />
          </>
        ) : null}
      </section>

      <section aria-labelledby="password-title">
        <h2 id="password-title">{t('security.passwordTitle')}</h2>
        <Form method="post" className="stack" {...getFormProps(pwForm)}>
          <input type="hidden" name="intent" value="password" />
          <FormErrors errors={pwForm.errors} />
          <TextField
            meta={pwFields.current}
            label={t('fields.currentPassword')}
            type="password"
            autoComplete="current-password"
          />
          <TextField
            meta={pwFields.password}
            label={t('fields.newPassword')}
            type="password"
            autoComplete="new-password"
            hint={t('fields.passwordHint', { min: PASSWORD_MIN })}
          />
          <TextField
            meta={pwFields.confirm}
            label={t('fields.confirmPassword')}
            type="password"
            autoComplete="new-password"
          />
          <button type="submit">{t('security.changePassword')}</button>
        </Form>
      </section>

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('security.sessionsTitle')}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('security.browser')}</th>
              <th scope="col">{t('security.since')}</th>
              <th scope="col">{t('security.lastSeen')}</th>
            </tr>
          </thead>
          <tbody>
            {d.sessions.map((s) => (
              <tr key={s.createdAt + (s.userAgent ?? '')}>
                <td>
                  {s.userAgent ?? '—'}{' '}
                  {s.current ? <strong>({t('security.thisSession')})</strong> : null}
                </td>
                <td>{fmt(s.createdAt)}</td>
                <td>{fmt(s.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Form method="post">
          <input type="hidden" name="intent" value="signout-others" />
          <button type="submit" className="secondary">
            {t('security.signOutOthers')}
          </button>
        </Form>
        <Form method="post">
          <input type="hidden" name="intent" value="signout-all" />
          <button type="submit" className="danger">
            {t('security.signOutEverywhere')}
          </button>
        </Form>
      </section>
    </>
  );
}
