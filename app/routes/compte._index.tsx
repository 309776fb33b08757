import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { FormErrors, SelectField, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import { getAccount, requestEmailChange, updateProfile } from '~/domain/identity/accounts.server';
import { identityT, mailingFor } from '~/domain/identity/http.server';
import { changeEmailSchema, profileSchema } from '~/domain/identity/identity.schema';
import { getRoles, requireUser } from '~/domain/identity/permissions.server';
import { listUserMemberships } from '~/domain/organizations/organizations.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: ['identity', 'reuses'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await identityT(request);
  const account = await getAccount(context.db, user.id);
  if (!account) throw redirect('/connexion');
  const roles = await getRoles(context.db, user);
  return {
    title: t('account.title'),
    info: new URL(request.url).searchParams.get('info'),
    account: {
      email: account.email,
      pendingEmail: account.pending_email,
      pseudonym: account.pseudonym,
      locale: account.locale,
      emailVerified: account.email_verified_at !== null,
      createdAt: account.created_at.toISOString(),
      isDemo: account.is_demo,
    },
    roles,
    memberships: (await listUserMemberships(context.db, user.id)).map((m) => ({
      slug: m.slug,
      name: m.name,
      role: m.role,
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await identityT(request);
  const formData = await request.formData();
  const intent = formData.get('intent');
  if (intent === 'profile') {
    const submission = parseWithZod(formData, { schema: profileSchema(t) });
    if (submission.status !== 'success')
      return data({ intent, result: submission.reply() }, { status: 400 });
    await updateProfile(context.db, user.id, submission.value);
    return redirect(`/compte?info=profil&lng=${submission.value.locale}`);
  }
  if (intent === 'email') {
    const submission = parseWithZod(formData, { schema: changeEmailSchema(t) });
    if (submission.status !== 'success')
      return data(
        { intent, result: submission.reply({ hideFields: ['password'] }) },
        { status: 400 },
      );
    const r = await requestEmailChange(
      context.db,
      user.id,
      submission.value,
      await mailingFor(context, request),
    );
    if (!r.ok) {
      return data(
        {
          intent,
          result: submission.reply({
            fieldErrors: { [r.field]: [t(`identity:errors.${r.code}`)] },
            hideFields: ['password'],
          }),
        },
        { status: 400 },
      );
    }
    return redirect('/compte?info=email-envoye');
  }
  return data({ intent: null, result: undefined }, { status: 400 });
}

export default function Account() {
  const { t } = useTranslation('identity');
  const { account, info, roles, memberships } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [profileForm, profileFields] = useSchemaForm(
    profileSchema,
    actionData?.intent === 'profile' ? actionData.result : undefined,
    {
      id: 'profile',
      defaultValue: { pseudonym: account.pseudonym, locale: account.locale },
    },
  );
  const [emailForm, emailFields] = useSchemaForm(
    changeEmailSchema,
    actionData?.intent === 'email' ? actionData.result : undefined,
    { id: 'email' },
  );
  const notices: Record<string, string> = {
    profil: t('account.profileSaved'),
    'email-envoye': t('account.emailChangeSent'),
    email: t('account.emailChanged'),
    conditions: t('terms.accepted'),
  };
  return (
    <>
      <h1>{t('account.title')}</h1>
      {info && notices[info] ? (
        <p className="notice ok" role="status">
          {notices[info]}
        </p>
      ) : null}
      {account.isDemo ? <p className="notice warn">{t('account.demo')}</p> : null}
      <nav aria-label={t('account.sections')}>
        <ul>
          <li>
            <Link to="/compte/securite">{t('security.title')}</Link>
          </li>
          <li>
            <Link to="/compte/donnees" reloadDocument>
              {t('account.download')}
            </Link>
          </li>
          <li>
            <Link to="/compte/cles">{t('reuses:keys.title')}</Link>
          </li>
          <li>
            <Link to="/compte/usage">{t('reuses:usage.mineLink')}</Link>
          </li>
          <li>
            <Link to="/compte/supprimer">{t('deleteAccount.title')}</Link>
          </li>
        </ul>
      </nav>

      <section aria-labelledby="profile-title">
        <h2 id="profile-title">{t('account.profile')}</h2>
        <dl>
          <dt>{t('fields.email')}</dt>
          <dd>
            {account.email}{' '}
            {account.emailVerified ? `(${t('account.verified')})` : `(${t('account.notVerified')})`}
          </dd>
          {account.pendingEmail ? (
            <>
              <dt>{t('account.pendingEmail')}</dt>
              <dd>{account.pendingEmail}</dd>
            </>
          ) : null}
          <dt>{t('account.roles')}</dt>
          <dd>
            {[
              t('account.roleCitizen'),
              roles.isModerator ? t('account.roleModerator') : null,
              roles.isAdmin ? t('account.roleAdmin') : null,
            ]
              .filter(Boolean)
              .join(', ')}
          </dd>
        </dl>
        {roles.needsSecondFactor ? (
          <p className="notice warn">
            {t('security.roleNeedsTotp')}{' '}
            <Link to="/compte/securite">{t('security.setUpTotp')}</Link>
          </p>
        ) : null}
        <Form method="post" className="stack" {...getFormProps(profileForm)}>
          <input type="hidden" name="intent" value="profile" />
          <FormErrors errors={profileForm.errors} />
          <TextField
            meta={profileFields.pseudonym}
            label={t('fields.pseudonym')}
            hint={t('fields.pseudonymHint')}
          />
          <SelectField
            meta={profileFields.locale}
            label={t('fields.locale')}
            options={[
              { value: 'fr', label: 'Français' },
              { value: 'en', label: 'English' },
            ]}
          />
          <button type="submit">{t('account.saveProfile')}</button>
        </Form>
      </section>

      <section aria-labelledby="email-title">
        <h2 id="email-title">{t('account.changeEmail')}</h2>
        <p className="hint">{t('account.changeEmailHint')}</p>
        <Form method="post" className="stack" {...getFormProps(emailForm)}>
          <input type="hidden" name="intent" value="email" />
          <FormErrors errors={emailForm.errors} />
          <TextField
            meta={emailFields.email}
            label={t('fields.newEmail')}
            type="email"
            autoComplete="email"
          />
          <TextField
            meta={emailFields.password}
            label={t('fields.currentPassword')}
            type="password"
            autoComplete="current-password"
          />
          <button type="submit">{t('account.changeEmailSubmit')}</button>
        </Form>
      </section>

      <section aria-labelledby="orgs-title">
        <h2 id="orgs-title">{t('account.organizations')}</h2>
        {memberships.length ? (
          <ul>
            {memberships.map((m) => (
              <li key={m.slug}>
                <Link to={`/organisations/${m.slug}`}>{m.name}</Link> — {t(`orgs.role.${m.role}`)}
              </li>
            ))}
          </ul>
        ) : (
          <p>{t('account.noOrganizations')}</p>
        )}
        <p>
          <Link to="/organisations">{t('orgs.title')}</Link> ·{' '}
          <Link to="/organisations/nouvelle">{t('orgs.create')}</Link>
        </p>
      </section>
    </>
  );
}
