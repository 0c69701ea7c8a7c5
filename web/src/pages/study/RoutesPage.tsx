import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { Loading, usePageTitle, useAsync } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import { canPlanRoutes, formatClimb, formatDistance, formatMinutes, termName, type RouteList, type StudyRoute, type Taxonomy, type TaxonomyTerm } from './studyApi.ts';
import { IllustrativeNote, MethodLabel, StatusChip, StudyErrorNotice } from './StudyUi.tsx';

const PAGE = 50;

export function useCategories() {
  const taxonomies = useAsync((signal) => api.get<{ items: Taxonomy[] }>('/api/directory/taxonomies', undefined, { signal }), []);
  const categories = useMemo(
    () => [...(taxonomies.data?.items.find((x) => x.id === 'base_category')?.terms ?? [])].sort((a, b) => a.sortOrder - b.sortOrder),
    [taxonomies.data],
  );
  return { categories, error: taxonomies.error, reload: taxonomies.reload };
}

export function themeName(categories: TaxonomyTerm[], code: string | null, language: string): string | null {
  if (!code) return null;
  const term = categories.find((c) => c.code === code);
  return term ? termName(term, language) : code;
}

/** The walking figures of a route: minutes, distance, climb ("—" when unknown) and the total with the stays. */
export function WalkFacts({ route }: { route: StudyRoute }) {
  const { t, i18n } = useTranslation();
  const w = route.walk;
  return (
    <dl className="facts study-walk-facts" data-testid="walk-facts">
      <div>
        <dt>{t('study.routes.stops')}</dt>
        <dd data-testid="fact-stops">{route.stops.length}</dd>
      </div>
      <div>
        <dt>{t('study.routes.walking')}</dt>
        <dd data-testid="fact-walk">{formatMinutes(t, w.minutes)}</dd>
      </div>
      <div>
        <dt>{t('study.routes.distance')}</dt>
        <dd data-testid="fact-distance">{formatDistance(t, w.distanceM, i18n.language)}</dd>
      </div>
      <div>
        <dt>{t('study.routes.climb')}</dt>
        <dd data-testid="fact-climb">{formatClimb(t, w.climbM, i18n.language)}</dd>
      </div>
      <div>
        <dt>{t('study.routes.total')}</dt>
        <dd data-testid="fact-total">{formatMinutes(t, w.totalMinutes)}</dd>
      </div>
    </dl>
  );
}

/** 游学线路: the public catalogue (staff also see their drafts), by theme. */
export function RoutesPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('study.routes.title'));
  const { session } = useSession();
  const [params, setParams] = useSearchParams();
  const theme = params.get('theme') ?? '';
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const { categories, error: taxError, reload: taxReload } = useCategories();
  const { data, error, loading, reload } = useAsync(
    (signal) => api.get<RouteList>('/api/study/routes', { theme, limit: PAGE, offset }, { signal }),
    [theme, offset],
  );

  function setTheme(code: string | null) {
    setParams(code ? { theme: code } : {}, { replace: true });
  }
  const methods = new Set((data?.items ?? []).map((r) => r.walk.method));

  return (
    <div className="page study-page">
      <div className="page-head">
        <h1>{t('study.routes.title')}</h1>
        <div className="actions">
          <Link to="/study" className="btn btn-small">
            {t('study.routes.toMap')}
          </Link>
          {canPlanRoutes(session) && (
            <Link to="/study/routes/new" className="btn btn-small btn-primary" data-testid="route-new">
              {t('study.routes.new')}
            </Link>
          )}
        </div>
      </div>
      <p className="muted">{t('study.routes.intro')}</p>
      <StudyErrorNotice error={taxError} onRetry={taxReload} />
      <div className="study-chip-row" role="group" aria-label={t('study.routes.byTheme')}>
        <span className="study-chip-label">{t('study.routes.byTheme')}</span>
        <button type="button" className="study-filter-chip" aria-pressed={!theme} onClick={() => setTheme(null)} data-testid="theme-chip-all">
          {t('study.map.all')}
        </button>
        {categories.map((c) => (
          <button
            key={c.code}
            type="button"
            className="study-filter-chip"
            aria-pressed={theme === c.code}
            onClick={() => setTheme(theme === c.code ? null : c.code)}
            data-testid={`theme-chip-${c.code}`}
          >
            {termName(c, i18n.language)}
          </button>
        ))}
      </div>

      <StudyErrorNotice error={error} onRetry={reload} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <p className="muted" data-testid="routes-empty">{t('study.routes.empty')}</p>}
      {data && data.items.length > 0 && (
        <>
          <p className="small muted" data-testid="routes-total">
            {t('study.routes.count', { n: data.total })}
          </p>
          <ul className="study-route-grid" data-testid="route-list">
            {data.items.map((route) => (
              <li key={route.id} className="card study-route-card" data-testid="route-card" data-method={route.walk.method}>
                <h2>
                  <Link to={`/study/routes/${route.id}`} data-testid="route-link">
                    {route.title}
                  </Link>
                </h2>
                <div className="study-route-tags">
                  {route.theme && <span className="chip">{themeName(categories, route.theme, i18n.language)}</span>}
                  <StatusChip status={route.status} />
                  <MethodLabel method={route.walk.method} />
                </div>
                <WalkFacts route={route} />
                <p className="small muted study-route-stops">{route.stops.map((s) => s.name).join(' → ')}</p>
              </li>
            ))}
          </ul>
          {data.total > PAGE && (
            <div className="pager">
              <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setParams({ ...(theme ? { theme } : {}), offset: String(Math.max(0, offset - PAGE)) })}>
                {t('common.previous')}
              </button>
              <span className="small muted">{t('common.pageInfo', { from: offset + 1, to: Math.min(offset + PAGE, data.total), total: data.total })}</span>
              <button
                type="button"
                className="btn btn-small"
                disabled={offset + PAGE >= data.total}
                onClick={() => setParams({ ...(theme ? { theme } : {}), offset: String(offset + PAGE) })}
              >
                {t('common.next')}
              </button>
            </div>
          )}
          <aside className="card study-method-legend" data-testid="method-legend">
            <h2>{t('study.method.title')}</h2>
            <ul className="legend">
              {(['network', 'estimate'] as const).map((m) => (
                <li key={m} className={methods.has(m) ? '' : 'muted'}>
                  <MethodLabel method={m} explain />
                </li>
              ))}
            </ul>
            <p className="small muted">{t('study.method.totalExplain')}</p>
          </aside>
        </>
      )}
      <IllustrativeNote />
    </div>
  );
}

export default RoutesPage;
