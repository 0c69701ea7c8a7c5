import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { api } from '../../api.ts';
import { Loading, usePageTitle, useAsync } from '../../components/ui.tsx';
import { boundsOf, createOfflineMap, setSourceData, webglAvailable } from '../../components/mapkit.ts';
import { BaseCard } from './BaseCard.tsx';
import { termName, type BaseFeature, type StudyMap, type Taxonomy } from './studyApi.ts';
import { addDistrictContext, baseCollection, categoryColours, NO_CATEGORY_COLOUR } from './studyMapKit.ts';
import { IllustrativeNote, StudyErrorNotice } from './StudyUi.tsx';
import { useDistrictContext } from './useDistrict.ts';

type MapStatus = 'pending' | 'true' | 'error';
type SortKey = 'name' | 'category';

/** How far (px) around a tap a base still counts as tapped. */
const TAP_TOLERANCE_PX = 8;

/** 研学地图: every base coloured by category, filtered by category and designation, as a map or a sortable list. */
export function StudyMapPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('study.map.title'));
  const [params, setParams] = useSearchParams();
  const category = params.get('category') ?? '';
  const designation = params.get('designation') ?? '';
  const selectedId = params.get('base');
  const view = params.get('view') === 'list' ? 'list' : 'map';

  const taxonomies = useAsync((signal) => api.get<{ items: Taxonomy[] }>('/api/directory/taxonomies', undefined, { signal }), []);
  const all = useAsync((signal) => api.get<StudyMap>('/api/study/map', undefined, { signal }), []);
  const filtered = useAsync(
    (signal) => (category || designation ? api.get<StudyMap>('/api/study/map', { category, designation }, { signal }) : Promise.resolve(null)),
    [category, designation],
  );
  // The district outline behind the bases: context only, the page works without it.
  const { context, settled: contextSettled } = useDistrictContext();

  const categories = useMemo(() => [...(taxonomies.data?.items.find((x) => x.id === 'base_category')?.terms ?? [])].sort((a, b) => a.sortOrder - b.sortOrder), [taxonomies.data]);
  const designations = useMemo(() => [...(taxonomies.data?.items.find((x) => x.id === 'designation')?.terms ?? [])].sort((a, b) => a.sortOrder - b.sortOrder), [taxonomies.data]);
  const colours = useMemo(() => categoryColours(categories), [categories]);
  const categoryOrder = useMemo(() => new Map(categories.map((c, i) => [c.code, i])), [categories]);

  const filterKey = `${category}|${designation}`;
  /** The bases the filters select (all of them without a filter); null while the filtered answer is on its way. */
  const shown: BaseFeature[] | null = category || designation ? (filtered.loading ? null : (filtered.data?.features ?? null)) : (all.data?.features ?? null);

  const counts = useMemo(() => {
    const byCategory = new Map<string, number>();
    const byDesignation = new Map<string, number>();
    for (const f of all.data?.features ?? []) {
      for (const c of f.properties.categories) byCategory.set(c.code, (byCategory.get(c.code) ?? 0) + 1);
      for (const d of f.properties.designations) byDesignation.set(d.code, (byDesignation.get(d.code) ?? 0) + 1);
    }
    return { byCategory, byDesignation };
  }, [all.data]);

  const selected = useMemo(() => all.data?.features.find((f) => f.properties.id === selectedId) ?? null, [all.data, selectedId]);

  function update(changes: Record<string, string | null>) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        return next;
      },
      { replace: true },
    );
  }
  const updateRef = useRef(update);
  updateRef.current = update;

  // ----- the map
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [status, setStatus] = useState<MapStatus>('pending');
  const [mapError, setMapError] = useState<string | null>(null);
  /** What the map shows after its last drawn frame ("category|designation|count"): for tests and screen readers. */
  const [drawn, setDrawn] = useState('');
  const ready = !!all.data && !!taxonomies.data && contextSettled;

  useEffect(() => {
    if (!ready || !all.data || !container.current) return;
    if (!webglAvailable()) {
      setStatus('error');
      setMapError('webgl');
      return;
    }
    const district = context?.district ?? null;
    const bounds = (district && boundsOf([district])) || boundsOf(all.data.features);
    let map: maplibregl.Map;
    try {
      map = createOfflineMap(container.current, bounds);
    } catch (err) {
      setStatus('error');
      setMapError(err instanceof Error ? err.message : String(err));
      return;
    }
    let hover: maplibregl.Popup | null = null;
    map.on('error', (event) => {
      if (!map.loaded()) {
        setStatus((s) => (s === 'true' ? s : 'error'));
        setMapError(event.error?.message ?? 'error');
      }
    });
    map.on('load', () => {
      addDistrictContext(map, context);
      map.addSource('bases', { type: 'geojson', data: baseCollection([], colours) });
      map.addLayer({
        id: 'bases',
        type: 'circle',
        source: 'bases',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 4.5, 15, 9],
          'circle-color': ['coalesce', ['get', 'colour'], NO_CATEGORY_COLOUR],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      });
      map.addLayer({
        id: 'base-selected',
        type: 'circle',
        source: 'bases',
        filter: ['==', ['get', 'id'], ''],
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 9, 15, 14],
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': '#111827',
          'circle-stroke-width': 3,
        },
      });
      map.on('click', (event) => {
        const { x, y } = event.point;
        const hit = map.queryRenderedFeatures(
          [
            [x - TAP_TOLERANCE_PX, y - TAP_TOLERANCE_PX],
            [x + TAP_TOLERANCE_PX, y + TAP_TOLERANCE_PX],
          ],
          { layers: ['bases'] },
        )[0];
        if (hit) updateRef.current({ base: String(hit.properties.id) });
      });
      map.on('mousemove', 'bases', (event) => {
        map.getCanvas().style.cursor = 'pointer';
        const f = event.features?.[0];
        if (!f) return;
        hover?.remove();
        hover = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 10, className: 'study-hover' })
          .setLngLat(event.lngLat)
          .setText(String(f.properties.name ?? ''))
          .addTo(map);
      });
      map.on('mouseleave', 'bases', () => {
        map.getCanvas().style.cursor = '';
        hover?.remove();
        hover = null;
      });
      mapRef.current = map;
      map.once('idle', () => setStatus('true'));
    });
    return () => {
      hover?.remove();
      mapRef.current = null;
      map.remove();
      setStatus('pending');
    };
    // colours come with the taxonomies (part of `ready`)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready]);

  // ----- draw the selected bases
  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true' || !shown) return;
    setSourceData(map, 'bases', baseCollection(shown, colours));
    const key = `${filterKey}|${shown.length}`;
    let current = true;
    map.once('idle', () => {
      if (current) setDrawn(key);
    });
    map.triggerRepaint();
    return () => {
      current = false;
    };
  }, [status, shown, colours, filterKey]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true') return;
    map.setFilter('base-selected', ['==', ['get', 'id'], selectedId ?? '']);
  }, [status, selectedId]);

  // A map hidden behind the list has no size: give it its size back when it is shown again.
  useEffect(() => {
    if (view === 'map') mapRef.current?.resize();
  }, [view]);

  function showOnMap(base: BaseFeature) {
    update({ base: base.properties.id, view: null });
    const map = mapRef.current;
    if (map) {
      requestAnimationFrame(() => {
        map.resize();
        map.easeTo({ center: base.geometry.coordinates as [number, number], zoom: Math.max(map.getZoom(), 14), duration: 0 });
      });
    }
  }

  // ----- the list
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'name', dir: 1 });
  const [query, setQuery] = useState('');
  const collator = useMemo(() => new Intl.Collator(i18n.language), [i18n.language]);
  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const list = (shown ?? []).filter((f) => !q || f.properties.name.toLowerCase().includes(q));
    const catIndex = (f: BaseFeature) => categoryOrder.get(f.properties.categories[0]?.code ?? '') ?? 999;
    return [...list].sort((a, b) => {
      const byName = collator.compare(a.properties.name, b.properties.name);
      const primary = sort.key === 'name' ? byName : catIndex(a) - catIndex(b) || byName;
      return primary * sort.dir;
    });
  }, [shown, query, sort, collator, categoryOrder]);

  function sortBy(key: SortKey) {
    setSort((s) => (s.key === key ? { key, dir: s.dir === 1 ? -1 : 1 } : { key, dir: 1 }));
  }
  const ariaSort = (key: SortKey) => (sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none');

  const nf = new Intl.NumberFormat(i18n.language);
  const total = all.data?.features.length ?? 0;

  return (
    <div className="page page-wide study-page">
      <div className="page-head">
        <h1>{t('study.map.title')}</h1>
        <Link to="/study/routes" className="btn btn-small">
          {t('study.map.toRoutes')}
        </Link>
      </div>
      <p className="muted">{t('study.map.intro')}</p>
      <IllustrativeNote />
      <StudyErrorNotice error={all.error ?? taxonomies.error} onRetry={() => (all.error ? all.reload() : taxonomies.reload())} />
      <StudyErrorNotice error={filtered.error} onRetry={filtered.reload} />

      <div className="study-filters" data-testid="study-filters">
        <div className="study-chip-row" role="group" aria-label={t('study.map.byCategory')}>
          <span className="study-chip-label">{t('study.map.byCategory')}</span>
          <button type="button" className="study-filter-chip" aria-pressed={!category} onClick={() => update({ category: null })} data-testid="category-chip-all">
            {t('study.map.all')}
          </button>
          {categories.map((c) => (
            <button
              key={c.code}
              type="button"
              className="study-filter-chip"
              aria-pressed={category === c.code}
              onClick={() => update({ category: category === c.code ? null : c.code })}
              data-testid={`category-chip-${c.code}`}
            >
              <span className="swatch swatch-circle" style={{ background: colours.get(c.code) }} aria-hidden="true" />
              {termName(c, i18n.language)}
            </button>
          ))}
        </div>
        <div className="study-chip-row" role="group" aria-label={t('study.map.byDesignation')}>
          <span className="study-chip-label">{t('study.map.byDesignation')}</span>
          <button type="button" className="study-filter-chip" aria-pressed={!designation} onClick={() => update({ designation: null })} data-testid="designation-chip-all">
            {t('study.map.all')}
          </button>
          {designations.map((d) => (
            <button
              key={d.code}
              type="button"
              className="study-filter-chip"
              aria-pressed={designation === d.code}
              onClick={() => update({ designation: designation === d.code ? null : d.code })}
              data-testid={`designation-chip-${d.code}`}
            >
              {termName(d, i18n.language)}
              <span className="muted small"> {nf.format(counts.byDesignation.get(d.code) ?? 0)}</span>
            </button>
          ))}
        </div>
      </div>

      <div className="study-toolbar">
        <div className="study-segmented" role="radiogroup" aria-label={t('study.map.view')}>
          {(['map', 'list'] as const).map((v) => (
            <button
              key={v}
              type="button"
              role="radio"
              aria-checked={view === v}
              className={`study-segment ${view === v ? 'active' : ''}`}
              onClick={() => update({ view: v === 'list' ? 'list' : null })}
              data-testid={`view-${v}`}
            >
              {t(`study.map.views.${v}`)}
            </button>
          ))}
        </div>
        <span className="small" data-testid="base-count" aria-live="polite">
          {shown ? t('study.map.count', { shown: nf.format(shown.length), total: nf.format(total) }) : t('app.loading')}
        </span>
      </div>

      <div className="map-layout">
        <div>
          <div className="map-frame" hidden={view !== 'map'}>
            <div
              ref={container}
              className="map-canvas"
              data-testid="study-map"
              data-loaded={status}
              data-drawn={drawn}
              role="region"
              aria-label={t('study.map.title')}
            />
            {status === 'pending' && !all.error && (
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
          {view === 'list' && (
            <section className="card study-list" data-testid="base-list">
              <label className="field study-search">
                <span>{t('study.map.search')}</span>
                <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('study.map.searchPlaceholder')} data-testid="base-search" />
              </label>
              {!shown && <Loading />}
              {shown && rows.length === 0 && <p className="muted">{t('study.map.noBases')}</p>}
              {shown && rows.length > 0 && (
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col" aria-sort={ariaSort('name')}>
                          <button type="button" className="study-sort" onClick={() => sortBy('name')} data-testid="sort-name">
                            {t('study.map.colName')} {sort.key === 'name' ? (sort.dir === 1 ? '↑' : '↓') : ''}
                          </button>
                        </th>
                        <th scope="col" aria-sort={ariaSort('category')}>
                          <button type="button" className="study-sort" onClick={() => sortBy('category')} data-testid="sort-category">
                            {t('study.map.colCategory')} {sort.key === 'category' ? (sort.dir === 1 ? '↑' : '↓') : ''}
                          </button>
                        </th>
                        <th scope="col">{t('study.map.colDesignation')}</th>
                        <th scope="col">
                          <span className="visually-hidden">{t('study.map.open')}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((f) => (
                        <tr key={f.properties.id} data-testid="base-row" aria-selected={f.properties.id === selectedId}>
                          <td>
                            <button type="button" className="study-link" onClick={() => update({ base: f.properties.id })} data-testid="base-row-open">
                              {f.properties.name}
                            </button>
                          </td>
                          <td>
                            {f.properties.categories.map((c) => (
                              <span key={c.code} className="study-term">
                                <span className="swatch swatch-circle" style={{ background: colours.get(c.code) }} aria-hidden="true" />
                                {termName(c, i18n.language)}
                              </span>
                            ))}
                          </td>
                          <td className="small">{f.properties.designations.map((d) => termName(d, i18n.language)).join(t('common.listSeparator'))}</td>
                          <td>
                            <button type="button" className="btn btn-small" onClick={() => showOnMap(f)}>
                              {t('study.map.showOnMap')}
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          )}
        </div>
        <div className="map-side">
          {selected && <BaseCard key={selected.properties.id} base={selected} colours={colours} onClose={() => update({ base: null })} />}
          {!selected && <p className="small muted study-tap-hint">{t('study.map.tapHint')}</p>}
          <aside className="card" data-testid="study-legend">
            <h2>{t('study.map.legend')}</h2>
            <ul className="legend">
              {categories.map((c) => (
                <li key={c.code} data-testid="legend-category" data-code={c.code}>
                  <span className="swatch swatch-circle" style={{ background: colours.get(c.code) }} aria-hidden="true" />
                  <span className="study-legend-text">
                    {termName(c, i18n.language)} <span className="muted small">({nf.format(counts.byCategory.get(c.code) ?? 0)})</span>
                  </span>
                </li>
              ))}
            </ul>
            <p className="small muted">{t('study.map.legendTotal', { total: nf.format(total) })}</p>
          </aside>
        </div>
      </div>
    </div>
  );
}

export default StudyMapPage;
