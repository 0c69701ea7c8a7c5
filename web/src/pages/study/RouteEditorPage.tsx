import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { api } from '../../api.ts';
import { Loading, useAction, usePageTitle, useAsync } from '../../components/ui.tsx';
import { boundsOf, createOfflineMap, setSourceData, webglAvailable } from '../../components/mapkit.ts';
import { useSession } from '../../session.tsx';
import { canPlanRoutes, isDistrictStaff, termName, type BaseFeature, type StudyMap, type StudyRoute } from './studyApi.ts';
import { baseCollection, categoryColours, NO_CATEGORY_COLOUR, stopMarker } from './studyMapKit.ts';
import { StatusActions, StopList } from './RouteDetailPage.tsx';
import { useCategories, WalkFacts } from './RoutesPage.tsx';
import { MethodLabel, StatusChip, StudyErrorNotice } from './StudyUi.tsx';

const MAX_STOPS = 12;
const MIN_STOPS = 2;
const DEFAULT_DWELL = 30;
const PICK_LIMIT = 40;

interface DraftStop {
  organisationId: string;
  name: string;
  dwellMinutes: number;
  note: string;
}

/** The route editor (new and edit): stops picked from the bases (list or map), ordered, with their stays. */
export function RouteEditorPage() {
  const { id } = useParams();
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  usePageTitle(id ? t('study.editor.editTitle') : t('study.editor.newTitle'));
  const { categories } = useCategories();
  const colours = useMemo(() => categoryColours(categories), [categories]);
  const bases = useAsync((signal) => api.get<StudyMap>('/api/study/map', undefined, { signal }), []);
  const existing = useAsync((signal) => (id ? api.get<StudyRoute>(`/api/study/routes/${id}`, undefined, { signal }) : Promise.resolve(null)), [id]);

  const [title, setTitle] = useState('');
  const [theme, setTheme] = useState('');
  const [description, setDescription] = useState('');
  const [stops, setStops] = useState<DraftStop[]>([]);
  const [publish, setPublish] = useState(false);
  // A new route moves to its edit address after the first save; the answer (with its legs) travels along.
  const [saved, setSaved] = useState<StudyRoute | null>(() => (location.state as { saved?: StudyRoute } | null)?.saved ?? null);
  const [loadedId, setLoadedId] = useState<string | null>(null);
  const save = useAction();

  // Fill the form once from the stored route.
  useEffect(() => {
    const route = existing.data;
    if (!route || loadedId === route.id) return;
    setLoadedId(route.id);
    setTitle(route.title);
    setTheme(route.theme ?? '');
    setDescription(route.description ?? '');
    setStops(route.stops.map((s) => ({ organisationId: s.organisationId, name: s.name, dwellMinutes: s.dwellMinutes, note: s.note ?? '' })));
  }, [existing.data, loadedId]);

  const current = saved ?? existing.data ?? null;

  function add(base: BaseFeature) {
    setStops((list) =>
      list.length >= MAX_STOPS || list.some((s) => s.organisationId === base.properties.id)
        ? list
        : [...list, { organisationId: base.properties.id, name: base.properties.name, dwellMinutes: DEFAULT_DWELL, note: '' }],
    );
  }
  function move(index: number, by: -1 | 1) {
    setStops((list) => {
      const to = index + by;
      if (to < 0 || to >= list.length) return list;
      const next = [...list];
      [next[index], next[to]] = [next[to], next[index]];
      return next;
    });
  }
  function patchStop(index: number, change: Partial<DraftStop>) {
    setStops((list) => list.map((s, i) => (i === index ? { ...s, ...change } : s)));
  }
  function remove(index: number) {
    setStops((list) => list.filter((_, i) => i !== index));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      title: title.trim(),
      theme: theme || null,
      description: description.trim() || null,
      stops: stops.map((s) => ({ organisationId: s.organisationId, dwellMinutes: s.dwellMinutes, note: s.note.trim() || null })),
    };
    const result = await save.run(() =>
      id
        ? api.patch<StudyRoute>(`/api/study/routes/${id}`, body)
        : api.post<StudyRoute>('/api/study/routes', { ...body, ...(publish ? { publish: true } : {}) }),
    );
    if (result) {
      setSaved(result);
      setLoadedId(result.id);
      if (!id) navigate(`/study/routes/${result.id}/edit`, { replace: true, state: { saved: result } });
    }
  }

  if (!canPlanRoutes(session)) {
    return (
      <section className="page narrow">
        <h1>{t('forbidden.title')}</h1>
        <p>{t('forbidden.body')}</p>
      </section>
    );
  }

  const stopIds = new Set(stops.map((s) => s.organisationId));

  return (
    <div className="page page-wide study-page">
      <p className="breadcrumb">
        <Link to="/study/routes">{t('study.routes.title')}</Link>
        {current && (
          <>
            {' / '}
            <Link to={`/study/routes/${current.id}`}>{current.title}</Link>
          </>
        )}
      </p>
      <div className="page-head">
        <h1>{id ? t('study.editor.editTitle') : t('study.editor.newTitle')}</h1>
        {current && (
          <div className="actions">
            <StatusChip status={current.status} />
            <StatusActions route={current} onChanged={(r) => setSaved(r)} />
          </div>
        )}
      </div>
      <StudyErrorNotice error={existing.error ?? bases.error} onRetry={() => (existing.error ? existing.reload() : bases.reload())} />
      {(existing.loading && id) || (bases.loading && !bases.data) ? <Loading /> : null}

      <div className="study-editor">
        <form className="card form" onSubmit={submit} data-testid="route-form">
          <label className="field">
            <span>{t('study.editor.routeTitle')}</span>
            <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} data-testid="editor-title" />
          </label>
          <div className="form-row">
            <label className="field">
              <span>{t('study.editor.theme')}</span>
              <select value={theme} onChange={(e) => setTheme(e.target.value)} data-testid="editor-theme">
                <option value="">{t('study.editor.noTheme')}</option>
                {categories.map((c) => (
                  <option key={c.code} value={c.code}>
                    {termName(c, i18n.language)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <label className="field">
            <span>
              {t('study.editor.description')} <small className="muted">{t('common.optional')}</small>
            </span>
            <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={5000} data-testid="editor-description" />
          </label>

          <h2>{t('study.editor.stops', { n: stops.length, max: MAX_STOPS })}</h2>
          {stops.length === 0 && <p className="muted small">{t('study.editor.noStops')}</p>}
          <ol className="study-editor-stops" data-testid="editor-stops">
            {stops.map((stop, i) => (
              <li key={stop.organisationId} className="study-editor-stop" data-testid="editor-stop">
                <span className="study-stop-badge static" aria-hidden="true">
                  {i + 1}
                </span>
                <div className="study-editor-stop-main">
                  <strong>{stop.name}</strong>
                  <div className="study-editor-stop-fields">
                    <label className="field">
                      <span className="small">{t('study.editor.dwell')}</span>
                      <input
                        type="number"
                        inputMode="numeric"
                        min={0}
                        max={480}
                        value={stop.dwellMinutes}
                        onChange={(e) => patchStop(i, { dwellMinutes: Math.max(0, Math.min(480, Math.round(Number(e.target.value) || 0))) })}
                        data-testid="editor-dwell"
                      />
                    </label>
                    <label className="field grow">
                      <span className="small">{t('study.editor.note')}</span>
                      <input value={stop.note} onChange={(e) => patchStop(i, { note: e.target.value })} maxLength={500} data-testid="editor-note" />
                    </label>
                  </div>
                </div>
                <div className="study-editor-stop-buttons">
                  <button type="button" className="btn btn-small" onClick={() => move(i, -1)} disabled={i === 0} aria-label={t('study.editor.up', { name: stop.name })} data-testid="editor-up">
                    ↑
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => move(i, 1)}
                    disabled={i === stops.length - 1}
                    aria-label={t('study.editor.down', { name: stop.name })}
                    data-testid="editor-down"
                  >
                    ↓
                  </button>
                  <button type="button" className="btn btn-small btn-danger" onClick={() => remove(i)} aria-label={t('study.editor.remove', { name: stop.name })} data-testid="editor-remove">
                    ×
                  </button>
                </div>
              </li>
            ))}
          </ol>
          {stops.length > 0 && stops.length < MIN_STOPS && <p className="small muted">{t('study.editor.needTwo')}</p>}

          {!id && isDistrictStaff(session) && (
            <label className="study-check">
              <input type="checkbox" checked={publish} onChange={(e) => setPublish(e.target.checked)} data-testid="editor-publish" /> {t('study.editor.publishNow')}
            </label>
          )}
          {!id && !isDistrictStaff(session) && <p className="small muted">{t('study.editor.draftNote')}</p>}
          <StudyErrorNotice
            error={save.error}
            fields={{ title: { label: t('study.editor.routeTitle') }, theme: { label: t('study.editor.theme') }, stops: { label: t('study.editor.stopsLabel') } }}
          />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={save.busy || stops.length < MIN_STOPS || !title.trim()} data-testid="editor-save">
              {save.busy ? t('common.saving') : t('study.editor.save')}
            </button>
            {current && (
              <Link to={`/study/routes/${current.id}`} className="btn btn-quiet">
                {t('study.editor.view')}
              </Link>
            )}
          </div>

          {saved && (
            <div className="notice notice-success" role="status" data-testid="editor-saved">
              <p>{t('study.editor.saved')}</p>
              <WalkFacts route={saved} />
              <p className="small">
                <MethodLabel method={saved.walk.method} explain />
              </p>
              <StopList route={saved} />
            </div>
          )}
        </form>

        <BasePicker bases={bases.data?.features ?? []} colours={colours} stopIds={stopIds} stops={stops} full={stops.length >= MAX_STOPS} onAdd={add} />
      </div>
    </div>
  );
}

/** Bases to add: searchable list and a map (tap a base, then add it); the chosen stops are numbered on the map. */
function BasePicker({
  bases,
  colours,
  stopIds,
  stops,
  full,
  onAdd,
}: {
  bases: BaseFeature[];
  colours: Map<string, string>;
  stopIds: Set<string>;
  stops: DraftStop[];
  full: boolean;
  onAdd: (base: BaseFeature) => void;
}) {
  const { t, i18n } = useTranslation();
  const [query, setQuery] = useState('');
  const [candidate, setCandidate] = useState<string | null>(null);
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [status, setStatus] = useState<'pending' | 'true' | 'error'>('pending');
  const byId = useMemo(() => new Map(bases.map((b) => [b.properties.id, b])), [bases]);

  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    const collator = new Intl.Collator(i18n.language);
    return bases
      .filter((b) => !q || b.properties.name.toLowerCase().includes(q) || b.properties.categories.some((c) => termName(c, i18n.language).toLowerCase().includes(q)))
      .sort((a, b) => collator.compare(a.properties.name, b.properties.name));
  }, [bases, query, i18n.language]);

  const hasBases = bases.length > 0;
  useEffect(() => {
    if (!hasBases || !container.current || !webglAvailable()) {
      if (hasBases && !webglAvailable()) setStatus('error');
      return;
    }
    const map = createOfflineMap(container.current, boundsOf(bases));
    map.on('load', () => {
      map.addSource('bases', { type: 'geojson', data: baseCollection(bases, colours) });
      map.addLayer({
        id: 'bases',
        type: 'circle',
        source: 'bases',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 4, 15, 8],
          'circle-color': ['coalesce', ['get', 'colour'], NO_CATEGORY_COLOUR],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.2,
        },
      });
      map.on('click', (event) => {
        const { x, y } = event.point;
        const hit = map.queryRenderedFeatures(
          [
            [x - 8, y - 8],
            [x + 8, y + 8],
          ],
          { layers: ['bases'] },
        )[0];
        setCandidate(hit ? String(hit.properties.id) : null);
      });
      map.on('mouseenter', 'bases', () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', 'bases', () => (map.getCanvas().style.cursor = ''));
      mapRef.current = map;
      map.once('idle', () => setStatus('true'));
    });
    return () => {
      mapRef.current = null;
      map.remove();
      setStatus('pending');
    };
    // drawn once per set of bases; colours follow in the next effect
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hasBases]);

  useEffect(() => {
    const map = mapRef.current;
    if (map && status === 'true') setSourceData(map, 'bases', baseCollection(bases, colours));
  }, [status, bases, colours]);

  // Numbered markers for the chosen stops.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true') return;
    const placed: maplibregl.Marker[] = [];
    stops.forEach((s, i) => {
      const base = byId.get(s.organisationId);
      if (!base) return;
      placed.push(stopMarker(i + 1, t('study.route.stopLabel', { n: i + 1, name: s.name })).setLngLat(base.geometry.coordinates as [number, number]).addTo(map));
    });
    return () => {
      for (const m of placed) m.remove();
    };
  }, [status, stops, byId, t]);

  const chosen = candidate ? byId.get(candidate) : undefined;

  return (
    <section className="card study-picker" data-testid="base-picker">
      <h2>{t('study.editor.pickTitle')}</h2>
      <div className="map-frame">
        <div ref={container} className="map-canvas study-picker-map" data-testid="picker-map" data-loaded={status} role="region" aria-label={t('study.editor.pickTitle')} />
      </div>
      {chosen && (
        <div className="study-candidate" data-testid="picker-candidate">
          <strong>{chosen.properties.name}</strong>
          <button type="button" className="btn btn-small btn-primary" disabled={full || stopIds.has(chosen.properties.id)} onClick={() => onAdd(chosen)}>
            {stopIds.has(chosen.properties.id) ? t('study.editor.added') : t('study.editor.add')}
          </button>
        </div>
      )}
      <label className="field study-search">
        <span>{t('study.map.search')}</span>
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('study.map.searchPlaceholder')} data-testid="picker-search" />
      </label>
      {full && <p className="small muted">{t('study.editor.full', { max: MAX_STOPS })}</p>}
      <ul className="study-picker-list">
        {matches.slice(0, PICK_LIMIT).map((b) => (
          <li key={b.properties.id} data-testid="picker-item">
            <span className="study-term">
              <span className="swatch swatch-circle" style={{ background: colours.get(b.properties.categories[0]?.code ?? '') ?? NO_CATEGORY_COLOUR }} aria-hidden="true" />
              {b.properties.name}
            </span>
            <button
              type="button"
              className="btn btn-small"
              disabled={full || stopIds.has(b.properties.id)}
              onClick={() => onAdd(b)}
              data-testid="picker-add"
              aria-label={t('study.editor.addNamed', { name: b.properties.name })}
            >
              {stopIds.has(b.properties.id) ? t('study.editor.added') : t('study.editor.add')}
            </button>
          </li>
        ))}
      </ul>
      {matches.length > PICK_LIMIT && <p className="small muted">{t('study.editor.more', { n: matches.length - PICK_LIMIT })}</p>}
    </section>
  );
}

export default RouteEditorPage;
