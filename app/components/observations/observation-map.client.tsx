// The observation map (Leaflet, in the browser only: Leaflet touches `window` when
// imported). It works without any tile server: the commune outlines from the territory
// data are drawn as SVG; a tile layer is added only when MAP_TILE_URL is configured. In
// "pick" mode a click places the point and the marker can be dragged; in "show" mode it
// draws observations as dots linking to their pages.
import { useEffect, useRef } from 'react';
import type * as Leaflet from 'leaflet';

export interface MapPoint {
  id?: string;
  lon: number;
  lat: number;
  label?: string;
  href?: string;
  confirmed?: boolean;
}

export interface ObservationMapProps {
  outlines: { type: 'FeatureCollection'; features: unknown[] };
  tileUrl?: string | null;
  label: string;
  /** Pick mode: the chosen point (or null), and where it goes when it moves. */
  value?: { lon: number; lat: number } | null;
  onPick?: (lon: number, lat: number) => void;
  markerLabel?: string;
  /** Show mode: points drawn as dots. */
  points?: MapPoint[];
  className?: string;
}

const LYON: [number, number] = [45.76, 4.84];

export default function ObservationMap(props: ObservationMapProps) {
  const ref = useRef<HTMLDivElement>(null);
  const state = useRef<{ L: typeof Leaflet; map: Leaflet.Map; marker: Leaflet.Marker | null } | null>(null);
  const onPick = useRef(props.onPick);
  onPick.current = props.onPick;
  const { outlines, tileUrl, points, markerLabel } = props;
  const pick = Boolean(props.onPick);

  useEffect(() => {
    let disposed = false;
    void import('leaflet').then((mod) => {
      const L = ((mod as unknown as { default?: typeof Leaflet }).default ?? mod) as typeof Leaflet;
      if (disposed || !ref.current) return;
      const map = L.map(ref.current, { attributionControl: Boolean(tileUrl), zoomControl: true, scrollWheelZoom: false, tap: true } as Leaflet.MapOptions);
      if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
      const layer = L.geoJSON(outlines as GeoJSON.FeatureCollection, {
        style: { color: '#1d4ed8', weight: 1.2, fillOpacity: 0.06 },
        onEachFeature: (f, l) => l.bindTooltip(String((f.properties as { name?: string } | null)?.name ?? ''), { sticky: true }),
      }).addTo(map);
      const b = layer.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [4, 4] });
      else map.setView(LYON, 11);
      state.current = { L, map, marker: null };
      if (pick) {
        const place = (e: Leaflet.LeafletMouseEvent) => onPick.current?.(Number(e.latlng.lng.toFixed(6)), Number(e.latlng.lat.toFixed(6)));
        map.on('click', place);
        layer.on('click', place);
      }
      for (const p of points ?? []) {
        const dot = L.circleMarker([p.lat, p.lon], {
          radius: 7,
          color: p.confirmed ? '#15803d' : '#b45309',
          weight: 2,
          fillOpacity: 0.8,
        }).addTo(map);
        if (p.label) dot.bindTooltip(p.label);
        if (p.href) dot.on('click', () => window.location.assign(p.href!));
      }
      ref.current.setAttribute('data-ready', 'true');
      syncMarker();
    });
    return () => {
      disposed = true;
      state.current?.map.remove();
      state.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [outlines, tileUrl, points, pick]);

  const syncMarker = () => {
    const s = state.current;
    if (!s || !pick) return;
    const v = props.value;
    if (!v || !Number.isFinite(v.lat) || !Number.isFinite(v.lon) || Math.abs(v.lat) > 90 || Math.abs(v.lon) > 180) {
      s.marker?.remove();
      s.marker = null;
      return;
    }
    if (!s.marker) {
      s.marker = s.L.marker([v.lat, v.lon], {
        draggable: true,
        keyboard: true,
        title: markerLabel,
        alt: markerLabel,
        icon: s.L.divIcon({ className: 'observation-marker', html: '<span></span>', iconSize: [22, 22], iconAnchor: [11, 22] }),
      }).addTo(s.map);
      s.marker.on('dragend', () => {
        const ll = s.marker!.getLatLng();
        onPick.current?.(Number(ll.lng.toFixed(6)), Number(ll.lat.toFixed(6)));
      });
    } else s.marker.setLatLng([v.lat, v.lon]);
    if (!s.map.getBounds().contains([v.lat, v.lon])) s.map.panTo([v.lat, v.lon]);
  };

  useEffect(syncMarker);

  return <div ref={ref} className={props.className ?? 'observation-map'} role="application" aria-label={props.label} data-testid="observation-map" />;
}
