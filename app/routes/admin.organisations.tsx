import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import {
  listOrganizations,
  setOrganizationVerified,
} from '~/domain/organizations/organizations.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await adminT(request);
  const url = new URL(request.url);
  const onlyUnverified = url.searchParams.get('filtre') === 'a-verifier';
  const orgs = await listOrganizations(context.db, {
    verified: onlyUnverified ? false : undefined,
    limit: 500,
  });
  return {
    title: t('orgs.title'),
    onlyUnverified,
    info: url.searchParams.get('info'),
    orgs: orgs.map((o) => ({
      id: o.id,
      slug: o.slug,
      name: o.name,
      kind: o.kind,
      siren: o.siren,
      verified: o.verified,
      memberCount: o.memberCount,
    })),
  };
}

const actionSchema = z.object({ organizationId: z.uuid(), verified: z.enum(['on', 'off']) });

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(context, request);
  const t = await adminT(request);
  const parsed = actionSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ error: t('admin:user.invalid') }, { status: 400 });
  const ok = await setOrganizationVerified(
    context.db,
    admin.id,
    parsed.data.organizationId,
    parsed.data.verified === 'on',
  );
  if (!ok) return data({ error: t('admin:user.invalid') }, { status: 404 });
  return redirect(`/admin/organisations?info=ok`);
}

export default function AdminOrganizations() {
  const { t } = useTranslation('admin');
  const { t: ti } = useTranslation('identity');
  const { orgs, onlyUnverified, info } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <>
      <h1>{t('orgs.title')}</h1>
      <AdminNav />
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : info === 'ok' ? (
        <p className="notice ok" role="status">
          {t('orgs.saved')}
        </p>
      ) : null}
      <p>
        {onlyUnverified ? (
          <Link to="/admin/organisations">{t('orgs.filterAll')}</Link>
        ) : (
          <Link to="/admin/organisations?filtre=a-verifier">{t('orgs.filterUnverified')}</Link>
        )}
      </p>
      {orgs.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('orgs.name')}</th>
              <th scope="col">{t('orgs.kind')}</th>
              <th scope="col">{t('orgs.siren')}</th>
              <th scope="col">{t('orgs.members')}</th>
              <th scope="col">{t('orgs.status')}</th>
            </tr>
          </thead>
          <tbody>
            {orgs.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link to={`/organisations/${o.slug}`}>{o.name}</Link>
                </td>
                <td>{ti(`orgs.kind.${o.kind}`)}</td>
                <td>{o.siren ?? '—'}</td>
                <td>{o.memberCount}</td>
                <td>
                  <Form method="post" className="inline-form">
                    {o.verified ? t('orgs.verified') : t('orgs.notVerified')}{' '}
                    <input type="hidden" name="organizationId" value={o.id} />
                    <input type="hidden" name="verified" value={o.verified ? 'off' : 'on'} />
                    <button type="submit" className={o.verified ? 'secondary' : undefined}>
                      {o.verified ? t('orgs.unverify') : t('orgs.verify')}
                      <span className="visually-hidden"> {o.name}</span>
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{t('orgs.none')}</p>
      )}
    </>
  );
}
