import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api.ts';
import { locateOnce } from '../components/geolocation.ts';
import { ErrorNotice, Loading, Notice, useAsync } from '../components/ui.tsx';

// The map picker of the search page (MapLibre, our own GeoJSON): loaded only when asked for.
const SearchMapPicker = lazy(() => import('./directory/SearchMapPicker.tsx'));

export interface FamilyHome {
  home: { lon: number; lat: number; crs: 'WGS-84'; sourceCrs: string; label: string | null; updatedAt: string } | null;
}

/**
 * The family's home point, for "near home" searches. Only guardians get it from the API; for anyone else (staff who
 * may read the family) the section is not shown at all.
 */
export function FamilyHomeSection({ familyId }: { familyId: string }) {
  const { t } = useTranslation();
  const current = useAsync((signal) => api.get<FamilyHome>(`/api/families/${familyId}/home`, undefined, { signal }), [familyId]);
  const [picked, setPicked] = useState<[number, number] | null>(null);
  const [label, setLabel] = useState('');
  const [map, setMap] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);

  if (current.error instanceof ApiError && current.error.status === 403) return null;
  const home = current.data?.home ?? null;

  async function run(action: () => Promise<FamilyHome>, done: string) {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      setMessage(done);
      setPicked(null);
      setMap(false);
      current.reload();
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  function locate() {
    locateOnce().then(setPicked, () => {
      setProblem(new Error(t('family.home.noGeolocation')));
      setMap(true);
    });
  }

  return (
    <section className="card" data-testid="family-home">
      <h2>{t('family.home.title')}</h2>
      <p className="muted small">{t('family.home.help')}</p>
      {message && <Notice tone="success">{message}</Notice>}
      {problem ? <ErrorNotice error={problem} /> : null}
      {current.loading && !current.data ? (
        <Loading />
      ) : home ? (
        <p data-testid="family-home-saved">{t('family.home.saved', { label: home.label ?? t('family.home.title'), lon: home.lon.toFixed(5), lat: home.lat.toFixed(5) })}</p>
      ) : (
        <p className="muted">{t('family.home.none')}</p>
      )}
      <div className="actions">
        <button type="button" className="btn btn-small btn-quiet" onClick={locate}>
          {t('family.home.useLocation')}
        </button>
        <button type="button" className="btn btn-small btn-quiet" aria-expanded={map} onClick={() => setMap(!map)} data-testid="family-home-map">
          {t('family.home.pickOnMap')}
        </button>
        {home && (
          <button type="button" className="btn btn-small btn-quiet" disabled={busy} onClick={() => void run(() => api.delete<FamilyHome>(`/api/families/${familyId}/home`), t('family.home.clearedMessage'))} data-testid="family-home-clear">
            {t('family.home.clear')}
          </button>
        )}
      </div>
      {map && (
        <Suspense fallback={<Loading />}>
          <SearchMapPicker value={picked ?? (home ? [home.lon, home.lat] : null)} onPick={setPicked} />
        </Suspense>
      )}
      {picked && (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            // Browsers and our map both give WGS-84.
            void run(() => api.put<FamilyHome>(`/api/families/${familyId}/home`, { lon: picked[0], lat: picked[1], crs: 'WGS-84', label: label.trim() || null }), t('family.home.savedMessage'));
          }}
        >
          <p data-testid="family-home-picked">{t('family.home.picked', { lon: picked[0].toFixed(5), lat: picked[1].toFixed(5) })}</p>
          <label className="field">
            <span>{t('family.home.label')}</span>
            <input value={label} maxLength={60} placeholder={t('family.home.labelPlaceholder')} onChange={(e) => setLabel(e.target.value)} />
          </label>
          <button type="submit" className="btn btn-small" disabled={busy} data-testid="family-home-save">
            {t('family.home.save')}
          </button>
        </form>
      )}
    </section>
  );
}
