// District coverage (staff): stored runs, a new run (district staff), the cells on a map coloured by walking minutes,
// covered share per subdistrict (chart and table), and suggested new sites (district staff).
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Feature, FeatureCollection } from 'geojson';
import { api, isApiError } from '../api.ts';
import { CoverageChart } from '../components/CoverageChart.tsx';
import { MethodNote, MethodTag } from '../components/ReachPanel.tsx';
import { badgeElement, boundsOf, createOfflineMap, EMPTY_COLLECTION, ORG_KIND_COLOURS, setSourceData, webglAvailable } from '../components/mapkit.ts';
import { ErrorNotice, formatDateTime, Loading, Notice, useAction, useAsync, usePageTitle, type IssueFields } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import { ORG_KINDS, type OrgKind, type RegistryMap } from '../types.ts';
import {
  cellClass,
  CLASS_COLOURS,
  formatMinutes,
  formatShare,
  isDistrictStaff,
  methodLabel,
  minuteBreaks,
  type AreaSummary,
  type CoverageCells,
  type CoverageRun,
  type GapPick,
  type GapResult,
  type ReachMethod,
  type ReachStatus,
} from '../reach.ts';

const NEAREST = '';

function kindName(t: TFunction, kind: string): string {
  return t(`orgKinds.${kind}`, { defaultValue: kind });
}

export function CoveragePage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('coverage.title'));
  const { session } = useSession();
  const canRun = isDistrictStaff(session);
  const runs = useAsync((signal) => api.get<{ items: CoverageRun[] }>('/api/reach/coverage-runs', { limit: 20 }, { signal }), []);
  const reachStatus = useAsync((signal) => api.get<ReachStatus>('/api/reach/status', undefined, { signal }), []);
  const registry = useAsync((signal) => api.get<RegistryMap>('/api/registry/map', undefined, { signal }), []);

  // Runs created on this page come first (the list is not reloaded: the POST answer is the full run).
  const [createdRuns, setCreatedRuns] = useState<CoverageRun[]>([]);
  const allRuns = useMemo(() => {
    const seen = new Set<string>();
    return [...createdRuns, ...(runs.data?.items ?? [])].filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  }, [createdRuns, runs.data]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = allRuns.find((r) => r.id === selectedId) ?? allRuns[0] ?? null;

  const cells = useAsync(
    (signal) => (selected ? api.get<CoverageCells>(`/api/reach/coverage-runs/${encodeURIComponent(selected.id)}/cells`, undefined, { signal }) : Promise.resolve(null)),
    [selected?.id],
  );
  const cellData = cells.data && selected && cells.data.runId === selected.id ? cells.data : null;

  const [kind, setKind] = useState<string>(NEAREST);
  const [gaps, setGaps] = useState<GapResult | null>(null);
  useEffect(() => {
    setGaps(null);
    if (selected && kind !== NEAREST && !selected.categories.includes(kind)) setKind(NEAREST);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected?.id]);

  return (
    <div className="page page-wide" data-testid="coverage-page">
      <h1>{t('coverage.title')}</h1>
      <p className="muted">{t('coverage.intro')}</p>
      <div className="coverage-grid">
        <div className="coverage-side">
          <section className="card" aria-labelledby="runs-title">
            <h2 id="runs-title">{t('coverage.runs')}</h2>
            <ErrorNotice error={runs.error} onRetry={runs.reload} />
            {runs.loading && !runs.data && <Loading />}
            {runs.data && allRuns.length === 0 && (
              <p className="muted" data-testid="no-runs">
                {t('coverage.noRuns')} {!canRun && t('coverage.noRunsHint')}
              </p>
            )}
            {allRuns.length > 0 && (
              <ul className="run-list" data-testid="run-list">
                {allRuns.map((run) => (
                  <li key={run.id}>
                    <button type="button" className="run-item" aria-current={run.id === selected?.id} onClick={() => setSelectedId(run.id)} data-testid="run-item">
                      <strong>{formatDateTime(run.createdAt, i18n.language)}</strong>
                      <span className="small">
                        <MethodTag method={run.method} /> {t('reach.minutesValue', { value: run.minutes })} · {t('reach.m', { value: run.cellM })} ·{' '}
                        {t('common.labelled', { label: t('coverage.cells'), value: run.cellCount })}
                      </span>
                      <span className="small muted">{run.categories.map((k) => kindName(t, k)).join(t('common.listSeparator'))}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {canRun && <NewRunForm onCreated={(run) => {
            setCreatedRuns((list) => [run, ...list]);
            setSelectedId(run.id);
          }} />}
          {canRun && selected && (
            <GapsForm run={selected} status={reachStatus.data} onResult={setGaps} result={gaps} />
          )}
        </div>

        <div className="coverage-main sections">
          {selected && (
            <>
              <RunSummary run={selected} status={reachStatus.data} />
              <section className="card coverage-map" aria-labelledby="cells-title">
                <h2 id="cells-title">{t('coverage.mapTitle')}</h2>
                <div className="map-toolbar">
                  <label className="field">
                    <span>{t('coverage.colourBy')}</span>
                    <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="colour-by">
                      <option value={NEAREST}>{t('coverage.nearestAny')}</option>
                      {selected.categories.map((k) => (
                        <option key={k} value={k}>
                          {kindName(t, k)}
                        </option>
                      ))}
                    </select>
                  </label>
                </div>
                <ErrorNotice error={cells.error} onRetry={cells.reload} />
                <CellsMap run={selected} cells={cellData} registry={registry.data} kind={kind || null} picks={gaps?.picks ?? []} />
                <CellLegend run={selected} />
              </section>
              <section className="card" aria-labelledby="chart-title">
                <h2 id="chart-title">
                  {t('coverage.chartTitle', { minutes: selected.minutes, method: methodLabel(t, selected.method) })}
                </h2>
                <SubdistrictChart run={selected} kind={kind || null} />
                {selected.areasIllustrative && <p className="small muted">{t('coverage.areasIllustrative')}</p>}
              </section>
              <AreaTables run={selected} />
            </>
          )}
        </div>
      </div>
    </div>
  );
}

export default CoveragePage;

// ---------------------------------------------------------------------------------------------------------------------

function RunSummary({ run, status }: { run: CoverageRun; status: ReachStatus | undefined }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return (
    <section className="card" aria-labelledby="summary-title" data-testid="run-summary">
      <div className="section-head">
        <h2 id="summary-title">
          {t('coverage.summaryTitle', { minutes: run.minutes })} <MethodTag method={run.method} />
        </h2>
        <span className="small muted">{formatDateTime(run.createdAt, locale)}</span>
      </div>
      <p className="small muted">
        {t('common.labelled', { label: t('coverage.cellSize'), value: t('reach.m', { value: run.cellM }) })} ·{' '}
        {t('common.labelled', { label: t('coverage.cells'), value: run.cellCount })} · {t('coverage.venues', { count: run.venueCount })}
      </p>
      <dl className="kind-stats">
        {run.categories.map((k) => {
          const s = run.summary.byCategory[k];
          if (!s) return null;
          return (
            <div key={k} className="kind-stat" style={{ borderLeftColor: ORG_KIND_COLOURS[k as OrgKind] ?? '#64748b' }} data-testid="kind-stat">
              <dt>{kindName(t, k)}</dt>
              <dd>
                <span className="share">{formatShare(locale, s.coveredShare)}</span> <span className="small muted">{t('coverage.covered')}</span>
              </dd>
              <dd className="small muted">{t('coverage.coveredCells', { covered: s.coveredCells, cells: run.summary.cells })}</dd>
              <dd className="small">{t('coverage.meanMedian', { mean: formatMinutes(locale, s.meanMinutes), median: formatMinutes(locale, s.medianMinutes) })}</dd>
            </div>
          );
        })}
      </dl>
      <MethodNote method={run.method} status={status} testId="coverage-method" />
    </section>
  );
}

function CellLegend({ run }: { run: CoverageRun }) {
  const { t } = useTranslation();
  const breaks = minuteBreaks(run.minutes);
  const labels = [
    t('coverage.classUpTo', { minutes: breaks[0] }),
    t('coverage.classUpTo', { minutes: breaks[1] }),
    t('coverage.classUpTo', { minutes: breaks[2] }),
    t('coverage.classOver', { minutes: breaks[2] }),
    t('coverage.classUnreachable'),
  ];
  return (
    <ul className="legend-row" data-testid="cell-legend">
      {labels.map((label, i) => (
        <li key={i}>
          <span className="swatch swatch-band" style={{ background: CLASS_COLOURS[i] }} aria-hidden="true" />
          {label}
        </li>
      ))}
      <li>
        <MethodTag method={run.method} />
      </li>
    </ul>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// the cell map

type MapStatus = 'pending' | 'true' | 'error';

function CellsMap({ run, cells, registry, kind, picks }: { run: CoverageRun; cells: CoverageCells | null; registry: RegistryMap | undefined; kind: string | null; picks: GapPick[] }) {
  const { t, i18n } = useTranslation();
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [status, setStatus] = useState<MapStatus>('pending');
  const [mapError, setMapError] = useState<string | null>(null);
  const [drawn, setDrawn] = useState('cells:0');
  // The popup is built in the map's click handler: keep the latest inputs there.
  const latest = useRef({ cells, kind, run, t, locale: i18n.language });
  latest.current = { cells, kind, run, t, locale: i18n.language };

  // One map for the page; it waits for the registry (outline) or the first cells to know where to look.
  const ready = !!registry || !!cells;
  useEffect(() => {
    if (!ready || !container.current) return;
    if (!webglAvailable()) {
      setStatus('error');
      setMapError('webgl');
      return;
    }
    const startCells = latest.current.cells;
    const bounds = (registry && boundsOf([registry.district])) ?? (startCells ? boundsOf(startCells.features) : null);
    let map: maplibregl.Map;
    try {
      map = createOfflineMap(container.current, bounds);
    } catch (err) {
      setStatus('error');
      setMapError(err instanceof Error ? err.message : String(err));
      return;
    }
    let popup: maplibregl.Popup | null = null;
    map.on('error', (event) => {
      if (!map.loaded()) {
        setStatus((s) => (s === 'true' ? s : 'error'));
        setMapError(event.error?.message ?? 'error');
      }
    });
    map.on('load', () => {
      map.addSource('cells', { type: 'geojson', data: EMPTY_COLLECTION });
      map.addSource('subdistricts', { type: 'geojson', data: registry?.subdistricts ?? EMPTY_COLLECTION });
      map.addSource('district', { type: 'geojson', data: (registry?.district as Feature | undefined) ?? EMPTY_COLLECTION });
      map.addSource('organisations', { type: 'geojson', data: registry?.organisations ?? EMPTY_COLLECTION });
      map.addLayer({
        id: 'cell-fill',
        type: 'fill',
        source: 'cells',
        paint: {
          'fill-color': ['match', ['get', 'cls'], 0, CLASS_COLOURS[0], 1, CLASS_COLOURS[1], 2, CLASS_COLOURS[2], 3, CLASS_COLOURS[3], CLASS_COLOURS[4]],
          'fill-opacity': 0.78,
        },
      });
      map.addLayer({ id: 'cell-line', type: 'line', source: 'cells', minzoom: 13.5, paint: { 'line-color': '#ffffff', 'line-width': 0.5, 'line-opacity': 0.7 } });
      map.addLayer({ id: 'subdistrict-line', type: 'line', source: 'subdistricts', paint: { 'line-color': '#334155', 'line-width': 1, 'line-opacity': 0.6 } });
      map.addLayer({ id: 'district-line', type: 'line', source: 'district', paint: { 'line-color': '#2f6f5e', 'line-width': 2.5 } });
      map.addLayer({
        id: 'organisations',
        type: 'circle',
        source: 'organisations',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 2.5, 15, 6],
          'circle-color': ['match', ['get', 'kind'], ...ORG_KINDS.flatMap((k) => [k, ORG_KIND_COLOURS[k]]), '#64748b'] as unknown as maplibregl.ExpressionSpecification,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1,
        },
      });
      map.on('click', 'cell-fill', (event) => {
        popup?.remove();
        const idx = Number(event.features?.[0]?.properties?.idx);
        const { cells: data, run: r, t: tr, locale } = latest.current;
        const cell = data?.features.find((f) => f.properties.idx === idx);
        if (!cell) return;
        const box = document.createElement('div');
        box.className = 'map-popup';
        const line = (text: string, cls = '') => {
          const el = document.createElement('div');
          el.textContent = text;
          if (cls) el.className = cls;
          box.append(el);
        };
        if (!cell.properties.reachable) line(tr('coverage.classUnreachable'));
        for (const k of r.categories) {
          const m = cell.properties.minutes[k];
          line(tr('common.labelled', { label: kindName(tr, k), value: m === null || m === undefined ? '—' : tr('reach.minutesValue', { value: formatMinutes(locale, m) }) }));
        }
        line(methodLabel(tr, r.method), 'muted small');
        popup = new maplibregl.Popup({ closeButton: true, maxWidth: '260px' }).setLngLat(event.lngLat).setDOMContent(box).addTo(map);
      });
      mapRef.current = map;
      map.once('idle', () => setStatus('true'));
    });
    return () => {
      popup?.remove();
      mapRef.current = null;
      map.remove();
      setStatus('pending');
    };
    // The map is built once per page; data changes go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready]);

  // Outline and organisations when the registry arrives after the map was built from the cells.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true' || !registry) return;
    setSourceData(map, 'subdistricts', registry.subdistricts);
    setSourceData(map, 'district', registry.district as Feature);
  }, [status, registry]);

  // Only the organisations the colouring is about.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true') return;
    const kinds = kind ? [kind] : run.categories;
    map.setFilter('organisations', ['in', ['get', 'kind'], ['literal', kinds]]);
    if (registry) setSourceData(map, 'organisations', registry.organisations);
  }, [status, kind, run.categories, registry]);

  const classified = useMemo<FeatureCollection | null>(() => {
    if (!cells) return null;
    const breaks = minuteBreaks(cells.minutes);
    return {
      type: 'FeatureCollection',
      features: cells.features.map((f) => ({ type: 'Feature', geometry: f.geometry, properties: { idx: f.properties.idx, cls: cellClass(f.properties, kind, breaks) } })),
    };
  }, [cells, kind]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true') return;
    setSourceData(map, 'cells', classified ?? EMPTY_COLLECTION);
    const key = `cells:${classified?.features.length ?? 0}`;
    let current = true;
    map.once('idle', () => {
      if (current) setDrawn(key);
    });
    map.triggerRepaint();
    return () => {
      current = false;
    };
  }, [status, classified]);

  // Suggested sites: numbered markers.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || status !== 'true') return;
    const markers = picks.map((pick, i) =>
      new maplibregl.Marker({ element: badgeElement(String(i + 1), 'map-badge-pick', t('coverage.gapsPick', { n: i + 1 })) }).setLngLat([pick.lon, pick.lat]).addTo(map),
    );
    return () => {
      for (const m of markers) m.remove();
    };
  }, [status, picks, t]);

  return (
    <div className="map-frame">
      <div
        ref={container}
        className="map-canvas"
        data-testid="coverage-map"
        data-loaded={status}
        data-drawn={drawn}
        data-picks={picks.length}
        role="region"
        aria-label={t('coverage.mapTitle')}
      />
      {(status === 'pending' || !cells) && status !== 'error' && (
        <div className="map-overlay">
          <Loading label={status === 'pending' ? t('map.loading') : t('coverage.loadingCells')} />
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

// ---------------------------------------------------------------------------------------------------------------------
// chart and tables

function subdistrictsOf(run: CoverageRun): AreaSummary[] {
  return run.areaSummaries.filter((a) => a.level === 'subdistrict');
}

function SubdistrictChart({ run, kind }: { run: CoverageRun; kind: string | null }) {
  const { t } = useTranslation();
  const areas = useMemo(() => subdistrictsOf(run), [run]);
  const kinds = useMemo(() => (kind ? [kind] : run.categories), [kind, run.categories]);
  const label = t('coverage.chartTitle', { minutes: run.minutes, method: methodLabel(t, run.method) });
  if (areas.length === 0) return <p className="muted">{t('common.none')}</p>;
  return <CoverageChart areas={areas} kinds={kinds} label={label} />;
}

function AreaRow({ area, categories, locale }: { area: AreaSummary; categories: string[]; locale: string }) {
  const { t } = useTranslation();
  return (
    <tr>
      <th scope="row">{area.name}</th>
      <td className="num">{area.cells}</td>
      {categories.map((k) => {
        const s = area.byCategory[k];
        return (
          <td key={k} className="num">
            {s ? t('coverage.shareMedian', { share: formatShare(locale, s.coveredShare), median: formatMinutes(locale, s.medianMinutes) }) : '—'}
          </td>
        );
      })}
    </tr>
  );
}

function AreaTables({ run }: { run: CoverageRun }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const subdistricts = subdistrictsOf(run);
  const communities = run.areaSummaries.filter((a) => a.level === 'community');
  const groups = subdistricts.map((s) => ({ subdistrict: s, members: communities.filter((c) => c.code.startsWith(s.code)) }));
  const grouped = new Set(groups.flatMap((g) => g.members.map((m) => m.code)));
  const others = communities.filter((c) => !grouped.has(c.code));
  const caption = t('coverage.tableCaption', { minutes: run.minutes, method: methodLabel(t, run.method) });
  const head = (first: string) => (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        <th scope="col" className="num">
          {t('coverage.cells')}
        </th>
        {run.categories.map((k) => (
          <th key={k} scope="col" className="num">
            {kindName(t, k)}
          </th>
        ))}
      </tr>
    </thead>
  );
  return (
    <section className="card" aria-labelledby="areas-title">
      <h2 id="areas-title">
        {t('coverage.tableTitle')} <MethodTag method={run.method} />
      </h2>
      {run.areasIllustrative && (
        <p className="map-note" data-testid="areas-illustrative">
          {t('coverage.areasIllustrative')}
        </p>
      )}
      <div className="table-wrap">
        <table className="table" data-testid="subdistrict-table">
          <caption>
            {t('coverage.subdistricts')} · {caption}
          </caption>
          {head(t('coverage.subdistricts'))}
          <tbody>
            {subdistricts.map((a) => (
              <AreaRow key={a.code} area={a} categories={run.categories} locale={locale} />
            ))}
          </tbody>
        </table>
      </div>
      {communities.length > 0 && (
        <details className="map-list subsection">
          <summary>
            {t('coverage.communities')} ({communities.length})
          </summary>
          <div className="table-wrap">
            <table className="table" data-testid="community-table">
              <caption>
                {t('coverage.communities')} · {caption}
              </caption>
              {head(t('coverage.communities'))}
              {[...groups, { subdistrict: null, members: others }]
                .filter((g) => g.members.length > 0)
                .map((g) => (
                  <tbody key={g.subdistrict?.code ?? 'other'}>
                    <tr>
                      <th scope="colgroup" colSpan={2 + run.categories.length} className="group-head">
                        {g.subdistrict ? t('coverage.communitiesOf', { name: g.subdistrict.name }) : t('coverage.communities')}
                      </th>
                    </tr>
                    {g.members.map((a) => (
                      <AreaRow key={a.code} area={a} categories={run.categories} locale={locale} />
                    ))}
                  </tbody>
                ))}
            </table>
          </div>
        </details>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// forms (district staff)

function NewRunForm({ onCreated }: { onCreated: (run: CoverageRun) => void }) {
  const { t } = useTranslation();
  const { busy, error, setError, run } = useAction();
  const [cellM, setCellM] = useState('100');
  const [minutes, setMinutes] = useState('15');
  const [kinds, setKinds] = useState<OrgKind[]>([...ORG_KINDS]);
  const [done, setDone] = useState(false);
  const [kindsMissing, setKindsMissing] = useState(false);
  const fields: IssueFields = {
    cellM: { label: t('coverage.cellM'), hint: t('coverage.cellMHint') },
    minutes: { label: t('coverage.minutes'), hint: t('coverage.minutesHint') },
    kinds: { label: t('coverage.kinds') },
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (kinds.length === 0) {
      setKindsMissing(true);
      return;
    }
    setKindsMissing(false);
    const created = await run(() => api.post<CoverageRun>('/api/reach/coverage-runs', { cellM: Number(cellM), minutes: Number(minutes), kinds }));
    if (created) {
      setDone(true);
      onCreated(created);
    }
  }

  return (
    <section className="card" aria-labelledby="new-run-title">
      <h2 id="new-run-title">{t('coverage.newRun')}</h2>
      <p className="small muted">{t('coverage.newRunHelp')}</p>
      <form className="form" onSubmit={(e) => void submit(e)} data-testid="new-run-form" aria-busy={busy}>
        <fieldset className="form" disabled={busy} style={{ border: 0, padding: 0, margin: 0 }}>
          <div className="form-row">
            <label className="field">
              <span>{t('coverage.cellM')}</span>
              <input type="number" inputMode="numeric" min={20} max={2000} step={10} required value={cellM} onChange={(e) => setCellM(e.target.value)} data-testid="run-cell" />
              <span className="hint">{t('coverage.cellMHint')}</span>
            </label>
            <label className="field">
              <span>{t('coverage.minutes')}</span>
              <input type="number" inputMode="decimal" min={1} max={240} step="any" required value={minutes} onChange={(e) => setMinutes(e.target.value)} data-testid="run-minutes" />
              <span className="hint">{t('coverage.minutesHint')}</span>
            </label>
          </div>
          <fieldset className="field">
            <legend>{t('coverage.kinds')}</legend>
            <div className="check-row">
              {ORG_KINDS.map((k) => (
                <label key={k}>
                  <input
                    type="checkbox"
                    checked={kinds.includes(k)}
                    onChange={(e) => setKinds((list) => (e.target.checked ? ORG_KINDS.filter((x) => x === k || list.includes(x)) : list.filter((x) => x !== k)))}
                  />
                  {t(`orgKinds.${k}`)}
                </label>
              ))}
            </div>
            {kindsMissing && <span className="hint" role="alert" style={{ color: 'var(--danger)' }}>{t('coverage.kindsNone')}</span>}
          </fieldset>
          <div>
            <button type="submit" className="btn btn-primary" data-testid="run-submit">
              {busy ? t('coverage.running') : t('coverage.submit')}
            </button>
          </div>
        </fieldset>
      </form>
      {busy && (
        <div className="busy-box" role="status" data-testid="run-busy">
          <span className="spinner" aria-hidden="true" /> {t('coverage.running')}
        </div>
      )}
      <ErrorNotice error={error} fields={fields} onRetry={error ? () => setError(null) : undefined} />
      {done && !busy && <Notice tone="success">{t('coverage.created')}</Notice>}
    </section>
  );
}

function GapsForm({ run, status, result, onResult }: { run: CoverageRun; status: ReachStatus | undefined; result: GapResult | null; onResult: (result: GapResult | null) => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { busy, error, run: act } = useAction();
  const [category, setCategory] = useState<string>(run.categories.includes('community_parent_school') ? 'community_parent_school' : NEAREST);
  const [k, setK] = useState('3');
  const [askedK, setAskedK] = useState(3);
  const mismatch: ReachMethod | null = status && status.method !== run.method ? status.method : null;
  const mismatchText = (now: ReachMethod) => t('coverage.methodMismatch', { run: methodLabel(t, run.method), now: methodLabel(t, now) });
  const conflict = isApiError(error) && error.id === 'conflict';

  useEffect(() => {
    if (category !== NEAREST && !run.categories.includes(category)) setCategory(NEAREST);
  }, [run.categories, category]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    onResult(null);
    const body: { k: number; category?: string } = { k: Number(k) };
    if (category) body.category = category;
    const answer = await act(() => api.post<GapResult>(`/api/reach/coverage-runs/${encodeURIComponent(run.id)}/gaps`, body));
    if (answer) {
      setAskedK(body.k);
      onResult(answer);
    }
  }

  return (
    <section className="card" aria-labelledby="gaps-title" data-testid="gaps">
      <h2 id="gaps-title">{t('coverage.gapsTitle')}</h2>
      <p className="small muted">{t('coverage.gapsHelp')}</p>
      {mismatch && <Notice tone="warning">{mismatchText(mismatch)}</Notice>}
      <form className="form" onSubmit={(e) => void submit(e)} aria-busy={busy}>
        <div className="form-row">
          <label className="field">
            <span>{t('coverage.gapsKind')}</span>
            <select value={category} onChange={(e) => setCategory(e.target.value)} data-testid="gaps-kind">
              <option value={NEAREST}>{t('coverage.gapsAny')}</option>
              {run.categories.map((c) => (
                <option key={c} value={c}>
                  {kindName(t, c)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('coverage.gapsK')}</span>
            <input type="number" inputMode="numeric" min={1} max={50} step={1} required value={k} onChange={(e) => setK(e.target.value)} data-testid="gaps-k" />
          </label>
        </div>
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy || !!mismatch} data-testid="gaps-submit">
            {busy ? t('coverage.gapsBusy') : t('coverage.gapsSubmit')}
          </button>
        </div>
      </form>
      {busy && <Loading label={t('coverage.gapsBusy')} />}
      {conflict ? <Notice tone="warning">{mismatchText(status?.method ?? (run.method === 'network' ? 'estimate' : 'network'))}</Notice> : <ErrorNotice error={error} fields={{ k: { label: t('coverage.gapsK') }, category: { label: t('coverage.gapsKind') } }} />}
      {result && !busy && (
        <div className="subsection" data-testid="gaps-result">
          <p className="small muted">
            {t('coverage.gapsShare')} · {result.category ? kindName(t, result.category) : t('coverage.gapsAny')} · {t('reach.minutesValue', { value: result.minutes })}{' '}
            <MethodTag method={result.method} />
          </p>
          <p className="share-change" data-testid="gaps-share">
            {t('coverage.gapsBeforeAfter', { before: formatShare(locale, result.shareBefore), after: formatShare(locale, result.shareAfter) })}
          </p>
          <p className="small muted">{t('coverage.gapsCells', { before: result.coveredBefore, after: result.coveredAfter, cells: result.cells })}</p>
          {result.picks.length === 0 ? (
            <p>{t('coverage.gapsNone')}</p>
          ) : (
            <>
              <ol className="pick-list" data-testid="gaps-picks">
                {result.picks.map((p, i) => (
                  <li key={p.id} data-testid="gaps-pick">
                    <span className="map-badge map-badge-pick map-badge-inline" aria-hidden="true">
                      {i + 1}
                    </span>
                    <span>
                      <strong>{t('coverage.gapsPick', { n: i + 1 })}</strong>{' '}
                      <span className="muted small">
                        ({p.lon.toFixed(5)}, {p.lat.toFixed(5)})
                      </span>
                      <br />
                      {t('coverage.gapsGain', { count: p.gain, share: formatShare(locale, p.cumulativeShare) })}
                    </span>
                  </li>
                ))}
              </ol>
              {result.picks.length < askedK && <p className="small muted">{t('coverage.gapsFewer', { count: result.picks.length })}</p>}
              <p className="small muted">{t('coverage.gapsOnMap')}</p>
            </>
          )}
        </div>
      )}
    </section>
  );
}
