import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { formatDateTime, Loading, useAction, usePageTitle, useAsync } from '../../components/ui.tsx';
import { hasRole, useSession } from '../../session.tsx';
import { isDistrictStaff, myBases, mySchools, studyErrorId, type VisitRequest, type VisitStatus } from './studyApi.ts';
import { StudyErrorNotice } from './StudyUi.tsx';

const STATUSES: VisitStatus[] = ['pending', 'accepted', 'declined', 'cancelled'];

/** Places already accepted per offer and day (from the requests this user can see, which include all of their base's). */
function acceptedSeats(visits: VisitRequest[]): Map<string, number> {
  const seats = new Map<string, number>();
  for (const v of visits) {
    if (v.status !== 'accepted') continue;
    const key = `${v.service.id}|${v.visitDate}`;
    seats.set(key, (seats.get(key) ?? 0) + v.groupSize);
  }
  return seats;
}

/** 团体参观: a school's own requests, and the requests a base (or the district office) decides. */
export function VisitsPage() {
  const { t } = useTranslation();
  usePageTitle(t('study.visits.title'));
  const { session } = useSession();
  const [status, setStatus] = useState<VisitStatus | ''>('');
  const { data, error, loading, reload } = useAsync(
    (signal) => api.get<{ items: VisitRequest[] }>('/api/study/visit-requests', { status, limit: 500 }, { signal }),
    [status],
  );
  // Capacity left per offer and day needs every accepted request, whatever the filter shows.
  const accepted = useAsync(
    (signal) => api.get<{ items: VisitRequest[] }>('/api/study/visit-requests', { status: 'accepted', limit: 500 }, { signal }),
    [data],
  );
  const seats = useMemo(() => acceptedSeats(accepted.data?.items ?? []), [accepted.data]);

  const schoolIds = useMemo(() => new Set(mySchools(session).map((s) => s.id)), [session]);
  const baseIds = useMemo(() => myBases(session), [session]);
  const decidesAll = isDistrictStaff(session) || hasRole(session, 'community_admin');
  const items = data?.items ?? [];
  const mine = items.filter((v) => schoolIds.has(v.school.id));
  const incoming = items.filter((v) => baseIds.has(v.venue.id) || (decidesAll && !schoolIds.has(v.school.id)));
  const isSchool = schoolIds.size > 0;
  const isBase = baseIds.size > 0 || decidesAll;

  return (
    <div className="page study-page">
      <div className="page-head">
        <h1>{t('study.visits.title')}</h1>
        <Link to="/study" className="btn btn-small">
          {t('study.visits.toMap')}
        </Link>
      </div>
      <p className="muted">{isSchool ? t('study.visits.introSchool') : t('study.visits.introBase')}</p>
      <div className="study-chip-row" role="group" aria-label={t('study.visits.byStatus')}>
        <span className="study-chip-label">{t('study.visits.byStatus')}</span>
        <button type="button" className="study-filter-chip" aria-pressed={!status} onClick={() => setStatus('')} data-testid="visit-status-all">
          {t('study.map.all')}
        </button>
        {STATUSES.map((s) => (
          <button key={s} type="button" className="study-filter-chip" aria-pressed={status === s} onClick={() => setStatus(s)} data-testid={`visit-status-${s}`}>
            {t(`study.visitStatus.${s}`)}
          </button>
        ))}
      </div>
      <StudyErrorNotice error={error} onRetry={reload} />
      {loading && !data && <Loading />}

      {data && isBase && (
        <section className="card" data-testid="visits-incoming">
          <h2>{t('study.visits.incoming')}</h2>
          {incoming.length === 0 ? (
            <p className="muted">{t('study.visits.none')}</p>
          ) : (
            <ul className="study-visits">
              {incoming.map((v) => (
                <IncomingVisit key={v.id} visit={v} taken={seats.get(`${v.service.id}|${v.visitDate}`) ?? 0} onChanged={reload} />
              ))}
            </ul>
          )}
        </section>
      )}

      {data && isSchool && (
        <section className="card" data-testid="visits-mine">
          <h2>{t('study.visits.mine')}</h2>
          {mine.length === 0 ? (
            <p className="muted">
              {t('study.visits.noneMine')} <Link to="/study">{t('study.visits.findBase')}</Link>
            </p>
          ) : (
            <ul className="study-visits">
              {mine.map((v) => (
                <MyVisit key={v.id} visit={v} onChanged={reload} />
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}

function VisitSummary({ visit, who }: { visit: VisitRequest; who: 'school' | 'venue' }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      <div className="study-visit-head">
        <strong>{who === 'school' ? visit.school.name : visit.venue.name}</strong>
        <span className={`chip study-visit-status study-visit-${visit.status}`} data-testid="visit-status">
          {t(`study.visitStatus.${visit.status}`)}
        </span>
      </div>
      <div className="small">
        {t('study.visits.line', { offer: visit.service.name, date: visit.visitDate, size: visit.groupSize })}
      </div>
      {visit.note && <div className="small muted">{t('study.visits.note', { note: visit.note })}</div>}
      {visit.decisionNote && <div className="small">{t('study.visits.decisionNote', { note: visit.decisionNote })}</div>}
      <div className="small muted">
        {t('study.visits.requestedAt', { at: formatDateTime(visit.createdAt, i18n.language) })}
        {visit.decidedAt && <> · {t('study.visits.decidedAt', { at: formatDateTime(visit.decidedAt, i18n.language) })}</>}
      </div>
    </>
  );
}

/** An incoming request: the places left that day, and accept / decline with an optional note. */
function IncomingVisit({ visit, taken, onChanged }: { visit: VisitRequest; taken: number; onChanged: () => void }) {
  const { t } = useTranslation();
  const action = useAction();
  const [note, setNote] = useState('');
  const capacity = visit.service.capacity;
  const left = capacity === null ? null : Math.max(0, capacity - taken);
  const fits = left === null || visit.status !== 'pending' || visit.groupSize <= left;

  async function decide(decision: 'accept' | 'decline') {
    const done = await action.run(() => api.post<VisitRequest>(`/api/study/visit-requests/${visit.id}/${decision}`, { note: note.trim() || null }));
    if (done) setNote('');
    // Done or refused, show the list fresh: a refusal (capacity, state) means someone else changed it meanwhile.
    onChanged();
  }

  const capacityDetail =
    studyErrorId(action.error) === 'capacity_exceeded' && capacity !== null
      ? t('study.visits.capacityDetail', { date: visit.visitDate, capacity, taken, left: left ?? 0, size: visit.groupSize })
      : undefined;

  return (
    <li className="study-visit" data-testid="visit-incoming" data-status={visit.status} data-venue={visit.venue.name}>
      <VisitSummary visit={visit} who="school" />
      <div className="small" data-testid="visit-capacity">
        {capacity === null
          ? t('study.visits.noCapacity', { offer: visit.service.name })
          : t('study.visits.capacity', { date: visit.visitDate, capacity, taken, left: left ?? 0 })}
      </div>
      {!fits && (
        <div className="notice notice-warning small" data-testid="visit-over-capacity">
          {t('study.visits.overCapacity', { size: visit.groupSize, left: left ?? 0 })}
        </div>
      )}
      {(visit.status === 'pending' || visit.status === 'accepted') && (
        <div className="study-visit-actions">
          <label className="field grow">
            <span className="small">{t('study.visits.decisionNoteLabel')}</span>
            <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} data-testid="visit-decision-note" />
          </label>
          {visit.status === 'pending' && (
            <button type="button" className="btn btn-small btn-primary" disabled={action.busy} onClick={() => void decide('accept')} data-testid="visit-accept">
              {t('study.visits.accept')}
            </button>
          )}
          <button type="button" className="btn btn-small btn-danger" disabled={action.busy} onClick={() => void decide('decline')} data-testid="visit-decline">
            {visit.status === 'accepted' ? t('study.visits.withdraw') : t('study.visits.decline')}
          </button>
        </div>
      )}
      <StudyErrorNotice error={action.error} detail={capacityDetail} />
    </li>
  );
}

function MyVisit({ visit, onChanged }: { visit: VisitRequest; onChanged: () => void }) {
  const { t } = useTranslation();
  const action = useAction();
  async function cancel() {
    if (!window.confirm(t('study.visits.confirmCancel', { venue: visit.venue.name, date: visit.visitDate }))) return;
    const done = await action.run(() => api.post<VisitRequest>(`/api/study/visit-requests/${visit.id}/cancel`, {}));
    if (done) onChanged();
  }
  return (
    <li className="study-visit" data-testid="visit-mine" data-status={visit.status} data-venue={visit.venue.name}>
      <VisitSummary visit={visit} who="venue" />
      {(visit.status === 'pending' || visit.status === 'accepted') && (
        <div className="study-visit-actions">
          <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => void cancel()} data-testid="visit-cancel">
            {t('study.visits.cancel')}
          </button>
        </div>
      )}
      <StudyErrorNotice error={action.error} />
    </li>
  );
}

export default VisitsPage;
