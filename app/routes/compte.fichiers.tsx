// /compte/fichiers: send files (Uppy + tus, resumable) and follow their checks. Hosts the
// upload widget until the contribution wizard does.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import uppyCoreCss from '@uppy/core/css/style.min.css?url';
import uppyDashboardCss from '@uppy/dashboard/css/style.min.css?url';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import UploadWidget from '~/components/upload-widget.client';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';
import { getUploadSettings } from '~/domain/uploads/upload-settings.server';
import { formatBytes, uploadPurposes } from '~/domain/uploads/uploads.schema';
import type { UploadPurpose, UploadView } from '~/domain/uploads/uploads.schema';
import { listOwnUploads } from '~/domain/uploads/uploads.server';
import { getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'uploads' };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: uppyCoreCss },
  { rel: 'stylesheet', href: uppyDashboardCss },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.title ?? 'terridata' },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await getT(request, 'uploads');
  const settings = getUploadSettings(context);
  return {
    title: `${t('page.title')} — terridata`,
    settings: {
      endpoint: settings.endpoint,
      chunkBytes: settings.chunkBytes,
      maxBytes: settings.maxBytes,
      expiryHours: settings.expiryHours,
      extensions: settings.extensions,
    },
    uploads: await listOwnUploads(context.db, user.id),
  };
}

const stillMoving = (uploads: UploadView[]) =>
  uploads.some((u) => u.status === 'uploading' || u.status === 'complete');

async function fetchUploads(): Promise<UploadView[]> {
  const res = await fetch('/api/v1/uploads', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /api/v1/uploads: ${res.status}`);
  return ((await res.json()) as { uploads: UploadView[] }).uploads;
}

export default function MyFiles() {
  const { settings, uploads: initial } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation('uploads');
  const lng = i18n.language === 'en' ? 'en' : 'fr';
  const [purpose, setPurpose] = useState<UploadPurpose>('dataset');
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [active, setActive] = useState(false);

  const queryClient = useQueryClient();
  const { data: uploads = initial } = useQuery({
    queryKey: ['uploads'],
    queryFn: fetchUploads,
    initialData: initial,
    // Live status while bytes arrive or checks run; quiet otherwise.
    refetchInterval: (q) => (active || stillMoving(q.state.data ?? []) ? 2_000 : false),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['uploads'] });

  const dateFormat = new Intl.DateTimeFormat(lng === 'en' ? 'en-GB' : 'fr-FR', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Europe/Paris',
  });
  // One object per language: the widget re-creates Uppy when its strings change.
  const uppyStrings = useMemo(() => {
    const s = t('uppy', { returnObjects: true }) as unknown;
    return typeof s === 'object' && s ? (s as Record<string, string>) : undefined;
  }, [t]);

  return (
    <div className="stack">
      <h1>{t('page.title')}</h1>
      <p>{t('page.intro')}</p>
      <p className="hint">
        {t('page.limits', {
          datasetTypes: settings.extensions.dataset.join(', '),
          datasetMax: formatBytes(settings.maxBytes.dataset),
          photoTypes: settings.extensions.photo.join(', '),
          photoMax: formatBytes(settings.maxBytes.photo),
          hours: settings.expiryHours,
        })}
      </p>

      <fieldset>
        <legend>{t('page.purposeLabel')}</legend>
        {uploadPurposes.map((p) => (
          <label key={p} className="inline-choice">
            <input
              type="radio"
              name="purpose"
              value={p}
              checked={purpose === p}
              onChange={() => setPurpose(p)}
            />{' '}
            {t(`page.purpose.${p}`)}
          </label>
        ))}
      </fieldset>

      {hydrated && UploadWidget ? (
        <UploadWidget
          key={purpose}
          purpose={purpose}
          endpoint={settings.endpoint}
          chunkBytes={settings.chunkBytes}
          maxBytes={settings.maxBytes[purpose]}
          extensions={settings.extensions[purpose]}
          strings={uppyStrings}
          label={t('widget.label')}
          formatError={(name, message) =>
            t('widget.failed', { name, message: message || t('refusal.generic') })
          }
          onProgress={() => {
            setActive(true);
            refresh();
          }}
          onUploaded={() => {
            setActive(false);
            refresh();
          }}
        />
      ) : (
        <p className="notice">{t('page.noScript')}</p>
      )}

      <section aria-labelledby="uploads-title" className="stack">
        <h2 id="uploads-title">{t('page.listTitle')}</h2>
        {uploads.length === 0 ? (
          <p>{t('page.empty')}</p>
        ) : (
          <div className="table-scroll">
            <table className="uploads-table">
              <thead>
                <tr>
                  <th scope="col">{t('page.col.file')}</th>
                  <th scope="col">{t('page.col.purpose')}</th>
                  <th scope="col">{t('page.col.size')}</th>
                  <th scope="col">{t('page.col.progress')}</th>
                  <th scope="col">{t('page.col.status')}</th>
                  <th scope="col">{t('page.col.format')}</th>
                  <th scope="col">{t('page.col.date')}</th>
                </tr>
              </thead>
              <tbody>
                {uploads.map((u) => (
                  <tr key={u.id} data-upload-id={u.id} data-status={u.status}>
                    <th scope="row">{u.filename}</th>
                    <td>{t(`page.purpose.${u.purpose}`)}</td>
                    <td>{formatBytes(u.declaredSize)}</td>
                    <td>
                      {u.declaredSize ? Math.floor((u.offset / u.declaredSize) * 100) : 100} %
                    </td>
                    <td>
                      <span className={`upload-status upload-status-${u.status}`}>
                        {t(`status.${u.status}`)}
                      </span>
                      {u.expiresAt ? (
                        <span className="hint">
                          {' '}
                          ({t('page.expiresAt', { date: dateFormat.format(new Date(u.expiresAt)) })}
                          )
                        </span>
                      ) : null}
                      {u.problems.length ? (
                        <ul className="field-error">
                          {u.problems.map((p) => (
                            <li key={p.code}>{p[lng] || p.code}</li>
                          ))}
                        </ul>
                      ) : null}
                    </td>
                    <td>{u.detectedFormat ?? '—'}</td>
                    <td>{dateFormat.format(new Date(u.createdAt))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
