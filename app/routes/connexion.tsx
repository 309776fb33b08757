import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type {
  ActionFunctionArgs,
  HeadersFunction,
  LoaderFunctionArgs,
  MetaFunction,
} from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { signIn } from '~/domain/identity/accounts.server';
import { identityT, mailingFor } from '~/domain/identity/http.server';
import { safeRedirect, signInSchema } from '~/domain/identity/identity.schema';
import { createSession, getSessionUser } from '~/domain/identity/session.server';

export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

// Retry-After of a refused attempt reaches the document response too.
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retry = actionHeaders.get('Retry-After');
  return retry ? { 'Retry-After': retry } : new Headers();
};

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const redirectTo = safeRedirect(url.searchParams.get('redirectTo'), '/compte');
  if (await getSessionUser(context, request)) throw redirect(redirectTo);
  const t = await identityT(request);
  return { title: t('signIn.title'), redirectTo, notice: url.searchParams.get('info') };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: signInSchema(t) });
  if (submission.status !== 'success') {
    return data({ result: submission.reply({ hideFields: ['password'] }) }, { status: 400 });
  }
  const { email, password } = submission.value;
  const redirectTo = safeRedirect(submission.value.redirectTo, '/compte');
  const r = await signIn(
    context.db,
    { email, password, ip: context.clientIp },
    await mailingFor(context, request),
  );
  if (!r.ok) {
    const message =
      r.code === 'tooManyAttempts'
        ? t('identity:signIn.tooManyAttempts', {
            minutes: Math.max(1, Math.ceil((r.retryAfter ?? 60) / 60)),
          })
        : t(`identity:signIn.${r.code}`);
    return data(
      { result: submission.reply({ formErrors: [message], hideFields: ['password'] }) },
      {
        status: r.code === 'tooManyAttempts' ? 429 : 400,
        headers: r.retryAfter ? { 'Retry-After': String(r.retryAfter) } : undefined,
      },
    );
  }
  const cookie = await createSession(context, request, r.userId, { mfaPending: r.secondFactor });
  const next = r.secondFactor
    ? `/connexion/deux-facteurs?redirectTo=${encodeURIComponent(redirectTo)}`
    : r.termsOutdated
      ? `/conditions/accepter?redirectTo=${encodeURIComponent(redirectTo)}`
      : redirectTo;
  return redirect(next, { headers: { 'Set-Cookie': cookie } });
}

export default function SignIn() {
  const { t } = useTranslation('identity');
  const { redirectTo, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(signInSchema, actionData?.result);
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('signIn.title')}</h1>
      {notice === 'verifie' ? (
        <p className="notice ok" role="status">
          {t('verifyEmail.done')}
        </p>
      ) : notice === 'reinitialise' ? (
        <p className="notice ok" role="status">
          {t('resetPassword.done')}
        </p>
      ) : notice === 'supprime' ? (
        <p className="notice ok" role="status">
          {t('deleteAccount.done')}
        </p>
      ) : null}
      <Form method="post" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} id={form.errorId} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <TextField
          meta={fields.email}
          label={t('fields.email')}
          type="email"
          autoComplete="username"
        />
        <TextField
          meta={fields.password}
          label={t('fields.password')}
          type="password"
          autoComplete="current-password"
        />
        <button type="submit">{t('signIn.submit')}</button>
      </Form>
      <p>
        <Link to="/mot-de-passe-oublie">{t('forgotPassword.link')}</Link>
      </p>
      <p>
        {t('signIn.noAccount')} <Link to="/inscription">{t('signUp.title')}</Link>
      </p>
    </section>
  );
}
