import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { boundsOf, createOfflineMap, webglAvailable } from '../../components/mapkit.ts';
import { round6 } from '../../components/geolocation.ts';
import { Loading } from '../../components/ui.tsx';
import { addDistrictContext, subdistrictLabels } from '../study/studyMapKit.ts';
import { useDistrictContext } from '../study/useDistrict.ts';
// Its own styles: the family page uses the picker too, without the search page's stylesheet.
import './search.css';

/**
 * "Near me" without geolocation: tap the district map to choose the point to walk from. Loaded on demand (MapLibre is
 * large). Coordinates are WGS-84, like the map's data.
 */
export default function SearchMapPicker({ value, onPick }: { value: [number, number] | null; onPick: (point: [number, number]) => void }) {
  const { t } = useTranslation();
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const markerRef = useRef<maplibregl.Marker | null>(null);
  const pickRef = useRef(onPick);
  pickRef.current = onPick;
  const [status, setStatus] = useState<'pending' | 'ready' | 'error'>('pending');
  const { context, settled } = useDistrictContext();

  useEffect(() => {
    if (!container.current || !settled) return;
    if (!webglAvailable()) {
      setStatus('error');
      return;
    }
    let map: maplibregl.Map;
    try {
      map = createOfflineMap(container.current, context?.district ? boundsOf([context.district as never]) : null);
    } catch {
      setStatus('error');
      return;
    }
    mapRef.current = map;
    const labels: maplibregl.Marker[] = [];
    map.on('load', () => {
      addDistrictContext(map, context);
      for (const label of subdistrictLabels(context)) {
        const el = document.createElement('div');
        el.className = 'map-label';
        el.textContent = label.name;
        labels.push(new maplibregl.Marker({ element: el }).setLngLat(label.at).addTo(map));
      }
      setStatus('ready');
    });
    map.on('click', (event) => {
      pickRef.current([round6(event.lngLat.lng), round6(event.lngLat.lat)]);
    });
    return () => {
      labels.forEach((m) => m.remove());
      markerRef.current?.remove();
      markerRef.current = null;
      map.remove();
      mapRef.current = null;
    };
  }, [settled, context]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !value) return;
    if (!markerRef.current) markerRef.current = new maplibregl.Marker({ color: '#c0392b' }).setLngLat(value).addTo(map);
    else markerRef.current.setLngLat(value);
  }, [value, status]);

  return (
    <div className="search-map-picker">
      <div
        ref={container}
        className="search-map"
        role="application"
        aria-label={t('search.where.mapLabel')}
        data-testid="search-map"
        data-loaded={status === 'ready' ? 'true' : status === 'error' ? 'error' : 'false'}
      />
      {status === 'pending' && <Loading />}
      {status === 'error' && <p className="small muted">{t('search.where.mapUnavailable')}</p>}
      <p className="small muted">{t('search.where.mapHint')}</p>
    </div>
  );
}
