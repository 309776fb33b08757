import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import type { RouteHandle } from '~/domain/identity/access';
import { identityT, mailingFor } from '~/domain/identity/http.server';
import { requireOrgAdmin } from '~/domain/identity/permissions.server';
import {
  decideJoinRequest,
  getOrganizationBySlug,
  listJoinRequests,
  listMembers,
  updateMember,
} from '~/domain/organizations/organizations.server';

// An organisation's admins approve join requests and manage members. An unknown
// organisation answers 403 like one the caller does not administer.
export const handle: RouteHandle = { access: 'member', i18n: ['identity', 'reuses'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

async function guard(args: LoaderFunctionArgs) {
  const org = await getOrganizationBySlug(args.context.db, args.params.slug ?? '');
  const user = await requireOrgAdmin(args.context, args.request, org?.id ?? '');
  return { org: org!, user };
}

export async function loader(args: LoaderFunctionArgs) {
  const { org, user } = await guard(args);
  const t = await identityT(args.request);
  const [requests, members] = await Promise.all([
    listJoinRequests(args.context.db, org.id),
    listMembers(args.context.db, org.id),
  ]);
  return {
    title: t('orgs.manageTitle', { name: org.name }),
    org: { slug: org.slug, name: org.name },
    me: user.id,
    info: new URL(args.request.url).searchParams.get('info'),
    requests: requests.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
    members: members.map((m) => ({ ...m, since: m.since.toISOString() })),
  };
}

const actionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('approve'), requestId: z.uuid() }),
  z.object({ intent: z.literal('reject'), requestId: z.uuid() }),
  z.object({ intent: z.literal('role'), userId: z.uuid(), role: z.enum(['member', 'admin']) }),
  z.object({ intent: z.literal('remove'), userId: z.uuid() }),
]);

export async function action(args: ActionFunctionArgs) {
  const { org, user } = await guard(args);
  const t = await identityT(args.request);
  const parsed = actionSchema.safeParse(Object.fromEntries(await args.request.formData()));
  if (!parsed.success) return data({ error: t('identity:errors.invalid') }, { status: 400 });
  const v = parsed.data;
  const db = args.context.db;
  if (v.intent === 'approve' || v.intent === 'reject') {
    const ok = await decideJoinRequest(
      db,
      user.id,
      org.id,
      v.requestId,
      v.intent === 'approve',
      await mailingFor(args.context, args.request),
    );
    if (!ok) return data({ error: t('identity:errors.invalid') }, { status: 409 });
    return redirect(`/organisations/${org.slug}/gestion?info=decide`);
  }
  const r = await updateMember(
    db,
    org.id,
    v.userId,
    v.intent === 'remove' ? { remove: true } : { role: v.role },
  );
  if (r === 'lastAdmin') return data({ error: t('identity:orgs.lastAdmin') }, { status: 409 });
  if (r === 'notMember') return data({ error: t('identity:errors.invalid') }, { status: 404 });
  return redirect(`/organisations/${org.slug}/gestion?info=membre`);
}

export default function ManageOrganization() {
  const { t, i18n } = useTranslation('identity');
  const { t: tr } = useTranslation('reuses');
  const { org, requests, members, info, me } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const date = (iso: string) =>
    new Date(iso).toLocaleDateString(i18n.language === 'en' ? 'en-GB' : 'fr-FR');
  return (
    <>
      <h1>{t('orgs.manageTitle', { name: org.name })}</h1>
      <p>
        <Link to={`/organisations/${org.slug}/jetons`}>{tr('tokens.listTitle')}</Link> ·{' '}
        <Link to={`/organisations/${org.slug}/usage`}>{tr('usage.link')}</Link>
      </p>
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : info === 'decide' ? (
        <p className="notice ok" role="status">
          {t('orgs.decided')}
        </p>
      ) : info === 'membre' ? (
        <p className="notice ok" role="status">
          {t('orgs.memberUpdated')}
        </p>
      ) : null}
      <section aria-labelledby="requests-title">
        <h2 id="requests-title">{t('orgs.requests')}</h2>
        {requests.length ? (
          <ul>
            {requests.map((r) => (
              <li key={r.id}>
                <p>
                  <strong>{t('orgs.requestedBy', { pseudonym: r.pseudonym })}</strong> —{' '}
                  {date(r.createdAt)}
                </p>
                {r.message ? <blockquote>{r.message}</blockquote> : null}
                <Form method="post">
                  <input type="hidden" name="requestId" value={r.id} />
                  <button type="submit" name="intent" value="approve">
                    {t('orgs.approve')}
                  </button>{' '}
                  <button type="submit" name="intent" value="reject" className="secondary">
                    {t('orgs.reject')}
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        ) : (
          <p>{t('orgs.noRequests')}</p>
        )}
      </section>
      <section aria-labelledby="members-title">
        <h2 id="members-title">{t('orgs.members', { count: members.length })}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('fields.pseudonym')}</th>
              <th scope="col">{t('account.roles')}</th>
              <th scope="col">{t('orgs.since')}</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId}>
                <td>{m.pseudonym}</td>
                <td>{t(`orgs.role.${m.role}`)}</td>
                <td>{date(m.since)}</td>
                <td>
                  <Form method="post">
                    <input type="hidden" name="userId" value={m.userId} />
                    <input
                      type="hidden"
                      name="role"
                      value={m.role === 'admin' ? 'member' : 'admin'}
                    />
                    <button type="submit" name="intent" value="role" className="secondary">
                      {m.role === 'admin' ? t('orgs.makeMember') : t('orgs.makeAdmin')}
                    </button>{' '}
                    {m.userId !== me ? (
                      <button type="submit" name="intent" value="remove" className="danger">
                        {t('orgs.remove')}
                      </button>
                    ) : null}
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
