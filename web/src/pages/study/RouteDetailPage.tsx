import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { Loading, useAction, usePageTitle, useAsync } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import { canPlanRoutes, formatClimb, formatDistance, formatMinutes, isDistrictStaff, type RouteStatus, type StudyRoute } from './studyApi.ts';
import { RouteMap } from './RouteMap.tsx';
import { themeName, useCategories, WalkFacts } from './RoutesPage.tsx';
import { IllustrativeNote, MethodLabel, StatusChip, StudyErrorNotice } from './StudyUi.tsx';

/**
 * Who may open the editor. The route view does not say who wrote it, so: district staff always; other planners for
 * drafts (the only drafts they are shown are their own). The server decides in the end (out_of_scope).
 */
export function mayEdit(session: ReturnType<typeof useSession>['session'], route: StudyRoute): boolean {
  return isDistrictStaff(session) || (canPlanRoutes(session) && route.status === 'draft');
}

/** Publish / back to draft / archive buttons for district staff. */
export function StatusActions({ route, onChanged }: { route: StudyRoute; onChanged: (route: StudyRoute) => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const action = useAction();
  if (!isDistrictStaff(session)) return null;
  const targets: RouteStatus[] = route.status === 'published' ? ['draft', 'archived'] : route.status === 'draft' ? ['published', 'archived'] : ['draft', 'published'];
  async function setStatus(status: RouteStatus) {
    const updated = await action.run(() => api.patch<StudyRoute>(`/api/study/routes/${route.id}`, { status }));
    if (updated) onChanged(updated);
  }
  return (
    <>
      {targets.map((s) => (
        <button
          key={s}
          type="button"
          className={`btn btn-small ${s === 'published' ? 'btn-primary' : s === 'archived' ? 'btn-danger' : ''}`}
          disabled={action.busy}
          onClick={() => void setStatus(s)}
          data-testid={`route-set-${s}`}
        >
          {t(`study.routeActions.${s}`)}
        </button>
      ))}
      <StudyErrorNotice error={action.error} />
    </>
  );
}

/** The stops in order with the walk to the next one. */
export function StopList({ route }: { route: StudyRoute }) {
  const { t, i18n } = useTranslation();
  return (
    <ol className="study-stops" data-testid="stop-list">
      {route.stops.map((stop) => (
        <li key={stop.position} data-testid="stop">
          <div className="study-stop">
            <span className="study-stop-badge static" aria-hidden="true">
              {stop.position}
            </span>
            <div>
              <Link to={`/study?base=${stop.organisationId}`} className="study-stop-name">
                {stop.name}
              </Link>
              <div className="small muted">
                {t('study.route.dwell', { minutes: stop.dwellMinutes })}
                {stop.illustrative && <> · {t('study.illustrativeShort')}</>}
              </div>
              {stop.note && <div className="small">{stop.note}</div>}
            </div>
          </div>
          {stop.legToNext && (
            <div className="study-leg small" data-testid="leg">
              <span aria-hidden="true">↓</span>{' '}
              {t('study.route.leg', {
                minutes: formatMinutes(t, stop.legToNext.minutes),
                distance: formatDistance(t, stop.legToNext.distanceM, i18n.language),
                climb: formatClimb(t, stop.legToNext.climbM, i18n.language),
              })}{' '}
              <MethodLabel method={stop.legToNext.method} />
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

export function RouteDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const { categories } = useCategories();
  const { data, error, loading, reload } = useAsync((signal) => api.get<StudyRoute>(`/api/study/routes/${id}`, undefined, { signal }), [id]);
  usePageTitle(data?.title ?? t('study.routes.title'));

  return (
    <div className="page study-page">
      <p className="breadcrumb">
        <Link to="/study/routes">{t('study.routes.title')}</Link>
      </p>
      <StudyErrorNotice error={error} onRetry={reload} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <div className="page-head">
            <h1 data-testid="route-title">{data.title}</h1>
            <div className="actions">
              <Link to={`/study/routes/${data.id}/print`} className="btn btn-small" data-testid="route-print-link">
                {t('study.route.printSheet')}
              </Link>
              {mayEdit(session, data) && (
                <Link to={`/study/routes/${data.id}/edit`} className="btn btn-small" data-testid="route-edit-link">
                  {t('common.edit')}
                </Link>
              )}
              <StatusActions route={data} onChanged={() => reload()} />
            </div>
          </div>
          <div className="study-route-tags">
            {data.theme && <span className="chip">{themeName(categories, data.theme, i18n.language)}</span>}
            <StatusChip status={data.status} />
          </div>
          {data.description && <p>{data.description}</p>}
          <div className="map-layout">
            <RouteMap route={data} />
            <div className="map-side">
              <section className="card">
                <WalkFacts route={data} />
                <p className="small">
                  <MethodLabel method={data.walk.method} explain />
                </p>
                <p className="small muted">{t('study.method.totalExplain')}</p>
              </section>
            </div>
          </div>
          <section className="card">
            <h2>{t('study.route.stopsTitle')}</h2>
            <StopList route={data} />
          </section>
          <IllustrativeNote />
        </>
      )}
    </div>
  );
}

export default RouteDetailPage;
