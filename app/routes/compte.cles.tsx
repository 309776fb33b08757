import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type {
  ActionFunctionArgs,
  HeadersFunction,
  LoaderFunctionArgs,
  MetaFunction,
} from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { CredentialList, CredentialNotices } from '~/components/credentials/CredentialList';
import type { CredentialActionOutcome } from '~/components/credentials/CredentialList';
import { FormErrors, SelectField, TextAreaField, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import { personalKeySchema } from '~/domain/credentials/credentials.schema';
import {
  CredentialError,
  createPersonalKey,
  listPersonalKeys,
} from '~/domain/credentials/credentials.server';
import {
  credentialPageHeaders,
  rateLimitedCreation,
  revokeFromForm,
} from '~/domain/credentials/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import type { Translate } from '~/domain/identity/identity.schema';
import { requireUser } from '~/domain/identity/permissions.server';
import { listUserMemberships } from '~/domain/organizations/organizations.server';
import { getT } from '~/i18n/i18n.server';

// /compte/cles — personal reuser keys: create one (a name, the declared purpose, optionally
// an organisation of mine), see it once, see when each was last used, revoke it.
export const handle: RouteHandle = { access: 'signed-in', i18n: ['reuses', 'identity'] };

export const headers: HeadersFunction = credentialPageHeaders;

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const reusesT = async (request: Request) =>
  (await getT(request, ['reuses', 'identity'])) as unknown as Translate;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await reusesT(request);
  const [keys, memberships] = await Promise.all([
    listPersonalKeys(context.db, user.id),
    listUserMemberships(context.db, user.id),
  ]);
  return {
    title: t('keys.title'),
    keys,
    organizations: memberships.map((m) => ({ id: m.id, name: m.name })),
    origin: (context.config.publicUrl ?? new URL(request.url).origin).replace(/\/$/, ''),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await reusesT(request);
  const formData = await request.formData();
  if (formData.get('intent') === 'revoke') return revokeFromForm(context.db, user.id, formData, t);
  const submission = parseWithZod(formData, { schema: personalKeySchema(t) });
  if (submission.status !== 'success')
    return data({ intent: 'create' as const, result: submission.reply() }, { status: 400 });
  try {
    const { secret } = await createPersonalKey(context.db, user.id, submission.value);
    return data(
      {
        intent: 'create' as const,
        result: submission.reply({ resetForm: true }),
        secret,
        name: submission.value.name,
      },
      { status: 201, headers: { 'Cache-Control': 'no-store' } },
    );
  } catch (e) {
    if (e instanceof CredentialError && e.code === 'rate_limited')
      return rateLimitedCreation(submission, e, t);
    if (e instanceof CredentialError && e.code === 'not_member') {
      return data(
        {
          intent: 'create' as const,
          result: submission.reply({
            fieldErrors: { organizationId: [t('reuses:keys.errors.not_member')] },
          }),
        },
        { status: 400 },
      );
    }
    throw e;
  }
}

export default function PersonalKeys() {
  const { t } = useTranslation('reuses');
  const { keys, organizations, origin } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(
    personalKeySchema,
    actionData && 'result' in actionData ? actionData.result : undefined,
  );
  return (
    <section aria-labelledby="title" className="stack">
      <h1 id="title">{t('keys.title')}</h1>
      <p>{t('keys.intro')}</p>
      <p>
        <Link to="/licences/licence-engagee">{t('keys.licenceLink')}</Link>
      </p>
      <CredentialNotices
        outcome={actionData as CredentialActionOutcome | undefined}
        origin={origin}
      />
      <h2>{t('keys.listTitle')}</h2>
      <CredentialList credentials={keys} showPurpose />
      <h2 id="create-title">{t('keys.createTitle')}</h2>
      <Form method="post" className="stack" {...getFormProps(form)} aria-labelledby="create-title">
        <input type="hidden" name="intent" value="create" />
        <FormErrors errors={form.errors} />
        <TextField
          meta={fields.name}
          label={t('keys.fields.name')}
          hint={t('keys.fields.nameHint')}
        />
        <TextAreaField
          meta={fields.purpose}
          label={t('keys.fields.purpose')}
          hint={t('keys.fields.purposeHint')}
          rows={3}
        />
        {organizations.length ? (
          <SelectField
            meta={fields.organizationId}
            label={t('keys.fields.organization')}
            emptyLabel={t('keys.fields.noOrganization')}
            options={organizations.map((o) => ({ value: o.id, label: o.name }))}
          />
        ) : null}
        <button type="submit">{t('keys.create')}</button>
      </Form>
    </section>
  );
}
