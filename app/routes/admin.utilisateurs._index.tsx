import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import { searchUsers } from '~/domain/admin/users.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';

export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const t = await adminT(request);
  const url = new URL(request.url);
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
  const roleParam = url.searchParams.get('role');
  const role = roleParam === 'admin' || roleParam === 'moderator' ? roleParam : undefined;
  const users = await searchUsers(context.db, { q: q || undefined, role });
  return {
    title: t('users.title'),
    q,
    role: role ?? '',
    users: users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
  };
}

export default function AdminUsers() {
  const { t, i18n } = useTranslation('admin');
  const { q, role, users } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('users.title')}</h1>
      <AdminNav />
      <Form method="get" role="search" className="stack">
        <div>
          <label htmlFor="q">{t('users.search')}</label>
          <input id="q" name="q" type="search" defaultValue={q} />
        </div>
        <div>
          <label htmlFor="role">{t('users.role')}</label>
          <select id="role" name="role" defaultValue={role}>
            <option value="">{t('users.roleAll')}</option>
            <option value="admin">{t('users.roleAdmin')}</option>
            <option value="moderator">{t('users.roleModerator')}</option>
          </select>
        </div>
        <button type="submit">{t('users.searchSubmit')}</button>
      </Form>
      {users.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('users.pseudonym')}</th>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.roles')}</th>
              <th scope="col">{t('users.created')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link to={`/admin/utilisateurs/${u.id}`}>{u.pseudonym}</Link>
                </td>
                <td>{u.email}</td>
                <td>
                  {[
                    u.isAdmin ? t('users.admin') : null,
                    u.scopeCount ? t('users.moderator') : null,
                    u.isDemo ? t('users.demo') : null,
                    u.deleted ? t('users.deleted') : null,
                    u.isAdmin || u.scopeCount
                      ? u.totpEnabled
                        ? t('users.totpOn')
                        : t('users.totpOff')
                      : null,
                  ]
                    .filter(Boolean)
                    .join(', ')}
                </td>
                <td>
                  {new Date(u.createdAt).toLocaleDateString(
                    i18n.language === 'en' ? 'en-GB' : 'fr-FR',
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{t('users.none')}</p>
      )}
    </>
  );
}
