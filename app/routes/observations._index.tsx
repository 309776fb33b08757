// /observations — the public map of published observations: clusters (or, zoomed in, points)
// fetched from /api/v1/observations for the view as the map moves (React Query; a
// superseded request is aborted), filters and view in the URL (shareable), a detail panel,
// and the list of the newest observations in the view for keyboard and screen-reader users
// (rendered by the server too, so it works without JavaScript). A signed-in citizen also
// sees the observations waiting for confirmation.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import leafletCss from 'leaflet/dist/leaflet.css?url';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import PublicObservationMap from '~/components/observations/public-map.client';
import type { MapFeature, MapView } from '~/components/observations/public-map.client';
import observationsCss from '~/components/observations/observations.css?url';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser } from '~/domain/identity/session.server';
import { mapTileUrl, observationsT } from '~/domain/observations/http.server';
import { newestInBox, parseMapQuery } from '~/domain/observations/map.server';
import type { MapObservation } from '~/domain/observations/observations.server';
import { communeOutlines, listCategories, listObservations } from '~/domain/observations/observations.server';
import { listTerritories } from '~/domain/territories/territories.server';
import { getLanguage } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public', i18n: 'observations' };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: leafletCss },
  { rel: 'stylesheet', href: observationsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.pageTitle ?? ''} — terridata` }];

const DEFAULT_CENTER: [number, number] = [45.76, 4.84];
const DEFAULT_ZOOM = 11;
const FILTER_KEYS = ['category', 'commune', 'from', 'to', 'status'] as const;

/** The view in the URL: z (zoom) and c (lat,lon); defaults to the Métropole. */
function viewOf(sp: URLSearchParams): { center: [number, number]; zoom: number } {
  const z = Number(sp.get('z'));
  const c = (sp.get('c') ?? '').split(',').map(Number);
  const zoom = Number.isInteger(z) && z >= 8 && z <= 19 ? z : DEFAULT_ZOOM;
  const center: [number, number] =
    c.length === 2 && c.every(Number.isFinite) && Math.abs(c[0]!) <= 85 && Math.abs(c[1]!) <= 180 ? [c[0]!, c[1]!] : DEFAULT_CENTER;
  return { center, zoom };
}

/** The box of a nominal 1024 × 640 px view around a centre (for the server-rendered list). */
function nominalBbox([lat, lon]: [number, number], zoom: number): [number, number, number, number] {
  const world = 256 * 2 ** zoom;
  const x = ((lon + 180) / 360) * world;
  const r = (lat * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * world;
  const toLon = (px: number) => Math.max(-180, Math.min(180, (px / world) * 360 - 180));
  const toLat = (py: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * py) / world))) * 180) / Math.PI;
  return [toLon(x - 512), toLat(y + 320), toLon(x + 512), toLat(y - 320)];
}

function filtersOf(sp: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = k === 'category' ? sp.getAll(k).join(',') : sp.get(k);
    if (v) out[k] = v;
  }
  return out;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getSessionUser(context, request);
  const lng = await getLanguage(request);
  const t = await observationsT(request);
  const sp = new URL(request.url).searchParams;
  const { center, zoom } = viewOf(sp);
  const filters = filtersOf(sp);
  let parsed = await parseMapQuery(context.db, { bbox: nominalBbox(center, zoom).join(','), zoom: String(zoom), ...filters });
  const invalidFilters = !parsed.success;
  if (!parsed.success) parsed = await parseMapQuery(context.db, { bbox: nominalBbox(center, zoom).join(','), zoom: String(zoom) });
  const [categories, territories] = await Promise.all([listCategories(context.db, lng, { activeOnly: false }), listTerritories(context.db)]);
  return {
    pageTitle: t('observations:publicMap.title'),
    signedIn: Boolean(user),
    newest: parsed.success ? await newestInBox(context.db, parsed.data) : [],
    invalidFilters,
    awaiting: user ? await listObservations(context.db, { viewerId: user.id, lng, awaiting: true, limit: 50 }) : [],
    categories,
    communes: territories.filter((x) => x.kind === 'commune').map((x) => ({ code: x.code, name: x.name })),
    outlines: await communeOutlines(context.db),
    tileUrl: mapTileUrl(),
  };
}

function AwaitingList({ items }: { items: (Omit<MapObservation, 'observedAt'> & { observedAt: string | Date })[] }) {
  const { t, i18n } = useTranslation('observations');
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' });
  return (
    <ul className="stack">
      {items.map((o) => (
        <li key={o.id} data-observation-id={o.id}>
          <Link to={`/observations/${o.id}`}>
            {o.categoryLabel} — {o.communeName}
          </Link>{' '}
          ({fmt.format(new Date(o.observedAt))}) <span className={`badge grade-${o.grade}`}>{t(`grades.${o.grade}`)}</span>
        </li>
      ))}
    </ul>
  );
}

type PointProps = Extract<MapFeature['properties'], { kind: 'observation' }>;

interface MapAnswer {
  mode: 'clusters' | 'points' | 'list';
  total: number;
  features: MapFeature[];
}

interface Detail {
  id: string;
  url: string;
  categoryLabel: string;
  description: string;
  observedAt: string;
  communeName: string;
  confirmations: number;
  status: 'open' | 'resolved';
  author: string;
  photoUrl: string | null;
}

async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  const r = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`${r.status}`);
  return (await r.json()) as T;
}

function DetailPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, i18n } = useTranslation('observations');
  const heading = useRef<HTMLHeadingElement>(null);
  const q = useQuery({
    queryKey: ['observation', id, i18n.language],
    queryFn: ({ signal }) => getJson<Detail>(`/api/v1/observations/${id}?lng=${i18n.language}`, signal),
  });
  useEffect(() => {
    if (q.data) heading.current?.focus();
  }, [q.data]);
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });
  const o = q.data;
  return (
    <section className="card stack observation-detail" aria-labelledby="detail-title" data-testid="detail-panel">
      <h2 id="detail-title" tabIndex={-1} ref={heading}>
        {o ? o.categoryLabel : t('publicMap.detailTitle')}
      </h2>
      {q.isError ? <p role="alert">{t('publicMap.error')}</p> : null}
      {!o && !q.isError ? <p>{t('publicMap.loading')}</p> : null}
      {o ? (
        <>
          {o.photoUrl ? <img className="observation-photo" src={o.photoUrl} alt={t('publicMap.photoAlt')} loading="lazy" /> : null}
          <p data-testid="detail-description">{o.description}</p>
          <dl className="facts">
            <dt>{t('publicMap.observedOn')}</dt>
            <dd>{fmt.format(new Date(o.observedAt))}</dd>
            <dt>{t('publicMap.commune')}</dt>
            <dd>{o.communeName}</dd>
            <dt>{t('publicMap.status')}</dt>
            <dd data-testid="detail-status">{o.status === 'resolved' ? t('publicMap.resolved') : t('publicMap.open')}</dd>
          </dl>
          <p>{t('publicMap.confirmations', { count: o.confirmations })}</p>
          <p>{t('publicMap.by', { pseudonym: o.author })}</p>
          <p>
            <Link to={o.url}>{t('publicMap.openPage')}</Link>
          </p>
        </>
      ) : null}
      <p>
        <button type="button" className="button secondary" onClick={onClose}>
          {t('publicMap.close')}
        </button>
      </p>
    </section>
  );
}

export default function ObservationsMapPage() {
  const { t, i18n } = useTranslation('observations');
  const data = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  const initial = useMemo(() => viewOf(searchParams), []); // eslint-disable-line react-hooks/exhaustive-deps
  const [view, setView] = useState<MapView | null>(null);
  const [selected, setSelected] = useState<string | null>(searchParams.get('obs'));
  const listMode = searchParams.get('vue') === 'liste';
  const filters = filtersOf(searchParams);
  const filterKey = JSON.stringify(filters);

  // The view and the selection go into the URL without a navigation (no loader run per move).
  const writeUrl = useCallback((v: MapView | null, obs: string | null) => {
    const u = new URL(window.location.href);
    if (v) {
      u.searchParams.set('z', String(v.zoom));
      u.searchParams.set('c', `${v.center[0].toFixed(5)},${v.center[1].toFixed(5)}`);
    }
    if (obs) u.searchParams.set('obs', obs);
    else u.searchParams.delete('obs');
    window.history.replaceState(window.history.state, '', `${u.pathname}?${u.searchParams.toString()}`);
  }, []);
  const onView = useCallback(
    (v: MapView) => {
      setView(v);
      writeUrl(v, new URL(window.location.href).searchParams.get('obs'));
    },
    [writeUrl],
  );
  const select = useCallback(
    (id: string | null) => {
      setSelected(id);
      writeUrl(null, id);
    },
    [writeUrl],
  );

  const apiParams = (extra: Record<string, string>) => {
    const p = new URLSearchParams({ bbox: view!.bbox.join(','), zoom: String(view!.zoom), ...filters, ...extra });
    return `/api/v1/observations?${p.toString()}`;
  };
  const clusters = useQuery({
    queryKey: ['observations-map', view?.bbox, view?.zoom, filterKey],
    queryFn: ({ signal }) => getJson<MapAnswer>(apiParams({}), signal),
    enabled: hydrated && view !== null,
    placeholderData: keepPreviousData,
  });
  const list = useQuery({
    queryKey: ['observations-list', view?.bbox, view?.zoom, filterKey],
    queryFn: ({ signal }) => getJson<MapAnswer>(apiParams({ view: 'list' }), signal),
    enabled: hydrated && view !== null,
    placeholderData: keepPreviousData,
  });

  const labels = useMemo(() => new Map(data.categories.map((c) => [c.code, c.label])), [data.categories]);
  const communeNames = useMemo(() => new Map(data.communes.map((c) => [c.code, c.name])), [data.communes]);
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' });
  const pointTitle = useCallback(
    (p: PointProps) => `${labels.get(p.category) ?? p.category} — ${communeNames.get(p.communeCode) ?? p.communeCode}, ${fmt.format(new Date(p.observedAt))}`,
    [labels, communeNames], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const clusterTitle = useCallback((count: number) => t('publicMap.clusterTitle', { count }), [t]);
  const zoomLabels = useMemo(() => ({ zoomIn: t('publicMap.zoomIn'), zoomOut: t('publicMap.zoomOut') }), [t]);

  const newest: PointProps[] = (list.data?.features ?? data.newest).map((f) => f.properties as PointProps);
  const selectedCategories = new Set((filters.category ?? '').split(',').filter(Boolean));
  const status = clusters.isError
    ? t('publicMap.error')
    : !view || clusters.isPending
      ? t('publicMap.loading')
      : t('publicMap.inView', { count: clusters.data?.total ?? 0 });
  const viewHref = (vue: 'carte' | 'liste') => {
    const p = new URLSearchParams(searchParams);
    if (view) {
      p.set('z', String(view.zoom));
      p.set('c', `${view.center[0].toFixed(5)},${view.center[1].toFixed(5)}`);
    }
    if (vue === 'liste') p.set('vue', 'liste');
    else p.delete('vue');
    return `?${p.toString()}`;
  };

  const resetHref = () => {
    const p = new URLSearchParams(viewHref(listMode ? 'liste' : 'carte'));
    for (const k of FILTER_KEYS) p.delete(k);
    return `?${p.toString()}`;
  };

  return (
    <section aria-labelledby="obs-title" className="stack wide observation-page">
      <h1 id="obs-title">{t('publicMap.title')}</h1>
      <p>{t('intro')}</p>
      {data.signedIn ? (
        <p>
          <Link className="button" to="/observations/nouvelle">
            {t('list.new')}
          </Link>
        </p>
      ) : null}
      {data.invalidFilters ? <p role="alert">{t('publicMap.invalidFilters')}</p> : null}

      <div className="observation-explorer">
        <Form method="get" className="card stack observation-filters" aria-labelledby="filters-title" preventScrollReset>
          <h2 id="filters-title">{t('publicMap.filters')}</h2>
          {view ? (
            <>
              <input type="hidden" name="z" value={view.zoom} />
              <input type="hidden" name="c" value={`${view.center[0].toFixed(5)},${view.center[1].toFixed(5)}`} />
            </>
          ) : (
            <>
              {searchParams.get('z') ? <input type="hidden" name="z" value={searchParams.get('z')!} /> : null}
              {searchParams.get('c') ? <input type="hidden" name="c" value={searchParams.get('c')!} /> : null}
            </>
          )}
          {listMode ? <input type="hidden" name="vue" value="liste" /> : null}
          <fieldset>
            <legend>{t('publicMap.categories')}</legend>
            <div className="checkbox-grid">
              {data.categories.map((c) => (
                <label key={c.code} className="checkbox">
                  <input type="checkbox" name="category" value={c.code} defaultChecked={selectedCategories.has(c.code)} /> {c.label}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="observation-filter-row">
            <div className="field">
              <label htmlFor="f-commune">{t('publicMap.commune')}</label>
              <select id="f-commune" name="commune" defaultValue={filters.commune ?? ''}>
                <option value="">{t('publicMap.allCommunes')}</option>
                {data.communes.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-from">{t('publicMap.from')}</label>
              <input id="f-from" type="date" name="from" defaultValue={filters.from ?? ''} />
            </div>
            <div className="field">
              <label htmlFor="f-to">{t('publicMap.to')}</label>
              <input id="f-to" type="date" name="to" defaultValue={filters.to ?? ''} />
            </div>
            <div className="field">
              <label htmlFor="f-status">{t('publicMap.status')}</label>
              <select id="f-status" name="status" defaultValue={filters.status ?? 'all'}>
                <option value="all">{t('publicMap.statusAll')}</option>
                <option value="open">{t('publicMap.statusOpen')}</option>
                <option value="resolved">{t('publicMap.statusResolved')}</option>
              </select>
            </div>
          </div>
          <p className="actions">
            <button type="submit" className="button">
              {t('publicMap.apply')}
            </button>{' '}
            <Link to={resetHref()} preventScrollReset>
              {t('publicMap.reset')}
            </Link>
          </p>
        </Form>

        <div className="stack observation-main">
          <nav aria-label={t('publicMap.viewMode')} className="observation-view-switch">
            <Link to={viewHref('carte')} aria-current={listMode ? undefined : 'page'} preventScrollReset>
              {t('publicMap.showMap')}
            </Link>{' '}
            <Link to={viewHref('liste')} aria-current={listMode ? 'page' : undefined} preventScrollReset>
              {t('publicMap.showList')}
            </Link>
          </nav>

          <p role="status" aria-live="polite" data-testid="map-status">
            {hydrated ? status : null}
          </p>

          <div className="observation-map-layout">
            {hydrated ? (
              <div hidden={listMode} className="observation-map-wrap">
                <PublicObservationMap
                  outlines={data.outlines}
                  tileUrl={data.tileUrl}
                  label={t('publicMap.mapLabel')}
                  initialCenter={initial.center}
                  initialZoom={initial.zoom}
                  features={clusters.data?.features ?? []}
                  selectedId={selected}
                  onView={onView}
                  onSelect={select}
                  clusterTitle={clusterTitle}
                  zoomLabels={zoomLabels}
                  pointTitle={pointTitle}
                />
              </div>
            ) : null}
            {selected ? <DetailPanel key={selected} id={selected} onClose={() => select(null)} /> : null}
          </div>
        </div>
      </div>

      <section aria-labelledby="newest-title" className="stack">
        <h2 id="newest-title">{t('publicMap.listTitle')}</h2>
        <p className="hint">{t('publicMap.listHint')}</p>
        {newest.length ? (
          <ul className="stack" data-testid="observation-list">
            {newest.map((o) => (
              <li key={o.id} data-observation-id={o.id}>
                <Link to={`/observations/${o.id}`}>
                  {labels.get(o.category) ?? o.category} — {communeNames.get(o.communeCode) ?? o.communeCode}
                </Link>{' '}
                ({fmt.format(new Date(o.observedAt))}){' '}
                {o.resolved ? <span className="badge">{t('publicMap.resolved')}</span> : null}{' '}
                {hydrated ? (
                  <button type="button" className="link-button" onClick={() => select(o.id)} aria-label={`${t('publicMap.details')} : ${labels.get(o.category) ?? o.category} — ${communeNames.get(o.communeCode) ?? o.communeCode}`}>
                    {t('publicMap.details')}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        ) : (
          <p>{t('publicMap.listEmpty')}</p>
        )}
      </section>

      {data.signedIn && data.awaiting.length ? (
        <section aria-labelledby="awaiting-title" className="stack">
          <h2 id="awaiting-title">{t('list.awaiting')}</h2>
          <p className="hint">{t('list.awaitingHint')}</p>
          <AwaitingList items={data.awaiting} />
        </section>
      ) : null}

      <p className="hint">
        {t('publicMap.openData')} <Link to="/datasets?q=observations+citoyennes">{t('publicMap.openDataLink')}</Link>
      </p>
    </section>
  );
}
