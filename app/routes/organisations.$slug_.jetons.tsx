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
import { FormErrors, TextAreaField, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import { credentialScopes, organizationTokenSchema } from '~/domain/credentials/credentials.schema';
import {
  CredentialError,
  createOrganizationToken,
  listOrganizationTokens,
} from '~/domain/credentials/credentials.server';
import {
  credentialPageHeaders,
  rateLimitedCreation,
  revokeFromForm,
} from '~/domain/credentials/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import type { Translate } from '~/domain/identity/identity.schema';
import { requireOrgAdmin } from '~/domain/identity/permissions.server';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';
import { getT } from '~/i18n/i18n.server';

// /organisations/:slug/jetons — the organisation's tokens for programs (scopes read,
// contribute, read-usage): created and revoked by its admins, shown once. An unknown
// organisation answers 403 like one the caller does not administer.
export const handle: RouteHandle = { access: 'member', i18n: ['reuses', 'identity'] };

export const headers: HeadersFunction = credentialPageHeaders;

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const reusesT = async (request: Request) =>
  (await getT(request, ['reuses', 'identity'])) as unknown as Translate;

async function guard(args: LoaderFunctionArgs) {
  const org = await getOrganizationBySlug(args.context.db, args.params.slug ?? '');
  const user = await requireOrgAdmin(args.context, args.request, org?.id ?? '');
  return { org: org!, user };
}

export async function loader(args: LoaderFunctionArgs) {
  const { org } = await guard(args);
  const t = await reusesT(args.request);
  return {
    title: t('tokens.title', { name: org.name }),
    org: { slug: org.slug, name: org.name },
    tokens: await listOrganizationTokens(args.context.db, org.id),
    origin: (args.context.config.publicUrl ?? new URL(args.request.url).origin).replace(/\/$/, ''),
  };
}

export async function action(args: ActionFunctionArgs) {
  const { org, user } = await guard(args);
  const t = await reusesT(args.request);
  const formData = await args.request.formData();
  if (formData.get('intent') === 'revoke')
    return revokeFromForm(args.context.db, user.id, formData, t);
  const submission = parseWithZod(formData, { schema: organizationTokenSchema(t) });
  if (submission.status !== 'success')
    return data({ intent: 'create' as const, result: submission.reply() }, { status: 400 });
  try {
    const { secret } = await createOrganizationToken(
      args.context.db,
      user.id,
      org.id,
      submission.value,
    );
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
    throw e;
  }
}

export default function OrganizationTokens() {
  const { t } = useTranslation('reuses');
  const { org, tokens, origin } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(
    organizationTokenSchema,
    actionData && 'result' in actionData ? actionData.result : undefined,
  );
  const scopes = fields.scopes;
  return (
    <section aria-labelledby="title" className="stack">
      <h1 id="title">{t('tokens.title', { name: org.name })}</h1>
      <p>{t('tokens.intro')}</p>
      <p>
        <Link to={`/organisations/${org.slug}/gestion`}>{t('tokens.backToManage')}</Link> ·{' '}
        <Link to={`/organisations/${org.slug}/usage`}>{t('usage.link')}</Link>
      </p>
      <CredentialNotices
        outcome={actionData as CredentialActionOutcome | undefined}
        origin={origin}
      />
      <h2>{t('tokens.listTitle')}</h2>
      <CredentialList credentials={tokens} showCreator />
      <h2 id="create-title">{t('tokens.createTitle')}</h2>
      <Form method="post" className="stack" {...getFormProps(form)} aria-labelledby="create-title">
        <input type="hidden" name="intent" value="create" />
        <FormErrors errors={form.errors} />
        <TextField meta={fields.name} label={t('keys.fields.name')} hint={t('tokens.nameHint')} />
        <fieldset aria-describedby={scopes.errors?.length ? scopes.errorId : undefined}>
          <legend>{t('tokens.scopes')}</legend>
          {credentialScopes.map((s) => (
            <div key={s}>
              <label className="checkbox-label" htmlFor={`scope-${s}`}>
                <input type="checkbox" id={`scope-${s}`} name={scopes.name} value={s} />{' '}
                <strong>{t(`scopes.${s}`)}</strong> — {t(`scopeHints.${s}`)}
              </label>
            </div>
          ))}
          {scopes.errors?.length ? (
            <p id={scopes.errorId} className="field-error">
              {scopes.errors.join(' ')}
            </p>
          ) : null}
        </fieldset>
        <TextAreaField meta={fields.purpose} label={t('tokens.purpose')} rows={2} />
        <button type="submit">{t('tokens.create')}</button>
      </Form>
    </section>
  );
}
