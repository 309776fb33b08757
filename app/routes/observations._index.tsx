// /observations — the map and list of published observations; for a signed-in citizen,
// also those waiting for confirmation by others.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import leafletCss from 'leaflet/dist/leaflet.css?url';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ObservationMap from '~/components/observations/observation-map.client';
import observationsCss from '~/components/observations/observations.css?url';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser } from '~/domain/identity/session.server';
import { mapTileUrl, observationsT } from '~/domain/observations/http.server';
import type { MapObservation } from '~/domain/observations/observations.server';
import { communeOutlines, listObservations } from '~/domain/observations/observations.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public', i18n: 'observations' };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: leafletCss },
  { rel: 'stylesheet', href: observationsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.pageTitle ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getSessionUser(context, request);
  const lng = await getLanguage(request);
  const t = await observationsT(request);
  return {
    pageTitle: t('observations:title'),
    signedIn: Boolean(user),
    published: await listObservations(context.db, { viewerId: null, lng }),
    awaiting: user ? await listObservations(context.db, { viewerId: user.id, lng, awaiting: true, limit: 50 }) : [],
    outlines: await communeOutlines(context.db),
    tileUrl: mapTileUrl(),
  };
}

function List({ items }: { items: (Omit<MapObservation, 'observedAt'> & { observedAt: string | Date })[] }) {
  const { t, i18n } = useTranslation('observations');
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' });
  if (!items.length) return <p>{t('list.empty')}</p>;
  return (
    <ul className="stack">
      {items.map((o) => (
        <li key={o.id} data-observation-id={o.id}>
          <Link to={`/observations/${o.id}`}>
            {o.categoryLabel} — {o.communeName}
          </Link>{' '}
          ({fmt.format(new Date(o.observedAt))}) <span className={`badge grade-${o.grade}`}>{t(`grades.${o.grade}`)}</span>
          {o.resolved ? <span className="badge">{t('list.resolved')}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export default function Observations() {
  const { t } = useTranslation('observations');
  const { published, awaiting, signedIn, outlines, tileUrl } = useLoaderData<typeof loader>();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const points = useMemo(
    () => published.map((o) => ({ id: o.id, lon: o.lon, lat: o.lat, label: `${o.categoryLabel} — ${o.communeName}`, href: `/observations/${o.id}`, confirmed: o.grade === 'confirmed' })),
    [published],
  );
  return (
    <section aria-labelledby="obs-title" className="stack wide">
      <h1 id="obs-title">{t('title')}</h1>
      <p>{t('intro')}</p>
      {signedIn ? (
        <p>
          <Link className="button" to="/observations/nouvelle">
            {t('list.new')}
          </Link>
        </p>
      ) : null}
      {hydrated ? <ObservationMap outlines={outlines} tileUrl={tileUrl} label={t('map.publishedLabel')} points={points} /> : null}
      {signedIn && awaiting.length ? (
        <section aria-labelledby="awaiting-title" className="stack">
          <h2 id="awaiting-title">{t('list.awaiting')}</h2>
          <p className="hint">{t('list.awaitingHint')}</p>
          <List items={awaiting} />
        </section>
      ) : null}
      <section aria-labelledby="published-title" className="stack">
        <h2 id="published-title">{t('list.published')}</h2>
        <List items={published} />
      </section>
    </section>
  );
}
