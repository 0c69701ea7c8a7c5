import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { boundsOf, createOfflineMap, OFFLINE_STYLE, webglAvailable, type Bounds } from '../../components/mapkit.ts';
import { Loading } from '../../components/ui.tsx';
import type { StudyRoute } from './studyApi.ts';
import { addDistrictContext, addRouteLayers, legCollection, stopCollection, stopMarker, subdistrictLabels } from './studyMapKit.ts';
import { useDistrictContext } from './useDistrict.ts';

function routeBounds(route: StudyRoute): Bounds | null {
  return boundsOf([...legCollection(route).features, ...stopCollection(route).features]);
}

/** A route on the map: leg lines (dashed where estimated) and numbered stops. */
export function RouteMap({ route, testId = 'route-map' }: { route: StudyRoute; testId?: string }) {
  const { t } = useTranslation();
  const container = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<'pending' | 'true' | 'error'>('pending');
  const [mapError, setMapError] = useState<string | null>(null);
  const { context, settled } = useDistrictContext();

  useEffect(() => {
    if (!container.current || !settled) return;
    if (!webglAvailable()) {
      setStatus('error');
      setMapError('webgl');
      return;
    }
    let map: maplibregl.Map;
    try {
      map = createOfflineMap(container.current, routeBounds(route));
    } catch (err) {
      setStatus('error');
      setMapError(err instanceof Error ? err.message : String(err));
      return;
    }
    const markers: maplibregl.Marker[] = [];
    map.on('error', (event) => {
      if (!map.loaded()) {
        setStatus('error');
        setMapError(event.error?.message ?? 'error');
      }
    });
    map.on('load', () => {
      addDistrictContext(map, context);
      addRouteLayers(map, route);
      for (const label of subdistrictLabels(context)) {
        const el = document.createElement('div');
        el.className = 'map-label';
        el.textContent = label.name;
        markers.push(new maplibregl.Marker({ element: el }).setLngLat(label.at).addTo(map));
      }
      for (const s of route.stops) {
        if (s.lon === null || s.lat === null) continue;
        markers.push(stopMarker(s.position, t('study.route.stopLabel', { n: s.position, name: s.name })).setLngLat([s.lon, s.lat]).addTo(map));
      }
      map.once('idle', () => setStatus('true'));
    });
    return () => {
      for (const m of markers) m.remove();
      map.remove();
      setStatus('pending');
    };
  }, [route, t, context, settled]);

  return (
    <div className="map-frame study-route-map">
      <div ref={container} className="map-canvas" data-testid={testId} data-loaded={status} role="region" aria-label={t('study.route.mapLabel', { title: route.title })} />
      {status === 'pending' && (
        <div className="map-overlay">
          <Loading label={t('map.loading')} />
        </div>
      )}
      {status === 'error' && (
        <div className="map-overlay">
          <div className="notice notice-error" role="alert">
            {mapError === 'webgl' ? t('map.webgl') : `${t('map.failed')} ${mapError ?? ''}`}
          </div>
        </div>
      )}
    </div>
  );
}

export interface RouteImage {
  src: string;
  /** Where each stop is on the image, in % of its width and height (the numbers are drawn over the image in HTML). */
  stops: { position: number; x: number; y: number }[];
  /** Subdistrict names whose label point falls on the image, placed the same way. */
  labels: { name: string; x: number; y: number }[];
}

/** Image size in CSS pixels (drawn at twice that for print): about the printable width of A4 at 96 dpi. */
const IMAGE_W = 720;
const IMAGE_H = 430;

/**
 * Draws the route once on an off-screen map that keeps its drawing buffer, and hands back a PNG of it (for the
 * printable sheet: a WebGL canvas does not print reliably, an <img> does) with the stops' places on it.
 */
export function useRouteImage(route: StudyRoute | null): { image: RouteImage | null; error: string | null } {
  const [image, setImage] = useState<RouteImage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { context, settled } = useDistrictContext();

  useEffect(() => {
    if (!route || !settled) return;
    setImage(null);
    setError(null);
    if (!webglAvailable()) {
      setError('webgl');
      return;
    }
    const holder = document.createElement('div');
    holder.className = 'study-offscreen-map';
    holder.style.width = `${IMAGE_W}px`;
    holder.style.height = `${IMAGE_H}px`;
    document.body.append(holder);
    let map: maplibregl.Map;
    try {
      map = new maplibregl.Map({
        container: holder,
        style: OFFLINE_STYLE,
        bounds: routeBounds(route) ?? undefined,
        fitBoundsOptions: { padding: 48 },
        attributionControl: false,
        interactive: false,
        pixelRatio: 2,
        fadeDuration: 0,
        canvasContextAttributes: { preserveDrawingBuffer: true },
      });
    } catch (err) {
      holder.remove();
      setError(err instanceof Error ? err.message : String(err));
      return;
    }
    let done = false;
    let removed = false;
    const dispose = () => {
      if (removed) return;
      removed = true;
      map.remove();
      holder.remove();
    };
    map.on('error', (event) => {
      if (!done && !map.loaded()) setError(event.error?.message ?? 'error');
    });
    map.on('load', () => {
      addDistrictContext(map, context);
      addRouteLayers(map, route);
      map.once('idle', () => {
        if (done) return;
        done = true;
        try {
          const src = map.getCanvas().toDataURL('image/png');
          const stops = route.stops
            .filter((s) => s.lon !== null && s.lat !== null)
            .map((s) => {
              const p = map.project([s.lon!, s.lat!]);
              return { position: s.position, x: (p.x / IMAGE_W) * 100, y: (p.y / IMAGE_H) * 100 };
            });
          const labels = subdistrictLabels(context)
            .map((l) => {
              const p = map.project(l.at);
              return { name: l.name, x: (p.x / IMAGE_W) * 100, y: (p.y / IMAGE_H) * 100 };
            })
            .filter((l) => l.x > 8 && l.x < 92 && l.y > 5 && l.y < 95);
          setImage({ src, stops, labels });
        } catch (err) {
          setError(err instanceof Error ? err.message : String(err));
        }
        dispose();
      });
    });
    return () => {
      done = true;
      dispose();
    };
  }, [route, context, settled]);

  return { image, error };
}
