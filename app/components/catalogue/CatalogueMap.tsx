// A small Leaflet map of GeoJSON (commune outlines, a file's features) without any tile
// layer: no external server is needed and Leaflet draws with SVG (no WebGL). Leaflet touches
// `window` when imported, so it is loaded in the browser only; without JavaScript the page
// shows the same information as text next to the map.
import { useEffect, useRef } from 'react';
import type * as Leaflet from 'leaflet';

export interface CatalogueMapProps {
  outlines: { type: 'FeatureCollection'; features: unknown[] };
  features?: { type: 'FeatureCollection'; features: unknown[] } | null;
  label: string;
}

export function CatalogueMap({ outlines, features, label }: CatalogueMapProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let disposed = false;
    let map: Leaflet.Map | null = null;
    void import('leaflet').then((mod) => {
      const L = (mod as unknown as { default?: typeof Leaflet }).default ?? mod;
      if (disposed || !ref.current) return;
      // A picture (role img, named by its label): no controls or focusable shapes inside it; the
      // communes are listed as links next to it.
      map = L.map(ref.current, { attributionControl: false, zoomControl: false, scrollWheelZoom: false, keyboard: false, boxZoom: false, doubleClickZoom: false, dragging: false, touchZoom: false });
      const layers: Leaflet.GeoJSON[] = [];
      if (outlines.features.length) {
        layers.push(
          L.geoJSON(outlines as GeoJSON.FeatureCollection, {
            style: { color: '#1d4ed8', weight: 1.5, fillOpacity: 0.12, className: 'map-outline' },
            interactive: false,
          }).addTo(map),
        );
      }
      if (features?.features.length) {
        layers.push(
          L.geoJSON(features as GeoJSON.FeatureCollection, {
            style: { color: '#b91c1c', weight: 2, className: 'map-feature' },
            interactive: false,
            pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 4, color: '#b91c1c', fillOpacity: 0.7, interactive: false, className: 'map-feature' }),
          }).addTo(map),
        );
      }
      const bounds = layers.map((l) => l.getBounds()).filter((b) => b.isValid());
      if (bounds.length) {
        const all = bounds.reduce((acc, b) => acc.extend(b), L.latLngBounds(bounds[0]!.getSouthWest(), bounds[0]!.getNorthEast()));
        map.fitBounds(all, { padding: [8, 8] });
      } else map.setView([45.76, 4.84], 10);
      ref.current.setAttribute('data-ready', 'true');
    });
    return () => {
      disposed = true;
      map?.remove();
    };
  }, [outlines, features]);
  return <div ref={ref} className="catalogue-map" role="img" aria-label={label} style={{ height: '18rem' }} />;
}
