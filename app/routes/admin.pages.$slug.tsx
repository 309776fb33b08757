import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { AdminNav } from '~/components/identity/admin-nav';
import { adminT } from '~/domain/admin/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';
import { isLegalSlug } from '~/domain/legal/defaults';
import { getLegalPage, saveLegalPage } from '~/domain/legal/legal.server';

// Admins edit a legal page in French and English; a new version of the terms of use makes
// every account accept them again at its next sign-in.
export const handle: RouteHandle = { access: 'admin', i18n: ['admin', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  if (!isLegalSlug(params.slug)) throw new Response('Not found', { status: 404 });
  const t = await adminT(request);
  const [fr, en] = await Promise.all([
    getLegalPage(context.db, params.slug, 'fr'),
    getLegalPage(context.db, params.slug, 'en'),
  ]);
  return {
    title: t('admin:pages.editTitle', { title: fr.title }),
    slug: params.slug,
    info: new URL(request.url).searchParams.get('version'),
    pages: [fr, en].map((p) => ({
      locale: p.locale,
      title: p.title,
      body: p.body,
      version: p.version,
    })),
  };
}

const schema = z.object({
  locale: z.enum(['fr', 'en']),
  title: z.string().trim().min(2).max(200),
  body: z.string().trim().min(1).max(50_000),
  newVersion: z.literal('on').optional(),
});

export async function action({ request, context, params }: ActionFunctionArgs) {
  const admin = await requireAdmin(context, request);
  if (!isLegalSlug(params.slug)) throw new Response('Not found', { status: 404 });
  const t = await adminT(request);
  const parsed = schema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ error: t('admin:user.invalid') }, { status: 400 });
  const version = await saveLegalPage(context.db, admin.id, {
    slug: params.slug,
    locale: parsed.data.locale,
    title: parsed.data.title,
    body: parsed.data.body,
    newVersion: params.slug === 'conditions' && parsed.data.newVersion === 'on',
  });
  return redirect(`/admin/pages/${params.slug}?version=${version}`);
}

export default function EditLegalPage() {
  const { t } = useTranslation('admin');
  const { slug, pages, info } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <>
      <h1>{t('pages.editTitle', { title: pages[0]!.title })}</h1>
      <AdminNav />
      <p>
        <Link to={`/${slug}`}>{t('pages.view')}</Link>
      </p>
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : info ? (
        <p className="notice ok" role="status">
          {t('pages.saved', { version: info })}
        </p>
      ) : null}
      {pages.map((p) => (
        <section key={p.locale} aria-labelledby={`h-${p.locale}`} lang={p.locale}>
          <h2 id={`h-${p.locale}`}>
            {p.locale === 'fr' ? t('pages.french') : t('pages.english')} —{' '}
            {t('pages.version', { version: p.version })}
          </h2>
          <Form method="post" className="stack wide">
            <input type="hidden" name="locale" value={p.locale} />
            <div>
              <label htmlFor={`title-${p.locale}`}>{t('pages.titleField')}</label>
              <input
                id={`title-${p.locale}`}
                name="title"
                defaultValue={p.title}
                required
                maxLength={200}
              />
            </div>
            <div>
              <label htmlFor={`body-${p.locale}`}>{t('pages.body')}</label>
              <p className="hint" id={`body-hint-${p.locale}`}>
                {t('pages.bodyHint')}
              </p>
              <textarea
                id={`body-${p.locale}`}
                name="body"
                defaultValue={p.body}
                rows={14}
                required
                aria-describedby={`body-hint-${p.locale}`}
              />
            </div>
            {slug === 'conditions' ? (
              <div>
                <label htmlFor={`nv-${p.locale}`} className="checkbox-label">
                  <input type="checkbox" id={`nv-${p.locale}`} name="newVersion" value="on" />{' '}
                  {t('pages.newVersion')}
                </label>
              </div>
            ) : null}
            <button type="submit">{t('pages.save')}</button>
          </Form>
        </section>
      ))}
    </>
  );
}
