import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, Route, Routes, useNavigate, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { Loading, Notice, useAction, useAsync, usePageTitle } from '../../components/ui.tsx';
import { hasRole, useSession } from '../../session.tsx';
import type { FamilyView } from '../../types.ts';
import {
  cacheRoster,
  cachedRoster,
  classesErrorText,
  formatWhen,
  loadQueue,
  newKey,
  postWithKey,
  saveQueue,
  type Booking,
  type ClassKind,
  type ClassView,
  type Course,
  type Enrolment,
  type MyBooking,
  type Notification,
  type Roster,
  type Session,
} from './classesApi.ts';
import { LibraryForYou, LibraryItemPage } from './Library.tsx';
import { encodeQr, qrSvgPath } from './qr.ts';
import './classes.css';

// The desk's camera scanner brings a QR decoder (in a worker): loaded only when staff open it.
const PassScanner = lazy(() => import('./PassScanner.tsx'));

const KINDS: ClassKind[] = ['parent_class', 'flexible_care', 'weekend_class'];
const STAFF = ['district_admin', 'centre_staff', 'school_admin', 'teacher', 'community_admin'] as const;

function Problem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert" data-testid="error">
      <p>{classesErrorText(t, error)}</p>
    </div>
  );
}

export function QrCode({ text, label }: { text: string; label: string }) {
  const { viewBox, d } = useMemo(() => qrSvgPath(encodeQr(text)), [text]);
  return (
    <svg className="classes-qr" viewBox={viewBox} role="img" aria-label={label} data-testid="qr" shapeRendering="crispEdges">
      <rect width="100%" height="100%" fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

// ---- guardians: browse, book, my bookings ------------------------------------------------------------------------------

function BookForm({ session, families, onDone }: { session: Session; families: FamilyView[]; onDone: (b: Booking) => void }) {
  const { t } = useTranslation();
  const { session: me } = useSession();
  const [familyId, setFamilyId] = useState(families[0]?.id ?? '');
  const family = families.find((f) => f.id === familyId);
  const [guardians, setGuardians] = useState<string[]>(me ? [me.user.id] : []);
  const [children, setChildren] = useState<string[]>([]);
  // One key per intended booking: a retry after a lost answer sends the same key and gets the same answer.
  const key = useRef(newKey());
  const { busy, error, run } = useAction();
  const toggle = (list: string[], id: string) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  return (
    <form
      className="form classes-book"
      data-testid="book-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const b = await postWithKey<Booking>(`/api/classes/sessions/${session.id}/bookings`, { familyId, guardianUserIds: guardians, childIds: children }, key.current, me?.csrfToken ?? null);
          onDone(b);
        });
      }}
    >
      {families.length > 1 && (
        <label className="field">
          <span>{t('classes.family')}</span>
          <select value={familyId} onChange={(e) => setFamilyId(e.target.value)}>
            {families.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <fieldset className="field">
        <legend className="label">{t('classes.whoComes')}</legend>
        {family?.guardians.map((g) => (
          <label key={g.userId} className="check">
            <input type="checkbox" checked={guardians.includes(g.userId)} onChange={() => setGuardians(toggle(guardians, g.userId))} /> {g.displayName}
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend className="label">{session.childrenAllowed ? t('classes.children', { n: session.maxChildren }) : t('classes.noChildren')}</legend>
        {session.childrenAllowed &&
          family?.children.map((c) => (
            <label key={c.id} className="check">
              <input type="checkbox" checked={children.includes(c.id)} onChange={() => setChildren(toggle(children, c.id))} /> {c.displayName}
            </label>
          ))}
      </fieldset>
      <Problem error={error} />
      <button className="btn btn-primary" disabled={busy || guardians.length === 0} data-testid="book-submit">
        {t('classes.confirm')}
      </button>
    </form>
  );
}

function SessionCard({ s, families, onBooked }: { s: Session; families: FamilyView[]; onBooked: (b: Booking) => void }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const full = s.seatsLeft === 0 && s.waitlistCount >= s.waitlistCapacity;
  return (
    <li className="card classes-session" data-testid="session-card">
      <div className="classes-session-head">
        <div>
          <span className="classes-kind">{t(`classes.kinds.${s.kind}`)}</span>
          <h3>{s.classTitle}</h3>
          <p className="muted">
            {formatWhen(s.startsAt, i18n.language)} · {s.organisation.name}
            {s.location ? ` · ${s.location}` : ''}
          </p>
        </div>
        <div className="classes-seats">
          <strong>{s.seatsLeft > 0 ? t('classes.seatsLeft', { n: s.seatsLeft }) : t('classes.full')}</strong>
          {s.waitlistCapacity > 0 && <span className="muted small">{t('classes.waitlist', { n: s.waitlistCount, cap: s.waitlistCapacity })}</span>}
        </div>
      </div>
      {s.mode === 'flexible' && families.length > 0 && !full && (
        <button type="button" className="btn btn-small" onClick={() => setOpen((v) => !v)} data-testid="book-open">
          {t('classes.book')}
        </button>
      )}
      {open && (
        <BookForm
          session={s}
          families={families}
          onDone={(b) => {
            setOpen(false);
            onBooked(b);
          }}
        />
      )}
    </li>
  );
}

function MyBookings({ items, onChanged }: { items: MyBooking[]; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const { session: me } = useSession();
  const { error, run } = useAction();
  if (items.length === 0) return <p className="muted">{t('classes.mineNone')}</p>;
  return (
    <>
      <Problem error={error} />
      <ul className="classes-list" data-testid="my-bookings">
        {items.map((b) => (
          <li key={b.id} className="card classes-session">
            <div className="classes-session-head">
              <div>
                <h3>{b.classTitle}</h3>
                <p className="muted">
                  {formatWhen(b.session.startsAt, i18n.language)} · {b.organisationName}
                </p>
                <p className="small">
                  <span className={`classes-status classes-status-${b.status}`}>{t(`classes.status.${b.status}`)}</span>{' '}
                  {b.status === 'waitlisted' && b.waitlistPosition ? t('classes.position', { n: b.waitlistPosition }) : null}{' '}
                  {b.status === 'confirmed' && <span className="muted">{t('classes.cancelUntil', { when: formatWhen(b.session.cancelUntil, i18n.language) })}</span>}
                </p>
              </div>
              {b.status !== 'cancelled' && (
                <div className="classes-actions">
                  {b.status === 'confirmed' && (
                    <>
                      <Link className="btn btn-small" to={`/classes/check-in?session=${b.sessionId}`}>
                        {t('classes.checkIn')}
                      </Link>
                      <Link className="btn btn-small btn-quiet" to={`/classes/sessions/${b.sessionId}/pass`}>
                        {t('classes.myPass')}
                      </Link>
                    </>
                  )}
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    data-testid="cancel-booking"
                    onClick={() => void run(async () => {
                      await postWithKey(`/api/classes/bookings/${b.id}/cancel`, {}, `cancel-${b.id}`, me?.csrfToken ?? null);
                      onChanged();
                    })}
                  >
                    {t('classes.cancel')}
                  </button>
                </div>
              )}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

function Notifications() {
  const { t, i18n } = useTranslation();
  const { data, reload } = useAsync((signal) => api.get<{ items: Notification[] }>('/api/classes/notifications', { limit: 20 }, { signal }), []);
  const unread = (data?.items ?? []).filter((n) => !n.readAt);
  if (unread.length === 0) return null;
  return (
    <section className="card" data-testid="class-notifications">
      <h2>{t('classes.notifications')}</h2>
      <ul className="classes-notes">
        {unread.map((n) => (
          <li key={n.id}>
            <strong>{n.title}</strong>
            <p>{n.body}</p>
            <span className="muted small">{formatWhen(n.createdAt, i18n.language)}</span>{' '}
            <button type="button" className="btn btn-small btn-quiet" onClick={() => void api.post(`/api/classes/notifications/${n.id}/read`, {}).then(reload)}>
              {t('classes.markRead')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface CalendarFeed {
  active: boolean;
  createdAt: string | null;
  lastUsedAt: string | null;
  path: string | null;
}

/** The family's calendar: a download, and a private subscription link for phone calendar apps (made, rotated, revoked). */
function FamilyCalendar({ family }: { family: FamilyView }) {
  const { t, i18n } = useTranslation();
  const base = `/api/classes/families/${family.id}`;
  const feed = useAsync((signal) => api.get<CalendarFeed>(`${base}/calendar-feed`, undefined, { signal }), [family.id]);
  const [made, setMade] = useState<CalendarFeed | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const shown = made ?? feed.data;
  const url = made?.path ? `${window.location.origin}${made.path}` : null;
  const make = () =>
    void action.run(async () => {
      setMade(await api.post<CalendarFeed>(`${base}/calendar-feed`, {}));
      setNote(null);
    });
  return (
    <div className="classes-calendar" data-testid="family-calendar">
      <h3>{t('classes.calendar.title')}</h3>
      <p>
        <a href={`${base}/calendar.ics`} download>
          {t('classes.calendar.download')}
        </a>
      </p>
      <p className="muted">{t('classes.calendar.intro')}</p>
      <Problem error={feed.error ?? action.error} />
      {note && <Notice tone="success">{note}</Notice>}
      {url ? (
        <>
          <Notice tone="success">{t('classes.calendar.created')}</Notice>
          <input className="classes-calendar-url" readOnly value={url} data-testid="calendar-url" onFocus={(e) => e.currentTarget.select()} aria-label={t('classes.calendar.title')} />
          <div className="classes-actions">
            <a className="btn btn-small" href={url.replace(/^https?:/, 'webcal:')}>
              {t('classes.calendar.add')}
            </a>
            <button type="button" className="btn btn-small btn-quiet" onClick={() => void navigator.clipboard?.writeText(url).then(() => setNote(t('classes.calendar.copied')))}>
              {t('classes.calendar.copy')}
            </button>
          </div>
        </>
      ) : shown?.active ? (
        <p data-testid="calendar-active">
          {t('classes.calendar.active', { when: formatWhen(shown.createdAt!, i18n.language) })}{' '}
          {shown.lastUsedAt ? t('classes.calendar.lastUsed', { when: formatWhen(shown.lastUsedAt, i18n.language) }) : t('classes.calendar.neverUsed')}
        </p>
      ) : null}
      <div className="classes-actions">
        <button type="button" className="btn btn-small" disabled={action.busy} onClick={make} data-testid="calendar-make">
          {shown?.active ? t('classes.calendar.rotate') : t('classes.calendar.create')}
        </button>
        {shown?.active && (
          <button
            type="button"
            className="btn btn-small btn-quiet"
            disabled={action.busy}
            data-testid="calendar-revoke"
            onClick={() =>
              void action.run(async () => {
                setMade(await api.delete<CalendarFeed>(`${base}/calendar-feed`));
                setNote(t('classes.calendar.revoked'));
              })
            }
          >
            {t('classes.calendar.revoke')}
          </button>
        )}
      </div>
    </div>
  );
}

function BrowsePage() {
  const { t } = useTranslation();
  usePageTitle(t('classes.title'));
  const { session: me } = useSession();
  const [kind, setKind] = useState<ClassKind | ''>('');
  const [message, setMessage] = useState<string | null>(null);
  const sessions = useAsync((signal) => api.get<{ items: Session[] }>('/api/classes/sessions', { kind, mode: 'flexible', limit: 200 }, { signal }), [kind]);
  const families = useAsync((signal) => api.get<{ items: FamilyView[] }>('/api/families', undefined, { signal }), []);
  const mine = useAsync((signal) => api.get<{ items: MyBooking[] }>('/api/classes/bookings/mine', undefined, { signal }), []);
  const refresh = () => {
    sessions.reload();
    mine.reload();
  };
  return (
    <div className="page classes-page">
      <div className="page-head">
        <h1>{t('classes.title')}</h1>
        {hasRole(me, ...STAFF) && (
          <Link className="btn btn-small" to="/classes/manage">
            {t('classes.manage')}
          </Link>
        )}
      </div>
      <p className="muted">
        {t('classes.intro')} <Link to="/classes/library">{t('classes.library')}</Link>
      </p>
      {message && <Notice tone="success">{message}</Notice>}
      <Notifications />
      {(families.data?.items.length ?? 0) > 0 && (
        <section className="card">
          <h2>{t('classes.mine')}</h2>
          {mine.data ? <MyBookings items={mine.data.items} onChanged={() => { setMessage(t('classes.cancelled')); refresh(); }} /> : <Loading />}
          {families.data?.items.map((f) => <FamilyCalendar key={f.id} family={f} />)}
        </section>
      )}
      <h2>{t('classes.upcoming')}</h2>
      <div className="study-chip-row" role="group">
        {(['', ...KINDS] as const).map((k) => (
          <button key={k || 'all'} type="button" className="study-filter-chip" aria-pressed={kind === k} onClick={() => setKind(k)}>
            {k ? t(`classes.kinds.${k}`) : t('classes.all')}
          </button>
        ))}
      </div>
      <Problem error={sessions.error} />
      {sessions.loading && !sessions.data && <Loading />}
      {sessions.data && sessions.data.items.length === 0 && <p className="muted">{t('classes.none')}</p>}
      <ul className="classes-list" data-testid="sessions">
        {sessions.data?.items.map((s) => (
          <SessionCard
            key={s.id}
            s={s}
            families={families.data?.items ?? []}
            onBooked={(b) => {
              setMessage(b.status === 'confirmed' ? t('classes.booked') : t('classes.waitlisted', { n: b.waitlistPosition ?? 1 }));
              refresh();
            }}
          />
        ))}
      </ul>
    </div>
  );
}

// ---- the catalogue and online library ----------------------------------------------------------------------------------

const TOPICS = ['family_education', 'career_education', 'mental_health'] as const;

function LibraryPage() {
  const { t } = useTranslation();
  usePageTitle(t('classes.library'));
  const [tier, setTier] = useState<'' | 'general' | 'required' | 'custom'>('');
  const [topic, setTopic] = useState('');
  const [format, setFormat] = useState('');
  const [q, setQ] = useState('');
  const [withFile, setWithFile] = useState(false);
  const [offset, setOffset] = useState(0);
  const courses = useAsync(
    (signal) => api.get<{ items: Course[]; total: number }>('/api/classes/courses', { tier, topic, format, q: q.trim(), hasFile: withFile ? 'true' : '', limit: 30, offset }, { signal }),
    [tier, topic, format, q, withFile, offset],
  );
  return (
    <div className="page classes-page">
      <h1>{t('classes.library')}</h1>
      <p className="muted">{t('classes.libraryIntro')}</p>
      <LibraryForYou />
      <div className="form-row">
        <label className="field">
          <span>{t('classes.tier')}</span>
          <select value={tier} onChange={(e) => { setTier(e.target.value as typeof tier); setOffset(0); }} data-testid="library-tier">
            <option value="">{t('classes.all')}</option>
            {(['general', 'required', 'custom'] as const).map((x) => (
              <option key={x} value={x}>
                {t(`classes.tiers.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('classes.topic')}</span>
          <select value={topic} onChange={(e) => { setTopic(e.target.value); setOffset(0); }}>
            <option value="">{t('classes.all')}</option>
            {TOPICS.map((x) => (
              <option key={x} value={x}>
                {t(`classes.topics.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('classes.format')}</span>
          <select value={format} onChange={(e) => { setFormat(e.target.value); setOffset(0); }}>
            <option value="">{t('classes.all')}</option>
            {(['online', 'in_person', 'mixed'] as const).map((x) => (
              <option key={x} value={x}>
                {t(`classes.formats.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('classes.search')}</span>
          <input value={q} onChange={(e) => { setQ(e.target.value); setOffset(0); }} maxLength={100} />
        </label>
        <label className="check">
          <input type="checkbox" checked={withFile} onChange={(e) => { setWithFile(e.target.checked); setOffset(0); }} data-testid="library-with-file" />
          <span>{t('classes.lib.withFile')}</span>
        </label>
      </div>
      <Problem error={courses.error} />
      {courses.data && <p className="muted" data-testid="library-total">{t('classes.libraryTotal', { n: courses.data.total })}</p>}
      <ul className="classes-list" data-testid="library">
        {courses.data?.items.map((c) => (
          <li key={c.id} className="card classes-session">
            <span className="classes-kind">{t(`classes.tiers.${c.tier}`)}</span> <span className="muted small">{t(`classes.formats.${c.format}`)} · {c.durationMinutes} min · {c.ageMin}–{c.ageMax}</span>{' '}
            {c.file ? (
              <span className="classes-kind" data-testid="library-file-kind">
                {t(`classes.lib.kinds.${c.file.mediaKind}`)}
                {c.file.demo ? ` · ${t('classes.lib.demoFile')}` : ''}
              </span>
            ) : (
              <span className="muted small">{t('classes.lib.noFileShort')}</span>
            )}
            <h3>
              <Link to={`/classes/library/${c.id}`}>{c.title}</Link>
            </h3>
            {c.summary && <p className="muted">{c.summary}</p>}
            {c.provider.name && <p className="small">{c.provider.name}</p>}
          </li>
        ))}
      </ul>
      {courses.data && courses.data.total > 30 && (
        <div className="classes-actions">
          <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 30))}>
            ‹
          </button>
          <span className="muted">
            {offset + 1}–{Math.min(offset + 30, courses.data.total)}
          </span>
          <button type="button" className="btn btn-small" disabled={offset + 30 >= courses.data.total} onClick={() => setOffset(offset + 30)}>
            ›
          </button>
        </div>
      )}
    </div>
  );
}

// ---- guardians: check in, pass -------------------------------------------------------------------------------------------

function CheckInPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('classes.checkInTitle'));
  const { session: me } = useSession();
  const [params] = useSearchParams();
  const token = params.get('t');
  const [sessionId, setSessionId] = useState(params.get('session') ?? '');
  const [digits, setDigits] = useState('');
  const [done, setDone] = useState(false);
  const key = useRef(newKey());
  const { busy, error, run } = useAction();
  const mine = useAsync((signal) => api.get<{ items: MyBooking[] }>('/api/classes/bookings/mine', undefined, { signal }), []);
  const submit = useCallback(
    (body: unknown) =>
      void run(async () => {
        await postWithKey('/api/classes/check-in', body, key.current, me?.csrfToken ?? null);
        setDone(true);
      }),
    [run, me],
  );
  const sent = useRef(false);
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      submit({ token });
    }
  }, [token, submit]);
  const confirmed = (mine.data?.items ?? []).filter((b) => b.status === 'confirmed');
  return (
    <div className="page classes-page narrow">
      <h1>{t('classes.checkInTitle')}</h1>
      {done ? (
        <Notice tone="success">
          <span data-testid="checked-in">{t('classes.checkedIn')}</span>
        </Notice>
      ) : (
        <>
          <p className="muted">{t('classes.checkInIntro')}</p>
          <Problem error={error} />
          {busy && <Loading />}
          <form
            className="form card"
            onSubmit={(e) => {
              e.preventDefault();
              key.current = newKey();
              submit({ sessionId, digits });
            }}
          >
            <label className="field">
              <span>{t('classes.session')}</span>
              <select value={sessionId} onChange={(e) => setSessionId(e.target.value)} required>
                <option value="" />
                {confirmed.map((b) => (
                  <option key={b.id} value={b.sessionId}>
                    {b.classTitle} · {formatWhen(b.session.startsAt, i18n.language)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('classes.digits')}</span>
              <input inputMode="numeric" pattern="\d{6}" maxLength={6} value={digits} onChange={(e) => setDigits(e.target.value.replace(/\D/g, ''))} required data-testid="digits" />
            </label>
            <button className="btn btn-primary" disabled={busy}>
              {t('classes.submit')}
            </button>
          </form>
        </>
      )}
    </div>
  );
}

function PassPage() {
  const { t } = useTranslation();
  usePageTitle(t('classes.myPass'));
  const { id } = useParams();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 10_000);
    return () => clearInterval(timer);
  }, []);
  const pass = useAsync((signal) => api.get<{ token: string }>(`/api/classes/sessions/${id}/pass`, undefined, { signal }), [id, tick]);
  const url = pass.data ? `${location.origin}/classes/sessions/${id}/desk?p=${encodeURIComponent(pass.data.token)}` : '';
  return (
    <div className="page classes-page narrow">
      <h1>{t('classes.myPass')}</h1>
      <p className="muted">{t('classes.passIntro')}</p>
      <Problem error={pass.error} />
      {pass.data && <QrCode text={url} label={t('classes.myPass')} />}
    </div>
  );
}

// ---- staff: classes, sessions, check-in desk -------------------------------------------------------------------------------

function ManagePage() {
  const { t } = useTranslation();
  usePageTitle(t('classes.manage'));
  const { session: me } = useSession();
  const navigate = useNavigate();
  const classes = useAsync((signal) => api.get<{ items: ClassView[] }>('/api/classes', { mine: 'true' }, { signal }), []);
  const orgs = (me?.roles ?? []).filter((r) => r.scopeType === 'organisation' && (r.role === 'school_admin' || r.role === 'teacher'));
  const [form, setForm] = useState({ organisationId: orgs[0]?.scopeId ?? '', title: '', mode: 'flexible', kind: 'parent_class' });
  const { busy, error, run } = useAction();
  return (
    <div className="page classes-page">
      <h1>{t('classes.manage')}</h1>
      <p className="muted">{t('classes.manageIntro')}</p>
      <Problem error={classes.error} />
      <ul className="classes-list" data-testid="my-classes">
        {classes.data?.items.map((k) => (
          <li key={k.id} className="card classes-session">
            <Link to={`/classes/${k.id}`}>
              <strong>{k.title}</strong>
            </Link>{' '}
            <span className="classes-kind">{t(`classes.kinds.${k.kind}`)}</span> <span className="muted">{k.organisation.name} · {t(`classes.modes.${k.mode}`)}</span>
          </li>
        ))}
      </ul>
      {orgs.length > 0 && (
        <form
          className="form card"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const k = await api.post<ClassView>('/api/classes', form);
              navigate(`/classes/${k.id}`);
            });
          }}
        >
          <h2>{t('classes.newClass')}</h2>
          <div className="form-row">
            <label className="field">
              <span>{t('classes.organisation')}</span>
              <select value={form.organisationId} onChange={(e) => setForm({ ...form, organisationId: e.target.value })}>
                {orgs.map((o) => (
                  <option key={o.id} value={o.scopeId}>
                    {o.scopeName}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('classes.classTitle')}</span>
              <input value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required maxLength={200} />
            </label>
            <label className="field">
              <span>{t('classes.mode')}</span>
              <select value={form.mode} onChange={(e) => setForm({ ...form, mode: e.target.value })}>
                <option value="flexible">{t('classes.modes.flexible')}</option>
                <option value="fixed">{t('classes.modes.fixed')}</option>
              </select>
            </label>
            <label className="field">
              <span>{t('classes.kind')}</span>
              <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`classes.kinds.${k}`)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <Problem error={error} />
          <button className="btn btn-primary" disabled={busy}>
            {t('classes.create')}
          </button>
        </form>
      )}
    </div>
  );
}

function SeatMap({ rows, cols, enrolments }: { rows: number; cols: number; enrolments: Enrolment[] }) {
  const bySeat = new Map(enrolments.filter((e) => e.seatLabel).map((e) => [e.seatLabel!, e]));
  return (
    <div className="classes-seatmap" style={{ gridTemplateColumns: `repeat(${cols}, minmax(2.5rem, 1fr))` }} data-testid="seat-map">
      {Array.from({ length: rows * cols }, (_, i) => {
        const label = `${String.fromCharCode(65 + Math.floor(i / cols))}${(i % cols) + 1}`;
        const e = bySeat.get(label);
        return (
          <div key={label} className={`classes-seat${e ? ' taken' : ''}`} title={e?.familyName ?? label}>
            <span>{label}</span>
            {e && <small>{e.familyName}</small>}
          </div>
        );
      })}
    </div>
  );
}

/** A local `datetime-local` value (the browser's zone) for an ISO instant. */
function localInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** Staff move a session that has not started: new start and length; the server tells the booked families. */
function RescheduleForm({ session, onDone }: { session: Session; onDone: () => void }) {
  const { t } = useTranslation();
  const [startsAt, setStartsAt] = useState(localInput(session.startsAt));
  const [minutes, setMinutes] = useState(Math.round((new Date(session.endsAt).getTime() - new Date(session.startsAt).getTime()) / 60_000));
  const action = useAction();
  return (
    <form
      className="form classes-reschedule"
      data-testid="reschedule-form"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          await api.patch(`/api/classes/sessions/${session.id}`, { startsAt: new Date(startsAt).toISOString(), durationMinutes: minutes });
          onDone();
        });
      }}
    >
      <p className="muted">{t('classes.rescheduleHint')}</p>
      <Problem error={action.error} />
      <div className="form-row">
        <label className="field">
          <span>{t('classes.startsAt')}</span>
          <input type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} required data-testid="reschedule-starts" />
        </label>
        <label className="field">
          <span>{t('classes.duration')}</span>
          <input type="number" min={10} max={720} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} />
        </label>
      </div>
      <button type="submit" className="btn btn-small" disabled={action.busy} data-testid="reschedule-save">
        {t('classes.rescheduleSave')}
      </button>
    </form>
  );
}

function ClassPage() {
  const { t, i18n } = useTranslation();
  const { id } = useParams();
  const k = useAsync((signal) => api.get<ClassView>(`/api/classes/${id}`, undefined, { signal }), [id]);
  const sessions = useAsync((signal) => api.get<{ items: Session[] }>('/api/classes/sessions', { classId: id, limit: 200 }, { signal }), [id]);
  const fixed = k.data?.mode === 'fixed';
  const roster = useAsync((signal) => (fixed ? api.get<{ enrolments: Enrolment[] }>(`/api/classes/${id}/enrolments`, undefined, { signal }) : Promise.resolve(null)), [id, fixed]);
  const candidates = useAsync((signal) => (fixed ? api.get<{ items: { id: string; name: string }[] }>(`/api/classes/${id}/family-candidates`, undefined, { signal }) : Promise.resolve(null)), [id, fixed]);
  usePageTitle(k.data?.title ?? t('classes.title'));
  const [plan, setPlan] = useState({ startsAt: '', durationMinutes: 90, capacity: 30, waitlistCapacity: 10, location: '', count: 1, childrenAllowed: false });
  const [enrol, setEnrol] = useState({ familyId: '', seatLabel: '' });
  const [moving, setMoving] = useState<string | null>(null);
  const [moved, setMoved] = useState(false);
  const action = useAction();
  if (!k.data) return <div className="page">{k.error ? <Problem error={k.error} /> : <Loading />}</div>;
  return (
    <div className="page classes-page">
      <h1>{k.data.title}</h1>
      <p className="muted">
        {k.data.organisation.name} · {t(`classes.modes.${k.data.mode}`)} · {t(`classes.kinds.${k.data.kind}`)}
      </p>
      <Problem error={action.error} />
      {moved && <Notice tone="success">{t('classes.rescheduled')}</Notice>}
      <section className="card">
        <h2>{t('classes.sessions')}</h2>
        <ul className="classes-list">
          {sessions.data?.items.map((s) => (
            <li key={s.id} className="classes-row">
              <span>
                {formatWhen(s.startsAt, i18n.language)} {s.location ?? ''} · {s.seatsTaken}/{s.capacity}
                {s.waitlistCount > 0 ? ` (+${s.waitlistCount})` : ''}
              </span>
              <Link className="btn btn-small" to={`/classes/sessions/${s.id}/desk`}>
                {t('classes.desk')}
              </Link>
              {k.data?.canManage && s.status === 'scheduled' && new Date(s.startsAt).getTime() > Date.now() && (
                <button type="button" className="btn btn-small btn-quiet" aria-expanded={moving === s.id} onClick={() => setMoving(moving === s.id ? null : s.id)} data-testid="reschedule-open">
                  {t('classes.reschedule')}
                </button>
              )}
              {moving === s.id && (
                <RescheduleForm
                  session={s}
                  onDone={() => {
                    setMoving(null);
                    setMoved(true);
                    sessions.reload();
                  }}
                />
              )}
            </li>
          ))}
        </ul>
        {k.data.canManage && (
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void action.run(async () => {
                await api.post(`/api/classes/${id}/sessions`, {
                  startsAt: new Date(plan.startsAt).toISOString(),
                  durationMinutes: plan.durationMinutes,
                  capacity: plan.capacity,
                  waitlistCapacity: plan.waitlistCapacity,
                  location: plan.location || null,
                  childrenAllowed: plan.childrenAllowed,
                  ...(plan.count > 1 ? { repeat: { frequency: 'weekly', count: plan.count } } : {}),
                });
                sessions.reload();
              });
            }}
          >
            <h3>{t('classes.newSessions')}</h3>
            <div className="form-row">
              <label className="field">
                <span>{t('classes.startsAt')}</span>
                <input type="datetime-local" value={plan.startsAt} onChange={(e) => setPlan({ ...plan, startsAt: e.target.value })} required />
              </label>
              <label className="field">
                <span>{t('classes.duration')}</span>
                <input type="number" min={10} max={720} value={plan.durationMinutes} onChange={(e) => setPlan({ ...plan, durationMinutes: Number(e.target.value) })} />
              </label>
              <label className="field">
                <span>{t('classes.capacity')}</span>
                <input type="number" min={1} max={10000} value={plan.capacity} onChange={(e) => setPlan({ ...plan, capacity: Number(e.target.value) })} />
              </label>
              <label className="field">
                <span>{t('classes.waitlistCapacity')}</span>
                <input type="number" min={0} max={10000} value={plan.waitlistCapacity} onChange={(e) => setPlan({ ...plan, waitlistCapacity: Number(e.target.value) })} />
              </label>
              <label className="field">
                <span>{t('classes.location')}</span>
                <input value={plan.location} onChange={(e) => setPlan({ ...plan, location: e.target.value })} maxLength={300} />
              </label>
              <label className="field">
                <span>{t('classes.repeatWeeks')}</span>
                <input type="number" min={1} max={60} value={plan.count} onChange={(e) => setPlan({ ...plan, count: Number(e.target.value) })} />
              </label>
              <label className="check">
                <input type="checkbox" checked={plan.childrenAllowed} onChange={(e) => setPlan({ ...plan, childrenAllowed: e.target.checked })} /> {t('classes.childrenAllowed')}
              </label>
            </div>
            <button className="btn btn-primary" disabled={action.busy}>
              {t('classes.add')}
            </button>
          </form>
        )}
      </section>
      {fixed && roster.data && (
        <section className="card">
          <h2>{t('classes.enrolled')}</h2>
          {k.data.seatMap && <SeatMap rows={k.data.seatMap.rows} cols={k.data.seatMap.cols} enrolments={roster.data.enrolments} />}
          <ul className="classes-list">
            {roster.data.enrolments.map((e) => (
              <li key={e.id} className="classes-row">
                <span>
                  {e.seatLabel ?? '–'} · {e.familyName}
                </span>
                <button type="button" className="btn btn-small btn-quiet" onClick={() => void action.run(async () => { await api.post(`/api/classes/${id}/enrolments/${e.id}/withdraw`, {}); roster.reload(); })}>
                  {t('classes.withdraw')}
                </button>
              </li>
            ))}
          </ul>
          <form
            className="form-inline"
            onSubmit={(e) => {
              e.preventDefault();
              void action.run(async () => {
                await api.post(`/api/classes/${id}/enrolments`, { familyId: enrol.familyId, seatLabel: enrol.seatLabel || null });
                setEnrol({ familyId: '', seatLabel: '' });
                roster.reload();
              });
            }}
          >
            <label className="field">
              <span>{t('classes.enrolFamily')}</span>
              <select value={enrol.familyId} onChange={(e) => setEnrol({ ...enrol, familyId: e.target.value })} required>
                <option value="" />
                {candidates.data?.items.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('classes.seat')}</span>
              <input value={enrol.seatLabel} onChange={(e) => setEnrol({ ...enrol, seatLabel: e.target.value.toUpperCase() })} placeholder="A1" maxLength={3} />
            </label>
            <button className="btn btn-primary" disabled={action.busy}>
              {t('classes.enrol')}
            </button>
          </form>
        </section>
      )}
    </div>
  );
}

/**
 * The staff check-in desk: the rotating code on screen, the roster to mark by hand. The roster is cached on the device
 * and marks made offline wait in a queue (with one Idempotency-Key per batch) until the network is back.
 */
function DeskPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('classes.desk'));
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const { session: me } = useSession();
  const [tick, setTick] = useState(0);
  const [online, setOnline] = useState(typeof navigator === 'undefined' ? true : navigator.onLine);
  const [queue, setQueue] = useState(() => loadQueue(id));
  const [roster, setRoster] = useState<Roster | null>(() => cachedRoster(id)?.roster ?? null);
  const [cachedAt, setCachedAt] = useState<string | null>(() => cachedRoster(id)?.savedAt ?? null);
  const action = useAction();
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 10_000);
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      clearInterval(timer);
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  const code = useAsync((signal) => api.get<{ token: string; digits: string }>(`/api/classes/sessions/${id}/checkin-code`, undefined, { signal }), [id, tick]);
  const loadRoster = useCallback(async () => {
    try {
      const fresh = await api.get<Roster>(`/api/classes/sessions/${id}/roster`);
      setRoster(fresh);
      setCachedAt(null);
      cacheRoster(id, fresh);
    } catch {
      // offline: keep the cached roster
    }
  }, [id]);
  const sync = useCallback(async () => {
    const current = loadQueue(id);
    if (current.marks.length === 0) return;
    await postWithKey(`/api/classes/sessions/${id}/check-ins`, { marks: current.marks }, current.key, me?.csrfToken ?? null);
    const next = { key: newKey(), marks: [] };
    saveQueue(id, next);
    setQueue(next);
    await loadRoster();
  }, [id, me, loadRoster]);
  useEffect(() => {
    void loadRoster();
  }, [loadRoster, tick]);
  useEffect(() => {
    if (online) void sync().catch(() => undefined);
  }, [online, sync, tick]);
  const [scanning, setScanning] = useState(false);
  // A guardian's pass scanned with the staff phone's camera opens this page with ?p=…
  const pass = params.get('p');
  const passSent = useRef(false);
  useEffect(() => {
    if (!pass || passSent.current) return;
    passSent.current = true;
    void action.run(async () => {
      await postWithKey(`/api/classes/sessions/${id}/check-ins/scan`, { token: pass }, newKey(), me?.csrfToken ?? null);
      setParams({});
      await loadRoster();
    });
  }, [pass, id, me, action, setParams, loadRoster]);

  const mark = (guardianUserId: string) => {
    const next = { key: queue.key, marks: [...queue.marks.filter((m) => m.guardianUserId !== guardianUserId), { guardianUserId, at: new Date().toISOString() }] };
    saveQueue(id, next);
    setQueue(next);
    if (online) void sync().catch(() => undefined);
  };
  const guardians = roster?.entries.flatMap((e) => e.guardians) ?? [];
  const checked = guardians.filter((g) => g.checkedInAt || queue.marks.some((m) => m.guardianUserId === g.userId)).length;
  const url = code.data ? `${location.origin}/classes/check-in?t=${encodeURIComponent(code.data.token)}` : '';
  return (
    <div className="page classes-page">
      <h1>
        {t('classes.desk')}
        {roster ? ` · ${roster.session.classTitle}` : ''}
      </h1>
      {roster && <p className="muted">{formatWhen(roster.session.startsAt, i18n.language)}</p>}
      {!online && <Notice tone="warning">{t('classes.offline')}</Notice>}
      {queue.marks.length > 0 && <Notice tone="info">{t('classes.pending', { n: queue.marks.length })}</Notice>}
      <Problem error={action.error} />
      <div className="classes-desk">
        <section className="card classes-code">
          {code.data ? (
            <>
              <QrCode text={url} label={t('classes.checkIn')} />
              <p className="classes-digits" data-testid="digits-shown">
                {code.data.digits}
              </p>
              <p className="muted small">{t('classes.rotating')}</p>
            </>
          ) : (
            <Problem error={code.error} />
          )}
          <p className="muted small">{t('classes.scanPass')}</p>
          {!scanning && (
            <button type="button" className="btn btn-small" onClick={() => setScanning(true)} data-testid="scanner-open">
              {t('classes.scanner.open')}
            </button>
          )}
        </section>
        {scanning && (
          <Suspense fallback={<Loading />}>
            <PassScanner
              sessionId={id}
              nameOf={(userId) => guardians.find((g) => g.userId === userId)?.displayName ?? null}
              onCheckedIn={() => void loadRoster()}
              onClose={() => setScanning(false)}
            />
          </Suspense>
        )}
        <section className="card">
          <h2>{t('classes.roster')}</h2>
          {cachedAt && <p className="muted small">{t('classes.rosterCached', { when: formatWhen(cachedAt, i18n.language) })}</p>}
          <p data-testid="roster-count">{t('classes.rosterCount', { checked, total: guardians.length })}</p>
          <ul className="classes-list" data-testid="roster">
            {roster?.entries.map((e) => (
              <li key={e.familyId} className="classes-roster-family">
                <strong>
                  {e.seatLabel ? `${e.seatLabel} · ` : ''}
                  {e.familyName}
                </strong>{' '}
                <span className="muted small">{t(`classes.status.${e.status === 'enrolled' ? 'confirmed' : e.status}`)}</span>
                {e.children.length > 0 && <span className="muted small"> · {e.children.map((c) => c.displayName).join('、')}</span>}
                <ul>
                  {e.guardians.map((g) => {
                    const done = g.checkedInAt || queue.marks.some((m) => m.guardianUserId === g.userId);
                    return (
                      <li key={g.userId} className="classes-row">
                        <span>{g.displayName}</span>
                        {done ? (
                          <span className="classes-status classes-status-confirmed">{t('classes.present')}</span>
                        ) : (
                          <button type="button" className="btn btn-small" disabled={e.status === 'waitlisted'} onClick={() => mark(g.userId)} data-testid="mark">
                            {t('classes.markPresent')}
                          </button>
                        )}
                      </li>
                    );
                  })}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}

export default function ClassesRoutes() {
  return (
    <Routes>
      <Route index element={<BrowsePage />} />
      <Route path="library" element={<LibraryPage />} />
      <Route path="library/:id" element={<LibraryItemPage />} />
      <Route path="check-in" element={<CheckInPage />} />
      <Route path="manage" element={<ManagePage />} />
      <Route path="sessions/:id/pass" element={<PassPage />} />
      <Route path="sessions/:id/desk" element={<DeskPage />} />
      <Route path=":id" element={<ClassPage />} />
    </Routes>
  );
}
