import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import maplibregl, { type MapGeoJSONFeature, type MapMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Feature, FeatureCollection } from 'geojson';
import { api } from '../api.ts';
import { ErrorNotice, Loading, usePageTitle, useAsync } from '../components/ui.tsx';
import {
  badgeElement,
  boundsOf,
  createOfflineMap,
  EMPTY_COLLECTION,
  labelPoint,
  ORG_KIND_COLOURS,
  setSourceData,
  webglAvailable,
} from '../components/mapkit.ts';
import { ReachPanel, type ReachMode, type TapPoint } from '../components/ReachPanel.tsx';
import { ORG_KINDS, type OrgKind, type RegistryMap } from '../types.ts';
import { BAND_COLOURS, lonLatText, type CatchmentCollection, type IsochroneCollection, type ReachStatus, type WalkRoute } from '../reach.ts';

/** Soft, distinct fills for subdistricts (ColorBrewer Set3), reused in the legend. */
const SUBDISTRICT_COLOURS = ['#8dd3c7', '#ffffb3', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69', '#fccde5', '#d9d9d9', '#bc80bd', '#ccebc5', '#ffed6f'];

/** Below this zoom the subdistrict names are hidden (they would overlap). */
const LABEL_MIN_ZOOM = 12.3;

/** The isochrone bands asked for (minutes). */
const ISOCHRONE_BANDS = [5, 10, 15];

/** How far (px) around a tap or click an organisation still counts as hit: fingers are less precise than a mouse. */
const TOUCH_TOLERANCE_PX = 8;
const MOUSE_TOLERANCE_PX = 3;

type MapStatus = 'pending' | 'true' | 'error';

/** Band polygons with their colour, the widest first so the narrower ones are drawn over it. */
function colouredBands(result: IsochroneCollection): FeatureCollection {
  const minutes = [...new Set(result.features.map((f) => f.properties.minutes))].sort((a, b) => a - b);
  return {
    type: 'FeatureCollection',
    features: [...result.features]
      .sort((a, b) => b.properties.minutes - a.properties.minutes)
      .map((f) => ({ ...f, properties: { ...f.properties, colour: BAND_COLOURS[minutes.indexOf(f.properties.minutes) % BAND_COLOURS.length] } })),
  };
}

export function MapPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('map.title'));
  const { data, error, reload } = useAsync((signal) => api.get<RegistryMap>('/api/registry/map', undefined, { signal }), []);
  const reachStatus = useAsync((signal) => api.get<ReachStatus>('/api/reach/status', undefined, { signal }), []);
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [status, setStatus] = useState<MapStatus>('pending');
  const [mapError, setMapError] = useState<string | null>(null);
  /** What the map shows of the walking layers after its last drawn frame (e.g. "isochrone:3"); for tests and screen readers. */
  const [drawn, setDrawn] = useState('none:0');

  // ----- walking modes
  const [mode, setMode] = useState<ReachMode>('isochrone');
  const [origin, setOrigin] = useState<TapPoint | null>(null);
  const [routeEnds, setRouteEnds] = useState<{ a: TapPoint | null; b: TapPoint | null }>({ a: null, b: null });
  const [catchmentKind, setCatchmentKind] = useState<OrgKind>('community_parent_school');
  const [catchmentMinutes, setCatchmentMinutes] = useState(15);
  const [catchmentsOpened, setCatchmentsOpened] = useState(false);

  const isochrone = useAsync(
    (signal) =>
      origin
        ? api.get<IsochroneCollection>('/api/reach/isochrones', { lon: origin.lon, lat: origin.lat, crs: 'WGS-84', bands: ISOCHRONE_BANDS.join(',') }, { signal })
        : Promise.resolve(null),
    [origin],
  );
  const route = useAsync(
    (signal) =>
      routeEnds.a && routeEnds.b
        ? api.get<WalkRoute>('/api/reach/route', { from: lonLatText(routeEnds.a.lon, routeEnds.a.lat), to: lonLatText(routeEnds.b.lon, routeEnds.b.lat) }, { signal })
        : Promise.resolve(null),
    [routeEnds],
  );
  const catchments = useAsync(
    (signal) =>
      catchmentsOpened
        ? api.get<CatchmentCollection>('/api/reach/catchments', { kind: catchmentKind, minutes: catchmentMinutes }, { signal })
        : Promise.resolve(null),
    [catchmentsOpened, catchmentKind, catchmentMinutes],
  );

  useEffect(() => {
    if (mode === 'catchments') setCatchmentsOpened(true);
  }, [mode]);

  // The map's click handler is set up once; it reads the current mode and translator through refs.
  const tRef = useRef(t);
  tRef.current = t;
  const modeRef = useRef(mode);
  modeRef.current = mode;

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
      map = createOfflineMap(container.current, bounds);
    } catch (err) {
      setStatus('error');
      setMapError(err instanceof Error ? err.message : String(err));
      return;
    }

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
      map.addSource('reach-bands', { type: 'geojson', data: EMPTY_COLLECTION });
      map.addSource('reach-route', { type: 'geojson', data: EMPTY_COLLECTION });
      map.addSource('reach-catchments', { type: 'geojson', data: EMPTY_COLLECTION });

      map.addLayer({ id: 'subdistrict-fill', type: 'fill', source: 'subdistricts', paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.5 } });
      map.addLayer({ id: 'subdistrict-line', type: 'line', source: 'subdistricts', paint: { 'line-color': '#ffffff', 'line-width': 1.5 } });
      // Walking layers: over the areas, under the outline and the points.
      map.addLayer({
        id: 'reach-catchment-fill',
        type: 'fill',
        source: 'reach-catchments',
        paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.12 },
      });
      map.addLayer({
        id: 'reach-catchment-line',
        type: 'line',
        source: 'reach-catchments',
        paint: { 'line-color': ['get', 'colour'], 'line-width': 1, 'line-opacity': 0.7 },
      });
      map.addLayer({
        id: 'reach-band-fill',
        type: 'fill',
        source: 'reach-bands',
        layout: { 'fill-sort-key': ['-', 0, ['get', 'minutes']] },
        paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.42 },
      });
      map.addLayer({
        id: 'reach-band-line',
        type: 'line',
        source: 'reach-bands',
        paint: { 'line-color': ['get', 'colour'], 'line-width': 1.5 },
      });
      map.addLayer({
        id: 'reach-route-casing',
        type: 'line',
        source: 'reach-route',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#ffffff', 'line-width': 7 },
      });
      map.addLayer({
        id: 'reach-route-line',
        type: 'line',
        source: 'reach-route',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#1d4ed8', 'line-width': 4 },
      });
      map.addLayer({
        id: 'reach-route-estimate',
        type: 'line',
        source: 'reach-route',
        filter: ['==', ['get', 'method'], 'estimate'],
        paint: { 'line-color': '#ffffff', 'line-width': 2, 'line-dasharray': [1, 2] },
      });
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

      map.on('click', (event) => {
        popup?.remove();
        const current = modeRef.current;
        if (current === 'isochrone' || current === 'route') {
          const point = tapPoint(event);
          if (current === 'isochrone') setOrigin(point);
          else setRouteEnds((ends) => (ends.a && !ends.b ? { a: ends.a, b: point } : { a: point, b: null }));
          return;
        }
        const clickable = ['organisations', 'communities', 'reach-catchment-fill', 'subdistrict-fill'];
        const hits = map.queryRenderedFeatures(event.point, { layers: clickable });
        const hit = clickable.map((layer) => hits.find((h) => h.layer.id === layer)).find(Boolean);
        if (!hit) return;
        popup = new maplibregl.Popup({ closeButton: true, maxWidth: '260px' }).setLngLat(event.lngLat).setDOMContent(popupContent(hit)).addTo(map);
      });
      for (const layer of ['organisations', 'communities']) {
        map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
        map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = modeRef.current === 'catchments' ? '' : 'crosshair'));
      }

      mapRef.current = map;
      // Loaded = the style loaded, our data is added, and the first frame with it has been drawn.
      map.once('idle', () => setStatus('true'));
    });

    /** Where a tap in the walking modes starts: a tapped organisation's own location, or the tapped spot. */
    function tapPoint(event: MapMouseEvent): TapPoint {
      const { x, y } = event.point;
      const touch = (event.originalEvent as PointerEvent).pointerType === 'touch' || window.matchMedia('(pointer: coarse)').matches;
      const tolerance = touch ? TOUCH_TOLERANCE_PX : MOUSE_TOLERANCE_PX;
      const box: [[number, number], [number, number]] = [
        [x - tolerance, y - tolerance],
        [x + tolerance, y + tolerance],
      ];
      const org = map.queryRenderedFeatures(box, { layers: ['organisations'] })[0];
      if (org && org.geometry.type === 'Point') {
        const [lon, lat] = org.geometry.coordinates as [number, number];
        const p = org.properties as Record<string, unknown>;
        return { lon, lat, name: String(p.name ?? ''), illustrative: p.illustrative === true || p.illustrative === 'true' };
      }
      return { lon: event.lngLat.lng, lat: event.lngLat.lat, name: null, illustrative: false };
    }

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
      } else if (feature.layer.id === 'reach-catchment-fill') {
        line(tr(`orgKinds.${String(p.kind)}`, { defaultValue: String(p.kind) }));
        line(tr('reach.catchments.areaOf', { minutes: Number(p.minutes) }));
        line(tr(`reach.method.${String(p.method)}`), 'muted small');
      } else line(tr('scopeTypes.subdistrict'));
      if (p.illustrative === true || p.illustrative === 'true') line(tr('map.illustrative'), 'muted small');
      return box;
    }

    return () => {
      popup?.remove();
      for (const m of markers) m.remove();
      mapRef.current = null;
      map.remove();
      setStatus('pending');
    };
  }, [data, colouredSubdistricts]);

  // ----- draw the walking layers of the current mode (the others are emptied, their answers kept)
  // An answer is shown only while it is the answer to the current question (not while the next one loads or failed).
  const current = <T,>(state: { data: T | null | undefined; loading: boolean; error: unknown }) => (state.loading || state.error ? null : (state.data ?? null));
  const isoData = current(isochrone);
  const fittedRef = useRef<IsochroneCollection | null>(null);
  const routeData = current(route);
  const catchmentData = current(catchments);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true') return;
    map.getCanvas().style.cursor = mode === 'catchments' ? '' : 'crosshair';
    const bands = mode === 'isochrone' && isoData ? colouredBands(isoData) : EMPTY_COLLECTION;
    const line: FeatureCollection =
      mode === 'route' && routeData
        ? { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { method: routeData.method }, geometry: routeData.geometry }] }
        : EMPTY_COLLECTION;
    const areas: FeatureCollection =
      mode === 'catchments' && catchmentData
        ? {
            type: 'FeatureCollection',
            features: catchmentData.features
              .filter((f) => f.geometry)
              .map((f) => ({ type: 'Feature', properties: { ...f.properties, colour: ORG_KIND_COLOURS[f.properties.kind] ?? '#64748b' }, geometry: f.geometry! })),
          }
        : EMPTY_COLLECTION;
    setSourceData(map, 'reach-bands', bands);
    setSourceData(map, 'reach-route', line);
    setSourceData(map, 'reach-catchments', areas);
    const count = mode === 'isochrone' ? bands.features.length : mode === 'route' ? line.features.length : areas.features.length;
    // Walking layers read better over paler areas.
    map.setPaintProperty('subdistrict-fill', 'fill-opacity', count > 0 ? 0.22 : 0.5);
    // A new isochrone: bring the walkable area into view (on a phone the whole district is too small to see it).
    if (mode === 'isochrone' && isoData && fittedRef.current !== isoData) {
      fittedRef.current = isoData;
      const around = boundsOf(isoData.features);
      if (around) map.fitBounds(around, { padding: 36, maxZoom: 15.5, duration: 0 });
    }
    const key = `${mode}:${count}`;
    let current = true;
    map.once('idle', () => {
      if (current) setDrawn(key);
    });
    map.triggerRepaint();
    return () => {
      current = false;
    };
  }, [status, mode, isoData, routeData, catchmentData]);

  // ----- markers: the isochrone origin, the route's A and B
  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true') return;
    const placed: maplibregl.Marker[] = [];
    if (mode === 'isochrone' && origin) {
      placed.push(new maplibregl.Marker({ element: badgeElement('', 'map-badge-origin', t('reach.origin')) }).setLngLat([origin.lon, origin.lat]).addTo(map));
    }
    if (mode === 'route') {
      if (routeEnds.a) placed.push(new maplibregl.Marker({ element: badgeElement('A', 'map-badge-a', t('reach.route.from')) }).setLngLat([routeEnds.a.lon, routeEnds.a.lat]).addTo(map));
      if (routeEnds.b) placed.push(new maplibregl.Marker({ element: badgeElement('B', 'map-badge-b', t('reach.route.to')) }).setLngLat([routeEnds.b.lon, routeEnds.b.lat]).addTo(map));
    }
    return () => {
      for (const m of placed) m.remove();
    };
  }, [status, mode, origin, routeEnds, t]);

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
      <div className="reach-modes" role="group" aria-label={t('reach.modeLabel')} data-testid="reach-modes">
        {(['isochrone', 'route', 'catchments'] as const).map((m) => (
          <button
            key={m}
            type="button"
            aria-pressed={mode === m}
            className={`reach-mode ${mode === m ? 'active' : ''}`}
            data-testid={`reach-mode-${m}`}
            onClick={() => setMode(m)}
          >
            {t(`reach.modes.${m}`)}
          </button>
        ))}
      </div>
      <p className="reach-hint small muted" data-testid="reach-hint" aria-live="polite">
        {mode === 'isochrone' && t('reach.hint.isochrone', { bands: ISOCHRONE_BANDS.join(t('common.listSeparator')) })}
        {mode === 'route' && (routeEnds.a && !routeEnds.b ? t('reach.hint.routeB') : t('reach.hint.routeA'))}
        {mode === 'catchments' && t('reach.hint.catchments')}
      </p>
      <div className="map-layout">
        <div className="map-frame">
          <div
            ref={container}
            className="map-canvas"
            data-testid="district-map"
            data-loaded={status}
            data-drawn={drawn}
            aria-label={t('map.title')}
            role="region"
          />
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
        <div className="map-side">
          <ReachPanel
            mode={mode}
            status={reachStatus.data}
            statusError={reachStatus.error}
            isochrone={{ origin, result: isoData, loading: !!origin && isochrone.loading, error: isochrone.error, clear: () => setOrigin(null) }}
            route={{
              ends: routeEnds,
              result: routeData,
              loading: !!routeEnds.b && route.loading,
              error: route.error,
              clear: () => setRouteEnds({ a: null, b: null }),
            }}
            catchments={{
              kind: catchmentKind,
              minutes: catchmentMinutes,
              setKind: setCatchmentKind,
              setMinutes: setCatchmentMinutes,
              result: catchmentData,
              loading: catchmentsOpened && catchments.loading,
              error: catchments.error,
              retry: catchments.reload,
            }}
          />
          <aside className="card">
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
    </div>
  );
}

export default MapPage;
