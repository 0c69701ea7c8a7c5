import { lazy, Suspense, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { ErrorNotice, Loading, useAsync, usePageTitle } from '../../components/ui.tsx';
import { locateOnce, type LocateError } from '../../components/geolocation.ts';
import { currentLocale } from '../../i18n/index.ts';
import type { FamilyView, OrgKind, RegistryMap } from '../../types.ts';
import type { FamilyHome } from '../FamilyHome.tsx';
import './search.css';

// The tap-on-map fallback brings MapLibre: loaded only when chosen.
const SearchMapPicker = lazy(() => import('./SearchMapPicker.tsx'));

type WalkMethod = 'network' | 'estimate';
interface Span {
  start: number;
  end: number;
}
interface SearchHit {
  service: {
    id: string;
    name: string;
    description: string | null;
    serviceType: string;
    organisation: { id: string; name: string; kind: OrgKind };
    minAge: number | null;
    maxAge: number | null;
    isFree: boolean;
    feesDescription: string | null;
    bookingRequired: boolean;
    categories: { code: string; name: string; nameEn: string }[];
    locations: { id: string; name: string; address: string | null }[];
  };
  score: number | null;
  match: 'name' | 'text' | null;
  walkMinutes: number | null;
  walkMethod: WalkMethod | null;
  highlights: { name: Span[]; description: { text: string; spans: Span[] } | null };
}
interface SearchResult {
  items: SearchHit[];
  total: number;
  totalIsLowerBound: boolean;
  limit: number;
  offset: number;
  query: { text: string | null; tokens: string[]; pinyin: string[] };
  near: { lon: number; lat: number; minutes: number; method: WalkMethod; source: 'point' | 'child_school' | 'home'; schoolName: string | null } | null;
}
interface Term {
  code: string;
  name: string;
  nameEn: string;
}

const PAGE = 20;
const SERVICE_TYPES = ['visit', 'course', 'activity', 'consultation', 'care', 'study_tour', 'volunteering'] as const;
const ORG_KINDS: OrgKind[] = ['school', 'community_parent_school', 'venue', 'guidance_centre'];
const MINUTES = [5, 10, 15, 20, 30];
/** Filters kept in the address (so back, forward and sharing a link work). */
const FILTER_KEYS = ['category', 'age', 'free', 'openOn', 'serviceType', 'providerKind', 'kind', 'divisionCode'] as const;

/** Text with the matched ranges marked; React escapes the text, so no HTML from the server is ever rendered. */
export function Highlighted({ text, spans }: { text: string; spans: Span[] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [i, span] of spans.entries()) {
    if (span.start < at || span.end > text.length || span.start >= span.end) continue;
    if (span.start > at) parts.push(text.slice(at, span.start));
    parts.push(<mark key={i}>{text.slice(span.start, span.end)}</mark>);
    at = span.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

function termName(term: Term) {
  return currentLocale() === 'en' ? term.nameEn : term.name;
}

export default function SearchPage() {
  const { t } = useTranslation();
  usePageTitle(t('search.title'));
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const [where, setWhere] = useState<'idle' | 'locating' | 'fallback'>('idle');
  const [geoProblem, setGeoProblem] = useState<string | null>(null);
  const [fallback, setFallback] = useState<'map' | 'community'>('community');
  const [moreOpen, setMoreOpen] = useState(() => FILTER_KEYS.slice(4).some((k) => params.has(k)) || params.has('age'));
  const [nearLabel, setNearLabel] = useState<string | null>(null);

  const taxonomies = useAsync((signal) => api.get<{ items: { id: string; terms: Term[] }[] }>('/api/directory/taxonomies', undefined, { signal }), []);
  const categories = taxonomies.data?.items.find((x) => x.id === 'base_category')?.terms ?? [];
  const providerKinds = taxonomies.data?.items.find((x) => x.id === 'provider_kind')?.terms ?? [];
  const registry = useAsync((signal) => api.get<RegistryMap>('/api/registry/map', undefined, { signal }).catch(() => null), []);
  const families = useAsync((signal) => api.get<{ items: FamilyView[] }>('/api/families', undefined, { signal }).catch(() => ({ items: [] })), []);
  const children = (families.data?.items ?? []).flatMap((f) => f.children).filter((c) => c.schoolId);
  // The home points of my families (guardians only; most families have one).
  const familyIds = (families.data?.items ?? []).map((f) => f.id).join(',');
  const homes = useAsync(
    (signal) =>
      Promise.all(
        (familyIds ? familyIds.split(',') : []).map((id) =>
          api.get<FamilyHome>(`/api/families/${id}/home`, undefined, { signal }).then((h) => ({ familyId: id, home: h.home })).catch(() => ({ familyId: id, home: null })),
        ),
      ),
    [familyIds],
  );

  // Typing searches after a short pause; Enter searches at once.
  useEffect(() => {
    const current = params.get('q') ?? '';
    if (text.trim() === current) return;
    const timer = setTimeout(() => update({ q: text.trim() || null }), 350);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const key = params.toString();
  const result = useAsync((signal) => {
    const query: Record<string, string> = {};
    params.forEach((value, name) => {
      query[name] = value;
    });
    return api.get<SearchResult>('/api/directory/search', { limit: PAGE, ...query }, { signal });
  }, [key]);

  /** Changes some parameters; any change but paging goes back to the first page. */
  function update(changes: Record<string, string | null>) {
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        for (const [name, value] of Object.entries(changes)) {
          if (value === null || value === '') next.delete(name);
          else next.set(name, value);
        }
        if (!('offset' in changes)) next.delete('offset');
        return next;
      },
      { replace: !('offset' in changes) },
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    update({ q: text.trim() || null });
  }

  function toggle(name: string, value: string) {
    update({ [name]: params.get(name) === value ? null : value });
  }

  function nearPoint(point: [number, number], label: string) {
    setNearLabel(label);
    update({ near: `${point[0]},${point[1]}`, nearChildSchool: null, nearHome: null, minutes: params.get('minutes') ?? '15' });
  }

  function locate() {
    setWhere('locating');
    locateOnce().then(
      (point) => {
        setWhere('idle');
        setGeoProblem(null);
        nearPoint(point, t('search.where.myLocation'));
      },
      (error: LocateError) => {
        setGeoProblem(t(error.problem === 'unsupported' ? 'search.where.noGeolocation' : error.problem === 'denied' ? 'search.where.denied' : 'search.where.unavailable'));
        setWhere('fallback');
      },
    );
  }

  const near = params.get('near');
  const nearChild = params.get('nearChildSchool');
  const nearHome = params.get('nearHome');
  const nearPointValue = near ? (near.split(',').map(Number) as [number, number]) : null;
  const communities = registry.data?.communities.features ?? [];
  const subdistricts = registry.data?.subdistricts.features ?? [];
  const data = result.data;
  const offset = Number(params.get('offset') ?? 0);

  return (
    <section className="page search-page">
      <div className="page-head">
        <h1>{t('search.title')}</h1>
        <p className="muted">{t('search.lead')}</p>
      </div>

      <form className="search-box" role="search" onSubmit={submit}>
        <label className="visually-hidden" htmlFor="search-q">
          {t('search.box.label')}
        </label>
        <input
          id="search-q"
          type="search"
          inputMode="search"
          enterKeyHint="search"
          autoComplete="off"
          placeholder={t('search.box.placeholder')}
          value={text}
          maxLength={100}
          onChange={(event) => setText(event.target.value)}
          data-testid="search-q"
        />
        <button type="submit" className="btn">
          {t('common.search')}
        </button>
      </form>

      <div className="search-chips" role="group" aria-label={t('search.filters.categories')}>
        {categories.map((term) => (
          <button key={term.code} type="button" className="search-chip" aria-pressed={params.get('category') === term.code} onClick={() => toggle('category', term.code)}>
            {termName(term)}
          </button>
        ))}
      </div>
      <div className="search-chips" role="group" aria-label={t('search.filters.quick')}>
        <button type="button" className="search-chip" aria-pressed={params.get('free') === 'true'} onClick={() => toggle('free', 'true')}>
          {t('search.filters.free')}
        </button>
        {[6, 7, 1, 2, 3, 4, 5].map((day) => (
          <button key={day} type="button" className="search-chip" aria-pressed={params.get('openOn') === String(day)} onClick={() => toggle('openOn', String(day))}>
            {t(`search.weekdays.${day}`)}
          </button>
        ))}
        <button type="button" className="search-chip search-chip-more" aria-expanded={moreOpen} onClick={() => setMoreOpen((v) => !v)}>
          {t('search.filters.more')}
        </button>
      </div>
      {moreOpen && (
        <div className="search-more card">
          <label className="field">
            <span>{t('search.filters.age')}</span>
            <select value={params.get('age') ?? ''} onChange={(e) => update({ age: e.target.value || null })}>
              <option value="">{t('search.filters.any')}</option>
              {Array.from({ length: 19 }, (_, age) => (
                <option key={age} value={age}>
                  {t('search.filters.ageValue', { age })}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('search.filters.serviceType')}</span>
            <select value={params.get('serviceType') ?? ''} onChange={(e) => update({ serviceType: e.target.value || null })}>
              <option value="">{t('search.filters.any')}</option>
              {SERVICE_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t(`search.types.${type}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('search.filters.providerKind')}</span>
            <select value={params.get('providerKind') ?? ''} onChange={(e) => update({ providerKind: e.target.value || null })}>
              <option value="">{t('search.filters.any')}</option>
              {providerKinds.map((term) => (
                <option key={term.code} value={term.code}>
                  {termName(term)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('search.filters.kind')}</span>
            <select value={params.get('kind') ?? ''} onChange={(e) => update({ kind: e.target.value || null })}>
              <option value="">{t('search.filters.any')}</option>
              {ORG_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {t(`orgKinds.${kind}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('search.filters.division')}</span>
            <select value={params.get('divisionCode') ?? ''} onChange={(e) => update({ divisionCode: e.target.value || null })}>
              <option value="">{t('search.filters.any')}</option>
              {subdistricts.map((f) => (
                <option key={f.properties.code} value={f.properties.code}>
                  {f.properties.name}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}

      <div className="search-where card" data-testid="search-where">
        <div className="search-chips" role="group" aria-label={t('search.where.label')}>
          <button
            type="button"
            className="search-chip"
            aria-pressed={!near && !nearChild && !nearHome}
            onClick={() => {
              setWhere('idle');
              update({ near: null, nearChildSchool: null, nearHome: null, minutes: null });
            }}
          >
            {t('search.where.anywhere')}
          </button>
          <button type="button" className="search-chip" aria-pressed={Boolean(near)} onClick={locate} data-testid="near-me">
            {where === 'locating' ? t('search.where.locating') : t('search.where.nearMe')}
          </button>
          {(homes.data ?? []).map(({ familyId, home }) =>
            home ? (
              <button
                key={familyId}
                type="button"
                className="search-chip"
                aria-pressed={nearHome === familyId}
                data-testid="near-home"
                onClick={() => {
                  setWhere('idle');
                  update({ nearHome: familyId, near: null, nearChildSchool: null, minutes: params.get('minutes') ?? '15' });
                }}
              >
                {home.label ? `${t('search.where.nearHome')}（${home.label}）` : t('search.where.nearHome')}
              </button>
            ) : (
              <Link key={familyId} className="search-chip" to={`/family/${familyId}`}>
                {t('search.where.setHome')}
              </Link>
            ),
          )}
          {children.map((child) => (
            <button
              key={child.id}
              type="button"
              className="search-chip"
              aria-pressed={nearChild === child.id}
              onClick={() => {
                setWhere('idle');
                update({ nearChildSchool: child.id, near: null, nearHome: null, minutes: params.get('minutes') ?? '15' });
              }}
            >
              {t('search.where.nearSchool', { child: child.displayName, school: child.schoolName ?? '' })}
            </button>
          ))}
        </div>
        {(near || nearChild || nearHome) && (
          <div className="search-where-row">
            <label className="search-minutes">
              <span>{t('search.where.within')}</span>
              <select value={params.get('minutes') ?? '15'} onChange={(e) => update({ minutes: e.target.value })} data-testid="near-minutes">
                {MINUTES.map((m) => (
                  <option key={m} value={m}>
                    {t('search.where.minutes', { minutes: m })}
                  </option>
                ))}
              </select>
            </label>
            {near && nearLabel && <span className="small muted">{t('search.where.from', { place: nearLabel })}</span>}
          </div>
        )}
        {where === 'fallback' && (
          <div className="search-fallback" data-testid="near-fallback">
            {geoProblem && <p className="small">{geoProblem}</p>}
            <div className="search-chips" role="group" aria-label={t('search.where.fallbackLabel')}>
              <button type="button" className="search-chip" aria-pressed={fallback === 'community'} onClick={() => setFallback('community')}>
                {t('search.where.chooseCommunity')}
              </button>
              <button type="button" className="search-chip" aria-pressed={fallback === 'map'} onClick={() => setFallback('map')}>
                {t('search.where.tapMap')}
              </button>
            </div>
            {fallback === 'community' ? (
              <label className="field">
                <span>{t('search.where.community')}</span>
                <select
                  defaultValue=""
                  data-testid="near-community"
                  onChange={(e) => {
                    const feature = communities.find((f) => f.properties.code === e.target.value);
                    if (feature) nearPoint(feature.geometry.coordinates as [number, number], feature.properties.name);
                  }}
                >
                  <option value="" disabled>
                    {t('search.where.choose')}
                  </option>
                  {communities.map((f) => (
                    <option key={f.properties.code} value={f.properties.code}>
                      {f.properties.subdistrictName} · {f.properties.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <Suspense fallback={<Loading />}>
                <SearchMapPicker value={nearPointValue} onPick={(point) => nearPoint(point, t('search.where.mapPoint'))} />
              </Suspense>
            )}
          </div>
        )}
      </div>

      {result.error ? (
        <ErrorNotice error={result.error} onRetry={result.reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <div className={`search-results ${result.loading ? 'is-loading' : ''}`} aria-busy={result.loading} data-testid="search-results">
          <p className="search-summary" aria-live="polite" data-testid="search-summary">
            {data.totalIsLowerBound ? t('search.results.atLeast', { total: data.total }) : t('search.results.total', { count: data.total })}
            {data.query.pinyin.length > 0 && <span className="muted"> · {t('search.results.pinyin', { pinyin: data.query.pinyin.join(' ') })}</span>}
          </p>
          {data.near && (
            <p className="search-method small" data-testid="search-method" data-method={data.near.method}>
              {data.near.source === 'child_school' && data.near.schoolName
                ? t('search.results.fromSchool', { school: data.near.schoolName, minutes: data.near.minutes })
                : data.near.source === 'home'
                  ? t('search.results.fromHome', { minutes: data.near.minutes })
                  : t('search.results.fromPoint', { minutes: data.near.minutes })}{' '}
              <span className="muted">{t(`search.method.${data.near.method}`)}</span>
            </p>
          )}
          {data.items.length === 0 ? (
            <p className="muted">{t('search.results.none')}</p>
          ) : (
            <ol className="search-list">
              {data.items.map((hit) => (
                <ResultCard key={hit.service.id} hit={hit} />
              ))}
            </ol>
          )}
          {(offset > 0 || offset + PAGE < data.total) && (
            <div className="actions search-pager">
              <button type="button" className="btn btn-quiet" disabled={offset === 0} onClick={() => update({ offset: String(Math.max(0, offset - PAGE)) })}>
                {t('common.previous')}
              </button>
              <span className="small muted">{t('search.results.page', { from: offset + 1, to: offset + data.items.length })}</span>
              <button type="button" className="btn btn-quiet" disabled={offset + PAGE >= data.total} onClick={() => update({ offset: String(offset + PAGE) })}>
                {t('common.next')}
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function ResultCard({ hit }: { hit: SearchHit }) {
  const { t } = useTranslation();
  const s = hit.service;
  const place = s.locations[0];
  const ages =
    s.minAge !== null && s.maxAge !== null
      ? t('search.card.ages', { min: s.minAge, max: s.maxAge })
      : s.minAge !== null
        ? t('search.card.agesFrom', { min: s.minAge })
        : s.maxAge !== null
          ? t('search.card.agesTo', { max: s.maxAge })
          : t('search.card.allAges');
  return (
    <li className="search-card card" data-testid="search-hit">
      <div className="search-card-head">
        <h2 className="search-card-name">
          <Highlighted text={s.name} spans={hit.highlights.name} />
        </h2>
        {hit.walkMinutes !== null && hit.walkMethod && (
          <span className={`search-walk search-walk-${hit.walkMethod}`} data-testid="walk-minutes" title={t(`search.method.${hit.walkMethod}`)}>
            {t('search.card.walk', { minutes: Math.max(1, Math.round(hit.walkMinutes)) })}
            <small>{t(`search.method.short.${hit.walkMethod}`)}</small>
          </span>
        )}
      </div>
      <p className="search-card-meta small">
        <span>{s.organisation.name}</span>
        <span>{t(`search.types.${s.serviceType}`)}</span>
        <span>{ages}</span>
        <span className={s.isFree ? 'search-free' : ''}>{s.isFree ? t('search.card.free') : (s.feesDescription ?? t('search.card.paid'))}</span>
        {s.bookingRequired && <span>{t('search.card.booking')}</span>}
      </p>
      {hit.highlights.description && (
        <p className="search-card-snippet">
          <Highlighted text={hit.highlights.description.text} spans={hit.highlights.description.spans} />
        </p>
      )}
      <p className="search-card-foot small muted">
        {s.categories.map((c) => (
          <span key={c.code} className="chip">
            {currentLocale() === 'en' ? c.nameEn : c.name}
          </span>
        ))}
        {place && <span className="search-card-place">{place.address ? `${place.name} · ${place.address}` : place.name}</span>}
      </p>
    </li>
  );
}
