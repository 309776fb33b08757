import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FormErrors, SelectField, TextAreaField, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { identityT } from '~/domain/identity/http.server';
import { requireUser } from '~/domain/identity/permissions.server';
import { organizationKinds, organizationSchema } from '~/domain/organizations/organizations.schema';
import { createOrganization } from '~/domain/organizations/organizations.server';
import { listTerritories } from '~/domain/territories/territories.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const t = await identityT(request);
  return { title: t('orgs.createTitle'), territories: await listTerritories(context.db) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await identityT(request);
  const submission = parseWithZod(await request.formData(), { schema: organizationSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 });
  const org = await createOrganization(context.db, user.id, submission.value);
  return redirect(`/organisations/${org.slug}?info=cree`);
}

export default function NewOrganization() {
  const { t } = useTranslation('identity');
  const { territories } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(organizationSchema, actionData?.result);
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('orgs.createTitle')}</h1>
      <p>{t('orgs.createIntro')}</p>
      <Form method="post" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} />
        <TextField meta={fields.name} label={t('orgs.fields.name')} autoComplete="organization" />
        <SelectField
          meta={fields.kind}
          label={t('orgs.fields.kind')}
          emptyLabel=""
          options={organizationKinds.map((k) => ({ value: k, label: t(`orgs.kind.${k}`) }))}
        />
        <TextField
          meta={fields.siren}
          label={t('orgs.fields.siren')}
          hint={t('orgs.fields.sirenHint')}
          inputMode="numeric"
        />
        <SelectField
          meta={fields.territoryCode}
          label={t('orgs.fields.territory')}
          emptyLabel={t('orgs.fields.noTerritory')}
          options={territories.map((x) => ({ value: x.code, label: x.name }))}
        />
        <TextAreaField meta={fields.description} label={t('orgs.fields.description')} />
        <TextField
          meta={fields.website}
          label={t('orgs.fields.website')}
          type="url"
          autoComplete="url"
        />
        <button type="submit">{t('orgs.createSubmit')}</button>
      </Form>
    </section>
  );
}
