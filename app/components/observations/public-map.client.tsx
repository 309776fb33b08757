// The public observation map (Leaflet, browser only). It draws what the API answered for
// the current view (clusters with their counts, or points) and reports every move; it
// never holds all points. Works without tiles (commune outlines only) unless MAP_TILE_URL
// is set. Clusters and points are keyboard-focusable markers: Enter on a cluster zooms
// into its cell, on a point opens its detail panel.
import { useEffect, useRef } from 'react';
import type * as Leaflet from 'leaflet';

export type MapFeature =
  | { type: 'Feature'; geometry: { type: 'Point'; coordinates: [number, number] }; properties: { kind: 'cluster'; count: number; bounds: [number, number, number, number] } }
  | {
      type: 'Feature';
      geometry: { type: 'Point'; coordinates: [number, number] };
      properties: { kind: 'observation'; id: string; category: string; communeCode: string; resolved: boolean; observedAt: string };
    };

export interface MapView {
  bbox: [number, number, number, number];
  zoom: number;
  center: [number, number];
}

export interface PublicMapProps {
  outlines: { type: 'FeatureCollection'; features: unknown[] };
  tileUrl: string | null;
  label: string;
  initialCenter: [number, number];
  initialZoom: number;
  features: MapFeature[];
  selectedId: string | null;
  onView: (v: MapView) => void;
  onSelect: (id: string) => void;
  clusterTitle: (count: number) => string;
  zoomLabels: { zoomIn: string; zoomOut: string };
  pointTitle: (f: Extract<MapFeature['properties'], { kind: 'observation' }>) => string;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export default function PublicObservationMap(props: PublicMapProps) {
  const ref = useRef<HTMLDivElement>(null);
  const state = useRef<{ L: typeof Leaflet; map: Leaflet.Map; layer: Leaflet.LayerGroup } | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    let disposed = false;
    void import('leaflet').then((mod) => {
      const L = ((mod as unknown as { default?: typeof Leaflet }).default ?? mod) as typeof Leaflet;
      if (disposed || !ref.current) return;
      const { tileUrl, outlines, initialCenter, initialZoom } = latest.current;
      const map = L.map(ref.current, { attributionControl: Boolean(tileUrl), zoomControl: false, scrollWheelZoom: true, maxZoom: 19, minZoom: 8 });
      const { zoomIn, zoomOut } = latest.current.zoomLabels;
      L.control.zoom({ zoomInTitle: zoomIn, zoomOutTitle: zoomOut }).addTo(map);
      if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
      L.geoJSON(outlines as GeoJSON.FeatureCollection, {
        style: { color: '#1d4ed8', weight: 1, fillOpacity: 0.04 },
        interactive: false,
      }).addTo(map);
      const layer = L.layerGroup().addTo(map);
      state.current = { L, map, layer };
      const report = () => {
        const b = map.getBounds();
        const c = map.getCenter();
        latest.current.onView({
          bbox: [round(Math.max(b.getWest(), -180)), round(Math.max(b.getSouth(), -85)), round(Math.min(b.getEast(), 180)), round(Math.min(b.getNorth(), 85))],
          zoom: map.getZoom(),
          center: [round(c.lat), round(c.lng)],
        });
      };
      map.on('moveend', report);
      map.setView(initialCenter, initialZoom);
      ref.current.setAttribute('data-ready', 'true');
      draw();
      report();
    });
    return () => {
      disposed = true;
      state.current?.map.remove();
      state.current = null;
    };
  }, []);

  const draw = () => {
    const s = state.current;
    if (!s) return;
    const { features, selectedId, clusterTitle, pointTitle, onSelect } = latest.current;
    s.layer.clearLayers();
    for (const f of features) {
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      if (p.kind === 'cluster') {
        const size = p.count < 10 ? 28 : p.count < 100 ? 34 : p.count < 1000 ? 40 : 48;
        const m = s.L.marker([lat, lon], {
          keyboard: true,
          title: clusterTitle(p.count),
          alt: clusterTitle(p.count),
          icon: s.L.divIcon({
            className: 'cluster-marker',
            html: `<span aria-hidden="true">${p.count >= 10000 ? `${Math.round(p.count / 1000)}k` : p.count}</span>`,
            iconSize: [size, size],
          }),
        });
        m.on('click', () => s.map.fitBounds([[p.bounds[1], p.bounds[0]], [p.bounds[3], p.bounds[2]]]));
        s.layer.addLayer(m);
        m.getElement()?.setAttribute('data-count', String(p.count));
      } else {
        const m = s.L.marker([lat, lon], {
          keyboard: true,
          title: pointTitle(p),
          alt: pointTitle(p),
          icon: s.L.divIcon({
            className: `point-marker${p.resolved ? ' resolved' : ''}${p.id === selectedId ? ' selected' : ''}`,
            html: '<span aria-hidden="true"></span>',
            iconSize: [18, 18],
          }),
        });
        m.on('click', () => onSelect(p.id));
        s.layer.addLayer(m);
        m.getElement()?.setAttribute('data-observation-id', p.id);
      }
    }
  };

  useEffect(draw, [props.features, props.selectedId]);

  return <div ref={ref} className="observation-map public-map" role="region" aria-label={props.label} data-testid="public-map" />;
}
