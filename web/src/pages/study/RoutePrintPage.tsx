import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { Loading, usePageTitle, useAsync } from '../../components/ui.tsx';
import { formatClimb, formatDistance, formatMinutes, timetable, type StudyRoute } from './studyApi.ts';
import { useRouteImage } from './RouteMap.tsx';
import { themeName, useCategories } from './RoutesPage.tsx';
import { StudyErrorNotice } from './StudyUi.tsx';

/** Only while the sheet is open: A4 pages (the rule is global, so it must not outlive the page). */
const PAGE_RULE = '@page { size: A4; margin: 12mm; }';

/** The printable A4 route sheet (打印线路单): title, map as an image, a timetable of the stops, the notes. */
export function RoutePrintPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { categories } = useCategories();
  const { data, error, loading, reload } = useAsync((signal) => api.get<StudyRoute>(`/api/study/routes/${id}`, undefined, { signal }), [id]);
  usePageTitle(data ? t('study.print.docTitle', { title: data.title }) : t('study.print.title'));
  const { image, error: imageError } = useRouteImage(data ?? null);
  const [start, setStart] = useState('09:00');
  const times = data ? timetable(data.stops, /^\d\d:\d\d$/.test(start) ? start : '09:00') : [];

  return (
    <div className="study-print-page">
      <style>{PAGE_RULE}</style>
      <div className="study-print-toolbar no-print">
        <Link to={`/study/routes/${id}`} className="btn btn-small">
          {t('study.print.back')}
        </Link>
        <label className="study-print-start">
          <span>{t('study.print.start')}</span>
          <input type="time" value={start} onChange={(e) => setStart(e.target.value)} data-testid="print-start" />
        </label>
        <button type="button" className="btn btn-primary" onClick={() => window.print()} disabled={!data} data-testid="print-button">
          {t('study.print.print')}
        </button>
        <span className="small muted">{t('study.print.pdfHint')}</span>
      </div>
      <StudyErrorNotice error={error} onRetry={reload} />
      {loading && !data && <Loading />}
      {data && (
        <article className="study-sheet" data-testid="route-sheet" data-map-ready={image ? 'true' : imageError ? 'error' : 'pending'}>
          <header className="study-sheet-head">
            <p className="study-sheet-kicker">{t('study.print.kicker')}</p>
            <h1 data-testid="sheet-title">{data.title}</h1>
            <p className="study-sheet-meta">
              {[
                data.theme ? themeName(categories, data.theme, i18n.language) : null,
                t('study.print.summary', {
                  stops: data.stops.length,
                  walk: formatMinutes(t, data.walk.minutes),
                  distance: formatDistance(t, data.walk.distanceM, i18n.language),
                  climb: formatClimb(t, data.walk.climbM, i18n.language),
                  total: formatMinutes(t, data.walk.totalMinutes),
                }),
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
          </header>
          <figure className="study-sheet-map">
            {image ? (
              <div className="study-sheet-map-frame">
                <img src={image.src} alt={t('study.route.mapLabel', { title: data.title })} data-testid="sheet-map" />
                {image.labels.map((l) => (
                  <span key={l.name} className="study-sheet-label" style={{ left: `${l.x}%`, top: `${l.y}%` }}>
                    {l.name}
                  </span>
                ))}
                {image.stops.map((s) => (
                  <span key={s.position} className="study-stop-badge study-sheet-badge" style={{ left: `${s.x}%`, top: `${s.y}%` }} aria-hidden="true">
                    {s.position}
                  </span>
                ))}
              </div>
            ) : imageError ? (
              <div className="notice notice-warning">{imageError === 'webgl' ? t('map.webgl') : `${t('map.failed')} ${imageError}`}</div>
            ) : (
              <Loading label={t('map.loading')} />
            )}
            <figcaption className="small">
              {t(`study.print.legend.${data.walk.method}`)}
            </figcaption>
          </figure>
          <table className="study-sheet-table" data-testid="sheet-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('study.print.colStop')}</th>
                <th scope="col">{t('study.print.colArrive')}</th>
                <th scope="col">{t('study.print.colLeave')}</th>
                <th scope="col">{t('study.print.colStay')}</th>
                <th scope="col">{t('study.print.colWalk')}</th>
              </tr>
            </thead>
            <tbody>
              {data.stops.map((stop, i) => (
                <tr key={stop.position} data-testid="sheet-row">
                  <td>{stop.position}</td>
                  <td>
                    <strong>{stop.name}</strong>
                    {stop.note && <div className="small">{stop.note}</div>}
                  </td>
                  <td className="nowrap">{times[i]?.arrive}</td>
                  <td className="nowrap">{times[i]?.leave}</td>
                  <td className="nowrap">{t('study.fmt.minutes', { value: stop.dwellMinutes })}</td>
                  <td className="small">
                    {stop.legToNext
                      ? t('study.route.leg', {
                          minutes: formatMinutes(t, stop.legToNext.minutes),
                          distance: formatDistance(t, stop.legToNext.distanceM, i18n.language),
                          climb: formatClimb(t, stop.legToNext.climbM, i18n.language),
                        })
                      : t('study.print.end')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.description && <p className="small">{data.description}</p>}
          <footer className="study-sheet-foot small">
            <p data-testid="sheet-note">{t('study.illustrativeNote')}</p>
            <p>{t(`study.method.explain.${data.walk.method}`)}</p>
            <p>{t('study.print.safety')}</p>
          </footer>
        </article>
      )}
    </div>
  );
}

export default RoutePrintPage;
