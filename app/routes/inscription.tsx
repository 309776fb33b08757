import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { CheckboxField, FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { signUp } from '~/domain/identity/accounts.server';
import { identityT, mailingFor } from '~/domain/identity/http.server';
import { PASSWORD_MIN, signUpSchema } from '~/domain/identity/identity.schema';
import { getSessionUser } from '~/domain/identity/session.server';

export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getSessionUser(context, request)) throw redirect('/compte');
  const t = await identityT(request);
  return {
    title: t('signUp.title'),
    sent: new URL(request.url).searchParams.get('envoye') === '1',
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: signUpSchema(t) });
  if (submission.status !== 'success') {
    return data({ result: submission.reply({ hideFields: ['password'] }) }, { status: 400 });
  }
  const r = await signUp(context.db, submission.value, await mailingFor(context, request));
  if (!r.ok) {
    return data(
      {
        result: submission.reply({
          fieldErrors: { [r.field]: [t(`identity:errors.${r.code}`)] },
          hideFields: ['password'],
        }),
      },
      { status: 400 },
    );
  }
  return redirect('/inscription?envoye=1');
}

export default function SignUp() {
  const { t } = useTranslation('identity');
  const { sent } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(signUpSchema, actionData?.result);
  if (sent) {
    return (
      <section aria-labelledby="title">
        <h1 id="title">{t('signUp.sentTitle')}</h1>
        <p className="notice ok" role="status">
          {t('signUp.sent')}
        </p>
        <p>
          <Link to="/connexion">{t('signIn.title')}</Link>
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('signUp.title')}</h1>
      <p>
        {t('signUp.haveAccount')} <Link to="/connexion">{t('signIn.title')}</Link>
      </p>
      <Form method="post" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} id={form.errorId} />
        <TextField
          meta={fields.email}
          label={t('fields.email')}
          type="email"
          autoComplete="email"
        />
        <TextField
          meta={fields.password}
          label={t('fields.password')}
          type="password"
          autoComplete="new-password"
          hint={t('fields.passwordHint', { min: PASSWORD_MIN })}
        />
        <TextField
          meta={fields.pseudonym}
          label={t('fields.pseudonym')}
          autoComplete="nickname"
          hint={t('fields.pseudonymHint')}
        />
        <CheckboxField
          meta={fields.acceptTerms}
          label={
            <>
              {t('signUp.acceptTerms')}{' '}
              <Link to="/conditions" target="_blank">
                {t('signUp.termsLink')}
              </Link>
            </>
          }
        />
        <button type="submit">{t('signUp.submit')}</button>
      </Form>
    </section>
  );
}
