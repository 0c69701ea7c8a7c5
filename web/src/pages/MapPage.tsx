import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import maplibregl, { type MapGeoJSONFeature, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Feature, Position } from 'geojson';
import { api } from '../api.ts';
import { ErrorNotice, Loading, usePageTitle, useAsync } from '../components/ui.tsx';
import { ORG_KINDS, type AreaGeometry, type OrgKind, type RegistryMap } from '../types.ts';

/** Soft, distinct fills for subdistricts (ColorBrewer Set3), reused in the legend. */
const SUBDISTRICT_COLOURS = ['#8dd3c7', '#ffffb3', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69', '#fccde5', '#d9d9d9', '#bc80bd', '#ccebc5', '#ffed6f'];

export const ORG_KIND_COLOURS: Record<OrgKind, string> = {
  guidance_centre: '#c2410c',
  school: '#2563eb',
  community_parent_school: '#059669',
  venue: '#9333ea',
};

/** A style with no remote sources, no sprite and no glyphs: the bundle works offline. */
const OFFLINE_STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1ec' } }],
};

type Bounds = [[number, number], [number, number]];

/** Below this zoom the subdistrict names are hidden (they would overlap). */
const LABEL_MIN_ZOOM = 12.3;

function outerRings(geometry: AreaGeometry | null | undefined): Position[][] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates.slice(0, 1);
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.map((p) => p[0]).filter(Boolean);
  return [];
}

function boundsOf(features: { geometry: AreaGeometry | null }[]): Bounds | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const f of features) {
    for (const ring of outerRings(f.geometry)) {
      for (const [x, y] of ring) {
        if (x < minX) minX = x;
        if (y < minY) minY = y;
        if (x > maxX) maxX = x;
        if (y > maxY) maxY = y;
      }
    }
  }
  return Number.isFinite(minX) ? [[minX, minY], [maxX, maxY]] : null;
}

/** Area-weighted centroid of the largest outer ring: where a subdistrict's label goes. */
function labelPoint(geometry: AreaGeometry | null): [number, number] | null {
  let best: { area: number; x: number; y: number } | null = null;
  for (const ring of outerRings(geometry)) {
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x0, y0] = ring[j];
      const [x1, y1] = ring[i];
      const cross = x0 * y1 - x1 * y0;
      a += cross;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
    if (a === 0) continue;
    const area = Math.abs(a / 2);
    if (!best || area > best.area) best = { area, x: cx / (3 * a), y: cy / (3 * a) };
  }
  return best ? [best.x, best.y] : null;
}

function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return !!(canvas.getContext('webgl2') || canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

type MapStatus = 'pending' | 'true' | 'error';

export function MapPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('map.title'));
  const { data, error, reload } = useAsync((signal) => api.get<RegistryMap>('/api/registry/map', undefined, { signal }), []);
  const container = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<MapStatus>('pending');
  const [mapError, setMapError] = useState<string | null>(null);
  // Popup texts are built in the map's click handler; keep the latest translator there.
  const tRef = useRef(t);
  tRef.current = t;

  const colouredSubdistricts = useMemo(() => {
    if (!data) return null;
    return {
      ...data.subdistricts,
      features: data.subdistricts.features.map((f, i) => ({
        ...f,
        properties: { ...f.properties, colour: SUBDISTRICT_COLOURS[i % SUBDISTRICT_COLOURS.length] },
      })),
    };
  }, [data]);

  useEffect(() => {
    if (!data || !colouredSubdistricts || !container.current) return;
    if (!webglAvailable()) {
      setStatus('error');
      setMapError('webgl');
      return;
    }
    const bounds = boundsOf([data.district]) ?? boundsOf(data.subdistricts.features);
    let map: maplibregl.Map;
    try {
      map = new maplibregl.Map({
        container: container.current,
        style: OFFLINE_STYLE,
        bounds: bounds ?? undefined,
        fitBoundsOptions: { padding: 24 },
        center: bounds ? undefined : [106.57, 29.555],
        zoom: bounds ? undefined : 12,
        attributionControl: false,
        dragRotate: false,
        pitchWithRotate: false,
        touchPitch: false,
      });
    } catch (err) {
      setStatus('error');
      setMapError(err instanceof Error ? err.message : String(err));
      return;
    }
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');

    const markers: maplibregl.Marker[] = [];
    let popup: maplibregl.Popup | null = null;

    map.on('error', (event) => {
      // Only a failure before the map loaded means the map cannot be shown at all.
      if (!map.loaded()) {
        setStatus((s) => (s === 'true' ? s : 'error'));
        setMapError(event.error?.message ?? 'error');
      }
    });

    map.on('load', () => {
      map.addSource('district', { type: 'geojson', data: data.district as Feature });
      map.addSource('subdistricts', { type: 'geojson', data: colouredSubdistricts });
      map.addSource('communities', { type: 'geojson', data: data.communities });
      map.addSource('organisations', { type: 'geojson', data: data.organisations });

      map.addLayer({ id: 'subdistrict-fill', type: 'fill', source: 'subdistricts', paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.5 } });
      map.addLayer({ id: 'subdistrict-line', type: 'line', source: 'subdistricts', paint: { 'line-color': '#ffffff', 'line-width': 1.5 } });
      map.addLayer({ id: 'district-line', type: 'line', source: 'district', paint: { 'line-color': '#2f6f5e', 'line-width': 3 } });
      map.addLayer({
        id: 'communities',
        type: 'circle',
        source: 'communities',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 3, 15, 7],
          'circle-color': '#ffffff',
          'circle-stroke-color': '#475569',
          'circle-stroke-width': 1.5,
        },
      });
      map.addLayer({
        id: 'organisations',
        type: 'circle',
        source: 'organisations',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 4.5, 15, 9],
          'circle-color': [
            'match',
            ['get', 'kind'],
            ...ORG_KINDS.flatMap((k) => [k, ORG_KIND_COLOURS[k]]),
            '#64748b',
          ] as unknown as maplibregl.ExpressionSpecification,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      });

      // Subdistrict names as HTML markers (a glyph-free style cannot draw text itself).
      for (const f of colouredSubdistricts.features) {
        const at = labelPoint(f.geometry);
        if (!at) continue;
        const el = document.createElement('div');
        el.className = 'map-label';
        el.textContent = String(f.properties.name ?? '');
        markers.push(new maplibregl.Marker({ element: el }).setLngLat(at).addTo(map));
      }

      // Names overlap when the whole district fits a phone screen: show them from a closer zoom on.
      const frame = container.current?.parentElement;
      const updateLabels = () => frame?.classList.toggle('labels-hidden', map.getZoom() < LABEL_MIN_ZOOM);
      updateLabels();
      map.on('zoomend', updateLabels);

      const clickable = ['organisations', 'communities', 'subdistrict-fill'];
      map.on('click', (event) => {
        const hits = map.queryRenderedFeatures(event.point, { layers: clickable });
        const hit = clickable.map((layer) => hits.find((h) => h.layer.id === layer)).find(Boolean);
        popup?.remove();
        if (!hit) return;
        popup = new maplibregl.Popup({ closeButton: true, maxWidth: '260px' }).setLngLat(event.lngLat).setDOMContent(popupContent(hit)).addTo(map);
      });
      for (const layer of clickable.slice(0, 2)) {
        map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
        map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = ''));
      }

      // Loaded = the style loaded, our data is added, and the first frame with it has been drawn.
      map.once('idle', () => setStatus('true'));
    });

    function popupContent(feature: MapGeoJSONFeature): HTMLElement {
      const tr = tRef.current;
      const p = feature.properties as Record<string, unknown>;
      const box = document.createElement('div');
      box.className = 'map-popup';
      const title = document.createElement('strong');
      title.textContent = String(p.name ?? '');
      box.append(title);
      const line = (text: string, cls = '') => {
        const el = document.createElement('div');
        el.textContent = text;
        if (cls) el.className = cls;
        box.append(el);
      };
      if (feature.layer.id === 'organisations') line(tr(`orgKinds.${String(p.kind)}`, { defaultValue: String(p.kind) }));
      else if (feature.layer.id === 'communities') {
        line(p.level === 'workstation' ? tr('map.workstation') : tr('scopeTypes.community'));
        if (p.subdistrictName) line(tr('common.labelled', { label: tr('map.subdistrict'), value: String(p.subdistrictName) }));
      } else line(tr('scopeTypes.subdistrict'));
      if (p.illustrative === true || p.illustrative === 'true') line(tr('map.illustrative'), 'muted small');
      return box;
    }

    return () => {
      popup?.remove();
      for (const m of markers) m.remove();
      map.remove();
      setStatus('pending');
    };
  }, [data, colouredSubdistricts]);

  const orgCounts = useMemo(() => {
    const counts = new Map<string, number>();
    for (const f of data?.organisations.features ?? []) counts.set(f.properties.kind, (counts.get(f.properties.kind) ?? 0) + 1);
    return counts;
  }, [data]);

  // The map's "communities" may also hold community workstations (level "workstation"); count them apart.
  const communityCount = useMemo(() => (data?.communities.features ?? []).filter((f) => f.properties.level !== 'workstation').length, [data]);
  const workstationCount = (data?.communities.features.length ?? 0) - communityCount;

  const communitiesBySubdistrict = useMemo(() => {
    const groups = new Map<string, string[]>();
    for (const f of data?.communities.features ?? []) {
      const key = f.properties.subdistrictCode;
      groups.set(key, [...(groups.get(key) ?? []), f.properties.name]);
    }
    return groups;
  }, [data]);

  const nf = new Intl.NumberFormat(i18n.language);

  return (
    <div className="page page-wide">
      <h1>{t('map.title')}</h1>
      <p className="map-note" data-testid="map-note">
        {t('map.note')}
      </p>
      <ErrorNotice error={error} onRetry={reload} />
      <div className="map-layout">
        <div className="map-frame">
          <div ref={container} className="map-canvas" data-testid="district-map" data-loaded={status} aria-label={t('map.title')} role="region" />
          {status === 'pending' && !error && (
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
        <aside className="map-side card">
          <h2>{t('map.legend')}</h2>
          <ul className="legend">
            <li>
              <span className="swatch swatch-line" aria-hidden="true" /> {t('map.district')}
            </li>
            <li>
              <span className="swatch swatch-fill" aria-hidden="true" /> {t('map.subdistricts')}
            </li>
            <li>
              <span className="swatch swatch-circle" style={{ background: '#fff', borderColor: '#475569' }} aria-hidden="true" /> {t('map.communities')}
              {data && <span className="muted small"> ({nf.format(communityCount)})</span>}
            </li>
            {workstationCount > 0 && (
              <li>
                <span className="swatch swatch-circle" style={{ background: '#fff', borderColor: '#475569' }} aria-hidden="true" /> {t('map.workstations')}
                <span className="muted small"> ({nf.format(workstationCount)})</span>
              </li>
            )}
            {ORG_KINDS.map((kind) => (
              <li key={kind}>
                <span className="swatch swatch-circle" style={{ background: ORG_KIND_COLOURS[kind] }} aria-hidden="true" /> {t(`orgKinds.${kind}`)}
                {data && <span className="muted small"> ({nf.format(orgCounts.get(kind) ?? 0)})</span>}
              </li>
            ))}
          </ul>
          {colouredSubdistricts && (
            <details className="map-list">
              <summary>{t('map.listTitle')}</summary>
              <ul>
                {colouredSubdistricts.features.map((f) => {
                  const names = communitiesBySubdistrict.get(f.properties.code) ?? [];
                  return (
                    <li key={f.properties.code}>
                      <span className="swatch swatch-square" style={{ background: f.properties.colour }} aria-hidden="true" />
                      <strong>{f.properties.name}</strong> <span className="muted small">{t('map.communityCount', { count: names.length })}</span>
                      {names.length > 0 && <div className="small muted">{names.join(t('common.listSeparator'))}</div>}
                    </li>
                  );
                })}
              </ul>
            </details>
          )}
        </aside>
      </div>
    </div>
  );
}

export default MapPage;
