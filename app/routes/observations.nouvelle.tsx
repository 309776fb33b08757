// /observations/nouvelle — report an observation: a point on the map (click, drag, typed
// coordinates or "use my position"), a category, a description, when, an optional photo.
// A plain POST form: without JavaScript the coordinates are typed and there is no photo.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import uppyCoreCss from '@uppy/core/css/style.min.css?url';
import uppyDashboardCss from '@uppy/dashboard/css/style.min.css?url';
import leafletCss from 'leaflet/dist/leaflet.css?url';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Field, FieldError } from '~/components/form-field';
import type { FieldErrors } from '~/components/form-field';
import { communeFromOutlines } from '~/components/observations/commune-hint';
import ObservationMap from '~/components/observations/observation-map.client';
import observationsCss from '~/components/observations/observations.css?url';
import UploadWidget from '~/components/upload-widget.client';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';
import { mapTileUrl, observationsT } from '~/domain/observations/http.server';
import { DESCRIPTION_MAX, observationFieldsFrom, toParisLocalInput } from '~/domain/observations/observations.schema';
import type { Translate } from '~/domain/observations/observations.schema';
import { communeOutlines, listCategories, ObservationError, submitObservation } from '~/domain/observations/observations.server';
import { formatBytes } from '~/domain/uploads/uploads.schema';
import { getUploadSettings } from '~/domain/uploads/upload-settings.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: ['observations', 'uploads'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: leafletCss },
  { rel: 'stylesheet', href: uppyCoreCss },
  { rel: 'stylesheet', href: uppyDashboardCss },
  { rel: 'stylesheet', href: observationsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.pageTitle ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const t = await observationsT(request);
  const lng = await getLanguage(request);
  const settings = getUploadSettings(context);
  return {
    pageTitle: t('observations:new.title'),
    categories: await listCategories(context.db, lng),
    outlines: await communeOutlines(context.db),
    tileUrl: mapTileUrl(),
    now: toParisLocalInput(new Date()),
    upload: {
      endpoint: settings.endpoint,
      chunkBytes: settings.chunkBytes,
      maxBytes: settings.maxBytes.photo,
      extensions: settings.extensions.photo,
    },
  };
}

type ActionResult = { errors: FieldErrors; values: Record<string, string> };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const form = await request.formData();
  const t: Translate = await observationsT(request);
  const raw = observationFieldsFrom(form);
  try {
    const r = await submitObservation(context.db, user, raw, {
      t,
      storage: context.storage,
      lng: await getLanguage(request),
    });
    return redirect(`/observations/${r.id}?envoyee=${r.state === 'published' ? 'publiee' : '1'}`);
  } catch (e) {
    if (e instanceof ObservationError) {
      const values = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 10_000) : '']));
      return data<ActionResult>({ errors: e.fieldErrors, values }, { status: 422 });
    }
    throw e;
  }
}

export default function NewObservation() {
  const { t } = useTranslation(['observations', 'uploads']);
  const { categories, outlines, tileUrl, now, upload } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const errors = actionData?.errors ?? {};
  const values = actionData?.values ?? {};
  const navigation = useNavigation();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [lon, setLon] = useState(values.lon ?? '');
  const [lat, setLat] = useState(values.lat ?? '');
  const [photo, setPhoto] = useState<{ id: string; name: string } | null>(null);
  const [locating, setLocating] = useState<'idle' | 'busy' | 'denied'>('idle');
  const point = useMemo(() => {
    const x = Number(lon.replace(',', '.'));
    const y = Number(lat.replace(',', '.'));
    return lon.trim() && lat.trim() && Number.isFinite(x) && Number.isFinite(y) ? { lon: x, lat: y } : null;
  }, [lon, lat]);
  const commune = hydrated && point ? communeFromOutlines(outlines, point.lon, point.lat) : null;
  const pick = (x: number, y: number) => {
    setLon(String(x));
    setLat(String(y));
  };
  const useMyPosition = () => {
    if (!('geolocation' in navigator)) return setLocating('denied');
    setLocating('busy');
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setLocating('idle');
        pick(Number(p.coords.longitude.toFixed(6)), Number(p.coords.latitude.toFixed(6)));
      },
      () => setLocating('denied'),
      { enableHighAccuracy: true, timeout: 15_000 },
    );
  };
  const uppyStrings = useMemo(() => {
    const s = t('uploads:uppy', { returnObjects: true }) as unknown;
    return typeof s === 'object' && s ? (s as Record<string, string>) : undefined;
  }, [t]);
  const pointErrors = [...(errors.point ?? [])];
  const fieldError = (name: string) => errors[name];
  const hasErrors = Object.values(errors).some((v) => v?.length);

  return (
    <section aria-labelledby="new-title" className="stack wide">
      <h1 id="new-title">{t('new.title')}</h1>
      <p>{t('new.intro')}</p>
      {hasErrors ? (
        <div className="notice error" role="alert">
          <p>{t('new.errorSummary')}</p>
          <ul>
            {Object.entries(errors).flatMap(([k, v]) => (v ?? []).map((m, i) => <li key={`${k}-${i}`}>{m}</li>))}
          </ul>
        </div>
      ) : null}
      <Form method="post" className="stack" noValidate>
        <fieldset className="stack">
          <legend>{t('fields.point')}</legend>
          {hydrated ? (
            <>
              <ObservationMap
                outlines={outlines}
                tileUrl={tileUrl}
                label={t('map.label')}
                markerLabel={t('map.marker')}
                value={point}
                onPick={pick}
              />
              <p className="button-row">
                <button type="button" className="secondary" onClick={useMyPosition} disabled={locating === 'busy'}>
                  {t('map.useMyPosition')}
                </button>
              </p>
              <p aria-live="polite" className="hint" data-testid="commune-hint">
                {locating === 'busy'
                  ? t('map.locating')
                  : locating === 'denied'
                    ? t('map.positionDenied')
                    : point
                      ? commune
                        ? t('map.commune', { name: commune })
                        : t('map.outside')
                      : ''}
              </p>
            </>
          ) : null}
          <p id="coords-hint" className="hint">
            {t('fields.coordinatesHint')}
          </p>
          <div className="observation-coordinates">
            {(
              [
                ['lon', lon, setLon],
                ['lat', lat, setLat],
              ] as const
            ).map(([name, value, setValue]) => (
              <Field
                key={name}
                id={`f-${name}`}
                className="field"
                label={t(`fields.${name}`)}
                errors={fieldError(name)}
                sharedHintId="coords-hint"
                alsoDescribedBy={[pointErrors.length > 0 && 'f-point-error']}
                invalid={pointErrors.length > 0}
              >
                {(control) => (
                  <input {...control} name={name} inputMode="decimal" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
                )}
              </Field>
            ))}
          </div>
          <FieldError id="f-point" errors={pointErrors.length ? pointErrors : undefined} />
        </fieldset>

        <Field id="f-category" label={t('fields.category')} errors={fieldError('category')}>
          {(control) => (
            <select {...control} name="category" defaultValue={values.category ?? ''}>
              <option value="">{t('fields.chooseCategory')}</option>
              {categories.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>

        <Field
          id="f-description"
          label={t('fields.description')}
          hint={t('fields.descriptionHint', { max: DESCRIPTION_MAX })}
          errors={fieldError('description')}
        >
          {(control) => <textarea {...control} name="description" rows={5} defaultValue={values.description ?? ''} />}
        </Field>

        <Field id="f-observedAt" label={t('fields.observedAt')} hint={t('fields.observedAtHint')} errors={fieldError('observedAt')}>
          {(control) => <input {...control} name="observedAt" type="datetime-local" max={now} defaultValue={values.observedAt ?? now} />}
        </Field>

        <fieldset className="stack">
          <legend>{t('fields.photo')}</legend>
          <p className="hint">{t('fields.photoHint', { max: formatBytes(upload.maxBytes) })}</p>
          <input type="hidden" name="photoUploadId" value={photo?.id ?? ''} />
          {hydrated ? (
            photo ? (
              <p className="notice ok" data-testid="photo-ready">
                {t('fields.photoReady', { name: photo.name })}{' '}
                <button type="button" className="secondary" onClick={() => setPhoto(null)}>
                  {t('fields.photoRemove')}
                </button>
              </p>
            ) : (
              <UploadWidget
                purpose="photo"
                endpoint={upload.endpoint}
                chunkBytes={upload.chunkBytes}
                maxBytes={upload.maxBytes}
                extensions={upload.extensions}
                strings={uppyStrings}
                label={t('fields.photo')}
                formatError={(name, message) => t('uploads:widget.failed', { name, message: message || t('uploads:refusal.generic') })}
                onUploaded={(file) => {
                  const id = file.uploadUrl?.split('/').filter(Boolean).pop();
                  if (id) setPhoto({ id, name: file.name });
                }}
              />
            )
          ) : (
            <p className="hint">{t('fields.photoNoScript')}</p>
          )}
          <FieldError id="f-photo" errors={fieldError('photoUploadId')} />
        </fieldset>

        <p>
          <button type="submit" disabled={navigation.state === 'submitting'}>
            {t('new.submit')}
          </button>
        </p>
      </Form>
    </section>
  );
}
