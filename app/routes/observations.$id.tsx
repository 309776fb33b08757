// /observations/:id — one observation: where, what, when, its photo (re-encoded only), its
// grade and confirmations, and the "je l'ai vu aussi" button for other signed-in citizens.
// Published observations are public; waiting ones are seen by signed-in citizens (to
// confirm them), their author and moderators; a retracted one leaves a tombstone.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import leafletCss from 'leaflet/dist/leaflet.css?url';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ObservationMap from '~/components/observations/observation-map.client';
import observationsCss from '~/components/observations/observations.css?url';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser, requireUser } from '~/domain/identity/session.server';
import { mapTileUrl, observationsT } from '~/domain/observations/http.server';
import { communeOutlines, confirmObservation, getObservationPage, ObservationError } from '~/domain/observations/observations.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public', i18n: 'observations' };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: leafletCss },
  { rel: 'stylesheet', href: observationsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.page.observation.title ?? ''} — terridata` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await getSessionUser(context, request);
  const page = await getObservationPage(context.db, params.id ?? '', user?.id ?? null, await getLanguage(request));
  if (!page) throw new Response('Not found', { status: 404 });
  const outlines = await communeOutlines(context.db);
  // Only the observation's commune is drawn: a small map.
  const own = { ...outlines, features: outlines.features.filter((f) => (f as { properties: { code: string } }).properties.code === page.observation.communeCode) };
  return { page, signedIn: Boolean(user), outlines: own, tileUrl: mapTileUrl() };
}

type ActionResult = { error: string };

export async function action({ request, context, params }: ActionFunctionArgs) {
  // Signed out: to the sign-in page, and back here afterwards.
  const user = await requireUser(context, request);
  const form = await request.formData();
  const t = await observationsT(request);
  const id = params.id ?? '';
  if (form.get('intent') !== 'confirm') return data<ActionResult>({ error: t('common:form.invalid') }, { status: 400 });
  try {
    await confirmObservation(context.db, user.id, id);
  } catch (e) {
    if (e instanceof ObservationError) {
      if (e.code === 'not_found') throw new Response('Not found', { status: 404 });
      const status = e.code === 'already_confirmed' || e.code === 'not_confirmable' ? 409 : 403;
      return data<ActionResult>({ error: t(`observations:errors.${e.code}`) }, { status });
    }
    throw e;
  }
  return redirect(`/observations/${id}?confirmee=1`);
}

export default function ObservationPageView() {
  const { t, i18n } = useTranslation('observations');
  const { page, signedIn, outlines, tileUrl } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const [params] = useSearchParams();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const o = page.observation;
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });
  const points = useMemo(() => [{ lon: o.lon, lat: o.lat, label: o.title, confirmed: o.grade === 'confirmed' }], [o.lon, o.lat, o.title, o.grade]);
  const sent = params.get('envoyee');

  if (page.tombstone && !page.mine && !page.isModerator) {
    return (
      <section aria-labelledby="obs-title" className="stack wide">
        <h1 id="obs-title">{o.title}</h1>
        <p className="notice warn">{t('page.tombstone', { date: page.tombstone.at ? fmt.format(new Date(page.tombstone.at)) : '—' })}</p>
        {page.tombstone.reason ? <p>{t('page.tombstoneReason', { reason: page.tombstone.reason })}</p> : null}
      </section>
    );
  }

  return (
    <article aria-labelledby="obs-title" className="stack wide" data-observation-id={o.id} data-state={o.state} data-grade={o.grade}>
      <h1 id="obs-title">{o.title}</h1>
      {sent ? (
        <p className="notice ok" role="status">
          {sent === 'publiee' ? t('new.published') : t('new.submitted')}
        </p>
      ) : null}
      {params.get('confirmee') ? (
        <p className="notice ok" role="status">
          {t('page.confirmed')}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="notice error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {page.tombstone ? <p className="notice warn">{t('page.tombstone', { date: page.tombstone.at ? fmt.format(new Date(page.tombstone.at)) : '—' })}</p> : null}
      <p>
        <span className={`badge badge-${o.state}`} data-testid="state">
          {t(`states.${o.state}`)}
        </span>{' '}
        <span className={`badge grade-${o.grade}`} data-testid="grade">
          {t(`grades.${o.grade}`)}
        </span>{' '}
        {o.state === 'published' ? <span className="badge">{o.resolvedAt ? t('page.resolved', { date: fmt.format(new Date(o.resolvedAt)) }) : t('page.open')}</span> : null}
      </p>
      {o.state !== 'published' && !page.tombstone ? <p className="hint">{t('page.notPublishedYet')}</p> : null}
      <dl className="facts">
        <dt>{t('page.category')}</dt>
        <dd>{o.categoryLabel}</dd>
        <dt>{t('page.commune')}</dt>
        <dd>{o.communeName}</dd>
        <dt>{t('page.coordinates')}</dt>
        <dd>
          {o.lat.toFixed(5)}, {o.lon.toFixed(5)}
        </dd>
        <dt>{t('page.confirmations')}</dt>
        <dd data-testid="confirmations">{t('page.confirmationsCount', { count: o.confirmations })}</dd>
      </dl>
      <p>{t('page.observedAt', { date: fmt.format(new Date(o.observedAt)) })}</p>
      <p>{t('page.by', { pseudonym: o.author })}</p>
      <p style={{ whiteSpace: 'pre-wrap' }}>{o.description}</p>
      {o.hasPhoto ? (
        <img className="observation-photo" src={`/observations/${o.id}/photo`} alt={t('page.photoAlt')} data-testid="photo" />
      ) : o.photoState === 'pending' ? (
        <p className="hint">{t('page.photoPending')}</p>
      ) : o.photoState === 'failed' && (page.mine || page.isModerator) ? (
        <p className="hint">{t('page.photoFailed')}</p>
      ) : null}
      {hydrated ? <ObservationMap outlines={outlines} tileUrl={tileUrl} label={t('map.publishedLabel')} points={points} className="observation-map small" /> : null}

      {page.canConfirm ? (
        <Form method="post" className="stack">
          <p className="hint">{t('page.confirmHint')}</p>
          <p>
            <button type="submit" name="intent" value="confirm">
              {t('page.confirm')}
            </button>
          </p>
        </Form>
      ) : page.confirmedByMe ? (
        <p className="notice ok">{t('page.youConfirmed')}</p>
      ) : !signedIn ? (
        <p>
          <Link to={`/connexion?redirectTo=${encodeURIComponent(`/observations/${o.id}`)}`}>{t('errors.signInToConfirm')}</Link>
        </p>
      ) : null}

      {page.decisions.length ? (
        <section aria-labelledby="decisions-title" className="stack">
          <h2 id="decisions-title">{t('page.decisions')}</h2>
          <ul>
            {page.decisions.map((d, i) => (
              <li key={i}>
                {fmt.format(new Date(d.at))} — {t(`actions.${d.action}`)}
                {d.comment ? ` : ${d.comment}` : ''}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  );
}
