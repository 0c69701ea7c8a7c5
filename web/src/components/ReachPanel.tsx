// The side panel of the map's walking modes: what was tapped, what came back, and how it was computed.
import { useTranslation } from 'react-i18next';
import { ORG_KINDS, type OrgKind } from '../types.ts';
import {
  BAND_COLOURS,
  formatDistance,
  formatMinutes,
  methodExplanation,
  methodLabel,
  type CatchmentCollection,
  type IsochroneCollection,
  type ReachMethod,
  type ReachStatus,
  type WalkRoute,
} from '../reach.ts';
import { ORG_KIND_COLOURS } from './mapkit.ts';
import { ErrorNotice, Loading } from './ui.tsx';

export type ReachMode = 'isochrone' | 'route' | 'catchments';

/** A tapped point: an organisation's location (with its name) or a spot on the map. */
export interface TapPoint {
  lon: number;
  lat: number;
  name: string | null;
  illustrative: boolean;
}

export const CATCHMENT_MINUTES = [5, 10, 15, 20, 30];

/** "How was this computed": a tag (network / estimate) and the sentence behind it. */
export function MethodNote({ method, status, testId = 'reach-method' }: { method: ReachMethod; status: ReachStatus | undefined; testId?: string }) {
  const { t, i18n } = useTranslation();
  return (
    <p className={`method-note method-${method}`} data-testid={testId} data-method={method}>
      <span className={`method-tag method-tag-${method}`}>{methodLabel(t, method)}</span> {methodExplanation(t, method, status, i18n.language)}
    </p>
  );
}

/** The small "network" / "estimate" tag next to a number. */
export function MethodTag({ method }: { method: ReachMethod }) {
  const { t } = useTranslation();
  return <span className={`method-tag method-tag-${method}`}>{methodLabel(t, method)}</span>;
}

function PointText({ point, empty }: { point: TapPoint | null; empty: string }) {
  const { t } = useTranslation();
  if (!point) return <span className="muted">{empty}</span>;
  return (
    <>
      {point.name ?? t('reach.pointAt', { lon: point.lon.toFixed(5), lat: point.lat.toFixed(5) })}
      {point.illustrative && <span className="chip chip-warn">{t('map.illustrative')}</span>}
    </>
  );
}

interface Props {
  mode: ReachMode;
  status: ReachStatus | undefined;
  statusError: unknown;
  isochrone: { origin: TapPoint | null; result: IsochroneCollection | null; loading: boolean; error: unknown; clear(): void };
  route: { ends: { a: TapPoint | null; b: TapPoint | null }; result: WalkRoute | null; loading: boolean; error: unknown; clear(): void };
  catchments: {
    kind: OrgKind;
    minutes: number;
    setKind(kind: OrgKind): void;
    setMinutes(minutes: number): void;
    result: CatchmentCollection | null;
    loading: boolean;
    error: unknown;
    retry(): void;
  };
}

export function ReachPanel({ mode, status, statusError, isochrone, route, catchments }: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const method: ReachMethod | undefined =
    (mode === 'isochrone' ? isochrone.result?.method : mode === 'route' ? route.result?.method : catchments.result?.method) ?? status?.method;

  return (
    <section className="card reach-panel" data-testid="reach-panel" aria-live="polite">
      <h2>{t(`reach.modes.${mode}`)}</h2>

      {mode === 'isochrone' && (
        <>
          <dl className="facts">
            <div>
              <dt>{t('reach.origin')}</dt>
              <dd data-testid="iso-origin">
                <PointText point={isochrone.origin} empty={t('reach.noOrigin')} />
              </dd>
            </div>
          </dl>
          {isochrone.loading && <Loading label={t('reach.computing')} />}
          <ErrorNotice error={isochrone.error} />
          {isochrone.result && !isochrone.loading && (
            <>
              <h3>{t('reach.bandsTitle')}</h3>
              <ul className="legend" data-testid="iso-bands">
                {[...isochrone.result.features]
                  .sort((a, b) => a.properties.minutes - b.properties.minutes)
                  .map((f, i) => (
                    <li key={f.properties.minutes} data-testid="iso-band">
                      <span className="swatch swatch-band" style={{ background: BAND_COLOURS[i % BAND_COLOURS.length] }} aria-hidden="true" />
                      {t('reach.band', { minutes: formatMinutes(locale, f.properties.minutes) })}
                    </li>
                  ))}
              </ul>
            </>
          )}
          {isochrone.origin && (
            <button type="button" className="btn btn-small" onClick={isochrone.clear}>
              {t('reach.clear')}
            </button>
          )}
        </>
      )}

      {mode === 'route' && (
        <>
          <dl className="facts">
            <div>
              <dt>
                <span className="map-badge map-badge-a map-badge-inline" aria-hidden="true">
                  A
                </span>{' '}
                {t('reach.route.from')}
              </dt>
              <dd data-testid="route-a">
                <PointText point={route.ends.a} empty={t('reach.route.tapA')} />
              </dd>
            </div>
            <div>
              <dt>
                <span className="map-badge map-badge-b map-badge-inline" aria-hidden="true">
                  B
                </span>{' '}
                {t('reach.route.to')}
              </dt>
              <dd data-testid="route-b">
                <PointText point={route.ends.b} empty={route.ends.a ? t('reach.route.tapB') : '—'} />
              </dd>
            </div>
          </dl>
          {route.loading && <Loading label={t('reach.computing')} />}
          <ErrorNotice error={route.error} />
          {route.result && !route.loading && (
            <dl className="facts route-facts" data-testid="route-result">
              <div>
                <dt>{t('reach.route.minutes')}</dt>
                <dd>
                  <strong className="big-value">{t('reach.minutesValue', { value: formatMinutes(locale, route.result.minutes) })}</strong>
                </dd>
              </div>
              <div>
                <dt>{t('reach.route.distance')}</dt>
                <dd>{formatDistance(t, locale, route.result.distanceM)}</dd>
              </div>
              <div>
                <dt>{t('reach.route.climb')}</dt>
                <dd data-testid="route-climb">{route.result.climbM === null ? '—' : t('reach.m', { value: Math.round(route.result.climbM) })}</dd>
              </div>
              <div>
                <dt>{t('reach.route.descent')}</dt>
                <dd>{route.result.descentM === null ? '—' : t('reach.m', { value: Math.round(route.result.descentM) })}</dd>
              </div>
            </dl>
          )}
          {route.result?.method === 'estimate' && !route.loading && <p className="small muted">{t('reach.route.straightNote')}</p>}
          {route.ends.a && (
            <button type="button" className="btn btn-small" onClick={route.clear}>
              {t('reach.route.restart')}
            </button>
          )}
        </>
      )}

      {mode === 'catchments' && (
        <>
          <div className="form-row compact">
            <label className="field">
              <span>{t('reach.catchments.kind')}</span>
              <select value={catchments.kind} onChange={(e) => catchments.setKind(e.target.value as OrgKind)} data-testid="catchment-kind">
                {ORG_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`orgKinds.${k}`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('reach.catchments.minutes')}</span>
              <select value={catchments.minutes} onChange={(e) => catchments.setMinutes(Number(e.target.value))} data-testid="catchment-minutes">
                {CATCHMENT_MINUTES.map((m) => (
                  <option key={m} value={m}>
                    {t('reach.minutesValue', { value: m })}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {catchments.loading && <Loading label={t('reach.computing')} />}
          <ErrorNotice
            error={catchments.error}
            onRetry={catchments.retry}
            fields={{ kind: { label: t('reach.catchments.kind'), hint: t('reach.catchments.tooMany') } }}
          />
          {catchments.result && !catchments.loading && (
            <CatchmentSummary result={catchments.result} />
          )}
        </>
      )}

      {method ? <MethodNote method={method} status={status} /> : <ErrorNotice error={statusError} />}
    </section>
  );
}

function CatchmentSummary({ result }: { result: CatchmentCollection }) {
  const { t } = useTranslation();
  const drawn = result.features.filter((f) => f.geometry);
  const notDrawn = result.features.length - drawn.length;
  const kinds = [...new Set(result.features.map((f) => f.properties.kind))];
  const illustrative = result.features.some((f) => f.properties.illustrative);
  return (
    <div data-testid="catchment-result">
      {result.features.length === 0 ? (
        <p className="muted">{t('reach.catchments.none')}</p>
      ) : (
        <ul className="legend">
          {kinds.map((kind) => (
            <li key={kind}>
              <span className="swatch swatch-band" style={{ background: ORG_KIND_COLOURS[kind], opacity: 0.45 }} aria-hidden="true" />
              <span className="legend-text">
                {t('reach.catchments.count', {
                  count: drawn.filter((f) => f.properties.kind === kind).length,
                  kind: t(`orgKinds.${kind}`),
                  minutes: result.minutes,
                })}
              </span>
            </li>
          ))}
        </ul>
      )}
      {notDrawn > 0 && <p className="small muted">{t('reach.catchments.notSnapped', { count: notDrawn })}</p>}
      {illustrative && <p className="small muted">{t('reach.catchments.illustrative')}</p>}
    </div>
  );
}
