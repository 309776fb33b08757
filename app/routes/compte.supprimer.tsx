import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { CheckboxField, FormErrors, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { checkPassword } from '~/domain/identity/accounts.server';
import { identityT } from '~/domain/identity/http.server';
import { deleteAccountSchema } from '~/domain/identity/identity.schema';
import { deleteAccount } from '~/domain/identity/personal-data.features.server';
import { requireUser } from '~/domain/identity/permissions.server';
import { destroySession } from '~/domain/identity/session.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const t = await identityT(request);
  return { title: t('deleteAccount.title') };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: deleteAccountSchema(t) });
  if (submission.status !== 'success')
    return data({ result: submission.reply({ hideFields: ['password'] }) }, { status: 400 });
  if (!(await checkPassword(context.db, user.id, submission.value.password))) {
    return data(
      {
        result: submission.reply({
          fieldErrors: { password: [t('identity:errors.wrongPassword')] },
          hideFields: ['password'],
        }),
      },
      { status: 400 },
    );
  }
  const cookie = await destroySession(context, request);
  await deleteAccount(context.db, user.id);
  return redirect('/connexion?info=supprime', { headers: { 'Set-Cookie': cookie } });
}

export default function DeleteAccount() {
  const { t } = useTranslation('identity');
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(deleteAccountSchema, actionData?.result);
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('deleteAccount.title')}</h1>
      <p>{t('deleteAccount.intro')}</p>
      <p>
        <Link to="/compte/donnees" reloadDocument>
          {t('account.download')}
        </Link>
      </p>
      <Form method="post" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} />
        <TextField
          meta={fields.password}
          label={t('fields.currentPassword')}
          type="password"
          autoComplete="current-password"
        />
        <CheckboxField meta={fields.confirm} label={t('deleteAccount.confirm')} />
        <button type="submit" className="danger">
          {t('deleteAccount.submit')}
        </button>
      </Form>
    </section>
  );
}
