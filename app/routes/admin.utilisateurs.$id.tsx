import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import {
  addModeratorScope,
  getUserForAdmin,
  removeModeratorScope,
  setAdmin,
} from '~/domain/admin/users.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import { resetSecondFactor } from '~/domain/identity/totp.server';
import { listTerritories } from '~/domain/territories/territories.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const u = await getUserForAdmin(context.db, params.id ?? '');
  if (!u) throw new Response('Not found', { status: 404 });
  const territories = await listTerritories(context.db);
  const names = new Map(territories.map((x) => [x.code, x.name]));
  return {
    title: u.pseudonym,
    info: new URL(request.url).searchParams.get('info'),
    territories,
    user: {
      id: u.id,
      email: u.email,
      pseudonym: u.pseudonym,
      isAdmin: u.is_admin,
      isDemo: u.is_demo,
      totpEnabled: u.totp_enabled_at !== null,
      deleted: u.deleted_at !== null,
      createdAt: u.created_at.toISOString(),
      scopes: u.scopes.map((s) => ({
        ...s,
        label: s.kind === 'territory' ? (names.get(s.code) ?? s.code) : s.code,
      })),
      memberships: u.memberships,
    },
  };
}

const scope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('territory'), code: z.string().regex(/^\d{5}$|^\d{9}$/) }),
  z.object({
    kind: z.literal('theme'),
    code: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9_-]{2,40}$/),
  }),
]);
const actionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('admin'), value: z.enum(['on', 'off']) }),
  z.object({ intent: z.literal('scope-add'), scope }),
  z.object({ intent: z.literal('scope-remove'), scope }),
  z.object({ intent: z.literal('totp-reset') }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const admin = await requireAdmin(context, request);
  const t = await adminT(request);
  const u = await getUserForAdmin(context.db, params.id ?? '');
  if (!u) throw new Response('Not found', { status: 404 });
  const form = Object.fromEntries(await request.formData());
  const parsed = actionSchema.safeParse({
    intent: form.intent,
    value: form.value,
    scope: { kind: form.kind, code: form.code },
  });
  if (!parsed.success) return data({ error: t('admin:user.invalid') }, { status: 400 });
  const v = parsed.data;
  const db = context.db;
  switch (v.intent) {
    case 'admin': {
      const r = await setAdmin(db, admin.id, u.id, v.value === 'on');
      if (r === 'self') return data({ error: t('admin:user.self') }, { status: 409 });
      break;
    }
    case 'scope-add':
      if (
        v.scope.kind === 'territory' &&
        !(await listTerritories(db)).some((x) => x.code === v.scope.code)
      ) {
        return data({ error: t('admin:user.invalid') }, { status: 400 });
      }
      if (!(await addModeratorScope(db, admin.id, u.id, v.scope)))
        return data({ error: t('admin:user.scopeExists') }, { status: 409 });
      break;
    case 'scope-remove':
      await removeModeratorScope(db, admin.id, u.id, v.scope);
      break;
    case 'totp-reset':
      await resetSecondFactor(db, admin.id, u.id);
      break;
  }
  return redirect(`/admin/utilisateurs/${u.id}?info=ok`);
}

export default function AdminUser() {
  const { t, i18n } = useTranslation('admin');
  const { user, info, territories } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const holdsRole = user.isAdmin || user.scopes.length > 0;
  return (
    <>
      <h1>{user.pseudonym}</h1>
      <AdminNav />
      <p>
        <Link to="/admin/utilisateurs">{t('user.back')}</Link>
      </p>
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : info === 'ok' ? (
        <p className="notice ok" role="status">
          {t('user.saved')}
        </p>
      ) : null}
      <dl>
        <dt>{t('user.email')}</dt>
        <dd>{user.email}</dd>
        <dt>{t('user.created')}</dt>
        <dd>
          {new Date(user.createdAt).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
            timeZone: 'Europe/Paris',
          })}
        </dd>
        {user.deleted ? (
          <>
            <dt>{t('user.status')}</dt>
            <dd>{t('user.deleted')}</dd>
          </>
        ) : null}
      </dl>

      <section aria-labelledby="admin-title">
        <h2 id="admin-title">{t('user.admin')}</h2>
        <Form method="post">
          <input type="hidden" name="intent" value="admin" />
          <input type="hidden" name="value" value={user.isAdmin ? 'off' : 'on'} />
          <button type="submit" className={user.isAdmin ? 'danger' : undefined}>
            {user.isAdmin ? t('user.revokeAdmin') : t('user.grantAdmin')}
          </button>
        </Form>
      </section>

      <section aria-labelledby="scopes-title">
        <h2 id="scopes-title">{t('user.scopes')}</h2>
        {user.scopes.length ? (
          <ul>
            {user.scopes.map((s) => (
              <li key={`${s.kind}:${s.code}`}>
                <Form method="post" className="inline-form">
                  {t(`user.${s.kind}`)} : {s.label}{' '}
                  <input type="hidden" name="intent" value="scope-remove" />
                  <input type="hidden" name="kind" value={s.kind} />
                  <input type="hidden" name="code" value={s.code} />
                  <button type="submit" className="secondary">
                    {t('user.remove')}
                    <span className="visually-hidden"> {s.label}</span>
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        ) : (
          <p>{t('user.noScopes')}</p>
        )}
        <h3>{t('user.addScope')}</h3>
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="scope-add" />
          <input type="hidden" name="kind" value="territory" />
          <div>
            <label htmlFor="scope-territory">{t('user.territoryCode')}</label>
            <select id="scope-territory" name="code">
              {territories.map((x) => (
                <option key={x.code} value={x.code}>
                  {x.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">{t('user.add')}</button>
        </Form>
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="scope-add" />
          <input type="hidden" name="kind" value="theme" />
          <div>
            <label htmlFor="scope-theme">{t('user.themeCode')}</label>
            <p className="hint" id="scope-theme-hint">
              {t('user.themeHint')}
            </p>
            <input id="scope-theme" name="code" aria-describedby="scope-theme-hint" />
          </div>
          <button type="submit">{t('user.add')}</button>
        </Form>
      </section>

      <section aria-labelledby="totp-title">
        <h2 id="totp-title">{t('user.secondFactor')}</h2>
        {user.isDemo ? (
          <p className="notice warn">{t('user.demoNoTotp')}</p>
        ) : (
          <p>{user.totpEnabled ? t('user.totpOn') : t('user.totpOff')}</p>
        )}
        {holdsRole && !user.totpEnabled && !user.isDemo ? (
          <p className="notice warn">{t('user.roleNeedsTotp')}</p>
        ) : null}
        {user.totpEnabled ? (
          <Form method="post">
            <p className="hint">{t('user.resetTotpHint')}</p>
            <input type="hidden" name="intent" value="totp-reset" />
            <button type="submit" className="danger">
              {t('user.resetTotp')}
            </button>
          </Form>
        ) : null}
      </section>

      {user.memberships.length ? (
        <section aria-labelledby="orgs-title">
          <h2 id="orgs-title">{t('user.memberships')}</h2>
          <ul>
            {user.memberships.map((m) => (
              <li key={m.slug}>
                <Link to={`/organisations/${m.slug}`}>{m.name}</Link> ({m.role})
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
