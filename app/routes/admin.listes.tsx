// /admin/listes — the reference lists admins manage: dataset themes and observation categories.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { AdminNav } from '~/components/identity/admin-nav';
import { listReferenceEntries, referenceEntrySchema, saveReferenceEntry } from '~/domain/admin/reference-lists.server';
import type { ReferenceListName } from '~/domain/admin/reference-lists.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireAdmin } from '~/domain/identity/permissions.server';

export const handle: RouteHandle = { access: 'admin', i18n: 'common' };

export const meta: MetaFunction = () => [{ title: 'Listes de référence — terridata' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return {
    theme: await listReferenceEntries(context.db, 'theme'),
    observation_category: await listReferenceEntries(context.db, 'observation_category'),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(context, request);
  const parsed = referenceEntrySchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    const errors: Record<string, string[]> = {};
    for (const i of parsed.error.issues) (errors[i.path.join('.')] ??= []).push(i.message);
    return data({ ok: false as const, errors }, { status: 400 });
  }
  await saveReferenceEntry(context.db, admin.id, parsed.data);
  return data({ ok: true as const, errors: {} as Record<string, string[]> });
}

function ListSection({ list, title }: { list: ReferenceListName; title: string }) {
  const { t } = useTranslation('common');
  const entries = useLoaderData<typeof loader>()[list];
  return (
    <section aria-labelledby={`${list}-title`} className="stack wide">
      <h2 id={`${list}-title`}>{title}</h2>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('lists.code')}</th>
              <th scope="col">{t('lists.labelFr')}</th>
              <th scope="col">{t('lists.labelEn')}</th>
              <th scope="col">{t('lists.position')}</th>
              <th scope="col">{t('lists.active')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('form.save')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {[...entries, null].map((e, i) => {
              const id = `${list}-${i}`;
              return (
                <tr key={e?.code ?? 'new'}>
                  <td>
                    <Form method="post" id={id}>
                      <input type="hidden" name="list" value={list} />
                    </Form>
                    {e ? (
                      <>
                        <code>{e.code}</code>
                        <input type="hidden" name="code" value={e.code} form={id} />
                      </>
                    ) : (
                      <input name="code" form={id} aria-label={`${t('lists.new')} — ${t('lists.code')}`} required />
                    )}
                  </td>
                  <td>
                    <input name="labelFr" form={id} defaultValue={e?.labelFr} aria-label={`${e?.code ?? t('lists.new')} — ${t('lists.labelFr')}`} required />
                  </td>
                  <td>
                    <input name="labelEn" form={id} defaultValue={e?.labelEn} aria-label={`${e?.code ?? t('lists.new')} — ${t('lists.labelEn')}`} required />
                  </td>
                  <td>
                    <input name="position" type="number" min={0} form={id} defaultValue={e?.position ?? entries.length} aria-label={`${e?.code ?? t('lists.new')} — ${t('lists.position')}`} />
                  </td>
                  <td>
                    <input name="active" type="checkbox" form={id} defaultChecked={e?.active ?? true} aria-label={`${e?.code ?? t('lists.new')} — ${t('lists.active')}`} />
                  </td>
                  <td>
                    <button type="submit" form={id}>
                      {e ? t('form.save') : t('lists.add')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export default function ReferenceLists() {
  const { t } = useTranslation('common');
  const actionData = useActionData<typeof action>();
  return (
    <div className="stack wide">
      <h1>{t('lists.title')}</h1>
      <AdminNav />
      {actionData && !actionData.ok ? (
        <div className="notice error" role="alert">
          <ul>
            {Object.entries(actionData.errors).map(([k, v]) => (
              <li key={k}>{v.join(' ')}</li>
            ))}
          </ul>
        </div>
      ) : actionData?.ok ? (
        <p className="notice ok" role="status">
          {t('lists.saved')}
        </p>
      ) : null}
      <ListSection list="theme" title={t('lists.themes')} />
      <ListSection list="observation_category" title={t('lists.categories')} />
    </div>
  );
}
