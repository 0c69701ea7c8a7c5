import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { Loading, useAction, useAsync } from '../../components/ui.tsx';
import { hasRole, useSession } from '../../session.tsx';
import {
  mySchools,
  newIdempotencyKey,
  requestVisit,
  SCHOOL_STAFF_ROLES,
  termName,
  todayInChina,
  type BaseFeature,
  type DirectoryService,
  type VisitRequest,
} from './studyApi.ts';
import { StudyErrorNotice } from './StudyUi.tsx';

/** Offers a school can book a group visit on. */
const VISITABLE = new Set(['study_tour']);

function ageText(t: ReturnType<typeof useTranslation>['t'], s: DirectoryService): string | null {
  if (s.minAge === null && s.maxAge === null) return null;
  if (s.minAge !== null && s.maxAge !== null) return t('study.offer.ages', { min: s.minAge, max: s.maxAge });
  if (s.minAge !== null) return t('study.offer.agesFrom', { min: s.minAge });
  return t('study.offer.agesTo', { max: s.maxAge });
}

/** The card of one base: categories, designations, where it is, its offers, and for school staff a visit request. */
export function BaseCard({ base, colours, onClose }: { base: BaseFeature; colours: Map<string, string>; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const p = base.properties;
  const offers = useAsync(
    (signal) => api.get<{ items: DirectoryService[]; total: number }>('/api/directory/services', { organisationId: p.id, limit: 50 }, { signal }),
    [p.id],
  );
  const [requesting, setRequesting] = useState(false);
  const [lon, lat] = base.geometry.coordinates;
  const visitable = (offers.data?.items ?? []).filter((s) => VISITABLE.has(s.serviceType) && s.status === 'active');
  const isSchoolStaff = hasRole(session, ...SCHOOL_STAFF_ROLES) && mySchools(session).length > 0;

  return (
    <section className="card study-base-card" data-testid="base-card" data-base-id={p.id} aria-labelledby="base-card-title">
      <div className="section-head">
        <h2 id="base-card-title">{p.name}</h2>
        <button type="button" className="btn-icon" onClick={onClose} aria-label={t('common.close')}>
          ×
        </button>
      </div>
      <div className="study-terms">
        {p.categories.map((c) => (
          <span key={c.code} className="study-term" data-testid="base-category">
            <span className="swatch swatch-circle" style={{ background: colours.get(c.code) }} aria-hidden="true" />
            {termName(c, i18n.language)}
          </span>
        ))}
      </div>
      {p.designations.length > 0 && (
        <div className="study-terms">
          {p.designations.map((d) => (
            <span key={d.code} className="chip study-designation" data-testid="base-designation">
              {termName(d, i18n.language)}
            </span>
          ))}
        </div>
      )}
      <p className="small muted study-coords">
        {t('study.map.coords', { lon: lon.toFixed(5), lat: lat.toFixed(5) })}
        {p.illustrative && <> · {t('study.illustrativeShort')}</>}
      </p>

      <h3>{t('study.offer.title')}</h3>
      {offers.loading && !offers.data && <Loading />}
      <StudyErrorNotice error={offers.error} onRetry={offers.reload} />
      {offers.data && offers.data.items.length === 0 && <p className="muted small">{t('study.offer.none')}</p>}
      {offers.data && offers.data.items.length > 0 && (
        <ul className="study-offers">
          {offers.data.items.map((s) => (
            <li key={s.id} data-testid="base-offer" data-service-type={s.serviceType}>
              <strong>{s.name}</strong>
              <div className="small">
                <span className="chip study-offer-type">{t(`study.offer.types.${s.serviceType}`)}</span>
                {s.status !== 'active' && <span className="chip chip-warn">{t(`study.offer.status.${s.status}`)}</span>}
              </div>
              <div className="small muted">
                {[
                  s.isFree ? t('study.offer.free') : (s.feesDescription ?? t('study.offer.fee')),
                  s.capacity !== null ? t('study.offer.capacity', { n: s.capacity }) : null,
                  ageText(t, s),
                  s.bookingRequired ? t('study.offer.booking') : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </div>
              {s.schedules.map((sch, i) => (
                <div key={i} className="small muted">
                  {[sch.description, sch.opensAt && sch.closesAt ? `${sch.opensAt}–${sch.closesAt}` : null, sch.byday ? weekdays(t, sch.byday) : null]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
              ))}
            </li>
          ))}
        </ul>
      )}

      {isSchoolStaff && offers.data && (
        <div className="subsection">
          {visitable.length === 0 ? (
            <p className="muted small">{t('study.visit.noOffer')}</p>
          ) : requesting ? (
            <VisitRequestForm offers={visitable} onDone={() => setRequesting(false)} />
          ) : (
            <button type="button" className="btn btn-primary" data-testid="request-visit" onClick={() => setRequesting(true)}>
              {t('study.visit.request')}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

const DAY_KEYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

function weekdays(t: ReturnType<typeof useTranslation>['t'], byday: string): string {
  return byday
    .split(',')
    .filter((d): d is (typeof DAY_KEYS)[number] => (DAY_KEYS as readonly string[]).includes(d))
    .map((d) => t(`study.weekdays.${d}`))
    .join(t('common.listSeparator'));
}

/**
 * A school asks the base for a group visit. One Idempotency-Key per intended request: kept while the fields stay the
 * same (so pressing "send" again after a lost answer is a safe retry), renewed when a field changes or after success.
 */
function VisitRequestForm({ offers, onDone }: { offers: DirectoryService[]; onDone: () => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const schools = mySchools(session);
  const [schoolId, setSchoolId] = useState(schools[0]?.id ?? '');
  const [serviceId, setServiceId] = useState(offers[0]?.id ?? '');
  const [visitDate, setVisitDate] = useState('');
  const [groupSize, setGroupSize] = useState('');
  const [note, setNote] = useState('');
  const [sent, setSent] = useState<VisitRequest | null>(null);
  const key = useRef(newIdempotencyKey());
  const action = useAction();
  const offer = offers.find((o) => o.id === serviceId);
  const today = todayInChina();

  /** Any change of what is asked makes it another request, with its own key. */
  const change =
    <T,>(set: (v: T) => void) =>
    (value: T) => {
      key.current = newIdempotencyKey();
      set(value);
    };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await action.run(() =>
      requestVisit({ serviceId, schoolId, visitDate, groupSize: Number(groupSize), note: note.trim() || null }, key.current, session?.csrfToken ?? null),
    );
    if (result) {
      setSent(result);
      key.current = newIdempotencyKey();
    }
  }

  if (sent) {
    return (
      <div className="notice notice-success" role="status" data-testid="visit-sent">
        <p>{t('study.visit.sent', { venue: sent.venue.name, date: sent.visitDate, size: sent.groupSize })}</p>
        <div className="actions">
          <Link to="/study/visits" className="btn btn-small" data-testid="visit-sent-link">
            {t('study.visit.seeRequests')}
          </Link>
          <button type="button" className="btn btn-small btn-quiet" onClick={onDone}>
            {t('common.close')}
          </button>
        </div>
      </div>
    );
  }

  return (
    <form className="form" onSubmit={submit} data-testid="visit-form" aria-label={t('study.visit.request')}>
      <h3>{t('study.visit.request')}</h3>
      {schools.length > 1 ? (
        <label className="field">
          <span>{t('study.visit.school')}</span>
          <select value={schoolId} onChange={(e) => change(setSchoolId)(e.target.value)} data-testid="visit-school">
            {schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <div className="field">
          <span className="label">{t('study.visit.school')}</span>
          <span className="static-value">{schools[0]?.name}</span>
        </div>
      )}
      <label className="field">
        <span>{t('study.visit.offer')}</span>
        <select value={serviceId} onChange={(e) => change(setServiceId)(e.target.value)} data-testid="visit-offer" required>
          {offers.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <div className="form-row">
        <label className="field">
          <span>{t('study.visit.date')}</span>
          <input type="date" min={today} value={visitDate} onChange={(e) => change(setVisitDate)(e.target.value)} required data-testid="visit-date" />
        </label>
        <label className="field">
          <span>{t('study.visit.groupSize')}</span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={offer?.capacity ?? 1000}
            value={groupSize}
            onChange={(e) => change(setGroupSize)(e.target.value)}
            required
            data-testid="visit-size"
          />
          {offer?.capacity != null && <small className="hint">{t('study.visit.capacityHint', { n: offer.capacity })}</small>}
        </label>
      </div>
      <label className="field">
        <span>
          {t('study.visit.note')} <small className="muted">{t('common.optional')}</small>
        </span>
        <textarea value={note} onChange={(e) => change(setNote)(e.target.value)} maxLength={500} rows={2} data-testid="visit-note" />
      </label>
      <StudyErrorNotice
        error={action.error}
        fields={{
          visitDate: { label: t('study.visit.date'), hint: t('study.visit.dateHint') },
          groupSize: { label: t('study.visit.groupSize') },
          serviceId: { label: t('study.visit.offer') },
        }}
        detail={offer?.capacity != null ? t('study.visit.capacityHint', { n: offer.capacity }) : undefined}
      />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={action.busy || !serviceId || !schoolId} data-testid="visit-submit">
          {action.busy ? t('study.visit.sending') : t('study.visit.send')}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
