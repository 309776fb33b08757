import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { requestPasswordReset } from '~/domain/identity/accounts.server';
import { identityT, mailingFor } from '~/domain/identity/http.server';
import { forgotPasswordSchema } from '~/domain/identity/identity.schema';

export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request }: LoaderFunctionArgs) {
  const t = await identityT(request);
  return {
    title: t('forgotPassword.title'),
    sent: new URL(request.url).searchParams.get('envoye') === '1',
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: forgotPasswordSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 });
  await requestPasswordReset(
    context.db,
    submission.value.email,
    await mailingFor(context, request),
    context.clientIp,
  );
  // The same answer whether or not the account exists.
  return redirect('/mot-de-passe-oublie?envoye=1');
}

export default function ForgotPassword() {
  const { t } = useTranslation('identity');
  const { sent } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(forgotPasswordSchema, actionData?.result);
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('forgotPassword.title')}</h1>
      {sent ? (
        <p className="notice ok" role="status">
          {t('forgotPassword.sent')}
        </p>
      ) : (
        <>
          <p>{t('forgotPassword.intro')}</p>
          <Form method="post" className="stack" {...getFormProps(form)}>
            <FormErrors errors={form.errors} id={form.errorId} />
            <TextField
              meta={fields.email}
              label={t('fields.email')}
              type="email"
              autoComplete="email"
            />
            <button type="submit">{t('forgotPassword.submit')}</button>
          </Form>
        </>
      )}
    </section>
  );
}
