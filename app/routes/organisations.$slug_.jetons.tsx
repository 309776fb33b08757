import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { CredentialList, NewSecret } from '~/components/credentials/CredentialList';
import { FormErrors, TextAreaField, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import { credentialScopes, organizationTokenSchema } from '~/domain/credentials/credentials.schema';
import {
  CredentialError,
  createOrganizationToken,
  listOrganizationTokens,
  revokeCredential,
} from '~/domain/credentials/credentials.server';
import type { RouteHandle } from '~/domain/identity/access';
import type { Translate } from '~/domain/identity/identity.schema';
import { requireOrgAdmin } from '~/domain/identity/permissions.server';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';
import { getT } from '~/i18n/i18n.server';

// /organisations/:slug/jetons — the organisation's tokens for programs (scopes read,
// contribute, read-usage): created and revoked by its admins, shown once. An unknown
// organisation answers 403 like one the caller does not administer.
export const handle: RouteHandle = { access: 'member', i18n: ['reuses', 'identity'] };

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
  if (formData.get('intent') === 'revoke') {
    const id = z.uuid().safeParse(formData.get('credentialId'));
    if (!id.success)
      return data(
        { intent: 'revoke' as const, error: t('reuses:keys.errors.not_found') },
        { status: 400 },
      );
    try {
      await revokeCredential(args.context.db, user.id, id.data);
    } catch (e) {
      if (e instanceof CredentialError)
        return data(
          { intent: 'revoke' as const, error: t(`reuses:keys.errors.${e.code}`) },
          { status: e.code === 'not_found' ? 404 : 409 },
        );
      throw e;
    }
    return data({ intent: 'revoke' as const, revoked: true });
  }
  const submission = parseWithZod(formData, { schema: organizationTokenSchema(t) });
  if (submission.status !== 'success')
    return data({ intent: 'create' as const, result: submission.reply() }, { status: 400 });
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
}

export default function OrganizationTokens() {
  const { t } = useTranslation('reuses');
  const { org, tokens, origin } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const created = actionData as { secret?: string; name?: string } | undefined;
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
      {created?.secret ? (
        <NewSecret secret={created.secret} name={created.name ?? ''} origin={origin} />
      ) : null}
      {actionData && 'revoked' in actionData ? (
        <p className="notice ok" role="status">
          {t('keys.revoked')}
        </p>
      ) : null}
      {actionData && 'error' in actionData ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : null}
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
