import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { resetPassword } from '~/domain/identity/accounts.server';
import { identityT } from '~/domain/identity/http.server';
import { PASSWORD_MIN, resetPasswordSchema } from '~/domain/identity/identity.schema';
import { destroySession } from '~/domain/identity/session.server';
import { emailTokenIsValid } from '~/domain/identity/tokens.server';

export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const t = await identityT(request);
  const valid = await emailTokenIsValid(context.db, params.token ?? '', 'reset_password');
  return data({ title: t('resetPassword.title'), valid }, { status: valid ? 200 : 410 });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: resetPasswordSchema(t) });
  if (submission.status !== 'success')
    return data(
      { result: submission.reply({ hideFields: ['password', 'confirm'] }), invalidLink: false },
      { status: 400 },
    );
  const r = await resetPassword(context.db, params.token ?? '', submission.value.password);
  if (!r.ok)
    return data(
      {
        result: submission.reply({
          formErrors: [t('identity:resetPassword.invalidLink')],
          hideFields: ['password', 'confirm'],
        }),
        invalidLink: true,
      },
      { status: 410 },
    );
  return redirect('/connexion?info=reinitialise', {
    headers: { 'Set-Cookie': await destroySession(context, request) },
  });
}

export default function ResetPassword() {
  const { t } = useTranslation('identity');
  const { valid } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(resetPasswordSchema, actionData?.result);
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('resetPassword.title')}</h1>
      {!valid || actionData?.invalidLink ? (
        <>
          <p className="notice error" role="alert">
            {t('resetPassword.invalidLink')}
          </p>
          <p>
            <Link to="/mot-de-passe-oublie">{t('forgotPassword.link')}</Link>
          </p>
        </>
      ) : (
        <Form method="post" className="stack" {...getFormProps(form)}>
          <FormErrors errors={form.errors} id={form.errorId} />
          <TextField
            meta={fields.password}
            label={t('fields.newPassword')}
            type="password"
            autoComplete="new-password"
            hint={t('fields.passwordHint', { min: PASSWORD_MIN })}
          />
          <TextField
            meta={fields.confirm}
            label={t('fields.confirmPassword')}
            type="password"
            autoComplete="new-password"
          />
          <button type="submit">{t('resetPassword.submit')}</button>
        </Form>
      )}
    </section>
  );
}
