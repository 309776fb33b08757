import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { identityT } from '~/domain/identity/http.server';
import { safeRedirect, totpCodeSchema } from '~/domain/identity/identity.schema';
import { currentTermsVersion } from '~/domain/legal/legal.server';
import { consumeRateLimit } from '~/domain/security/rate-limit.server';
import {
  createSession,
  getPendingSecondFactorUserId,
  SIGN_IN_PATH,
} from '~/domain/identity/session.server';
import { getAccount } from '~/domain/identity/accounts.server';
import { verifySecondFactor } from '~/domain/identity/totp.server';

// The second step of signing in, for accounts with two-factor authentication: only a
// session opened by the password step (and still waiting) reaches it.
export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!(await getPendingSecondFactorUserId(context, request))) throw redirect(SIGN_IN_PATH);
  const t = await identityT(request);
  return {
    title: t('secondFactor.title'),
    redirectTo: safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/compte'),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const userId = await getPendingSecondFactorUserId(context, request);
  if (!userId) throw redirect(SIGN_IN_PATH);
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: totpCodeSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 });
  const limit = await consumeRateLimit(context.db, `mfa:${userId}`, {
    limit: 5,
    windowSeconds: 300,
  });
  if (!limit.allowed) {
    return data(
      {
        result: submission.reply({
          formErrors: [
            t('identity:signIn.tooManyAttempts', { minutes: Math.ceil(limit.retryAfter / 60) }),
          ],
        }),
      },
      { status: 429 },
    );
  }
  if (!(await verifySecondFactor(context.db, userId, submission.value.code))) {
    return data(
      { result: submission.reply({ fieldErrors: { code: [t('identity:errors.codeWrong')] } }) },
      { status: 400 },
    );
  }
  const cookie = await createSession(context, request, userId);
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/compte');
  const account = await getAccount(context.db, userId);
  const outdated = (account?.terms_version ?? 0) < (await currentTermsVersion(context.db));
  return redirect(
    outdated ? `/conditions/accepter?redirectTo=${encodeURIComponent(redirectTo)}` : redirectTo,
    {
      headers: { 'Set-Cookie': cookie },
    },
  );
}

export default function SecondFactor() {
  const { t } = useTranslation('identity');
  useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(totpCodeSchema, actionData?.result);
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('secondFactor.title')}</h1>
      <p>{t('secondFactor.intro')}</p>
      <Form method="post" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} id={form.errorId} />
        <TextField
          meta={fields.code}
          label={t('fields.code')}
          autoComplete="one-time-code"
          inputMode="text"
          hint={t('fields.codeHint')}
        />
        <button type="submit">{t('secondFactor.submit')}</button>
      </Form>
    </section>
  );
}
