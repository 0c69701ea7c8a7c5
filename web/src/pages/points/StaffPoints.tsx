import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api } from '../../api.ts';
import { ErrorNotice, Loading, useAction, useAsync, usePageTitle } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import './messages.ts';
import './points.css';
import { newKey } from './types.ts';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

const KINDS = ['parent_meeting', 'parent_class', 'open_day', 'volunteer_duty'] as const;

interface SchoolEvent {
  id: string;
  kind: string;
  title: string;
  heldOn: string;
  attendees: number;
}
interface Guardian {
  userId: string;
  displayName: string;
  relation: string | null;
  familyId: string;
  children: { displayName: string; grade: string | null }[];
}

function Attendance({ schoolId }: { schoolId: string }) {
  const { t } = useTranslation();
  const events = useAsync((signal) => api.get<{ items: SchoolEvent[] }>(`/api/points/schools/${schoolId}/events`, undefined, { signal }), [schoolId]);
  const guardians = useAsync((signal) => api.get<{ items: Guardian[] }>(`/api/points/schools/${schoolId}/guardians`, undefined, { signal }), [schoolId]);
  const [kind, setKind] = useState<(typeof KINDS)[number]>('parent_class');
  const [title, setTitle] = useState('');
  const [heldOn, setHeldOn] = useState(new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' }));
  const [key, setKey] = useState(newKey());
  const [eventId, setEventId] = useState<string | null>(null);
  const [ticked, setTicked] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();

  async function createEvent() {
    const created = await action.run(() => api.post<SchoolEvent>('/api/points/school-events', { schoolId, kind, title: title.trim(), heldOn, idempotencyKey: key }));
    if (created) {
      setEventId(created.id);
      setKey(newKey());
      setTitle('');
      events.reload();
    }
  }
  async function record() {
    if (!eventId) return;
    const result = await action.run(() => api.post<{ results: { status: string }[] }>(`/api/points/school-events/${eventId}/attendance`, { guardianUserIds: ticked }));
    if (result) {
      setMessage(t('points.staff.recorded', { credited: result.results.filter((r) => r.status === 'credited').length, already: result.results.filter((r) => r.status !== 'credited').length }));
      setTicked([]);
      events.reload();
    }
  }

  return (
    <>
      <section className="card">
        <h2>{t('points.staff.newEvent')}</h2>
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void createEvent();
          }}
        >
          <label className="field">
            <span>{t('points.staff.kind')}</span>
            <select value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])} data-testid="event-kind">
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`points.kinds.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('points.staff.eventTitle')}</span>
            <input value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} data-testid="event-title" />
          </label>
          <label className="field">
            <span>{t('points.staff.heldOn')}</span>
            <input type="date" value={heldOn} onChange={(e) => setHeldOn(e.target.value)} />
          </label>
          <button type="submit" className="btn btn-primary" disabled={action.busy || !title.trim()} data-testid="event-create">
            {t('points.staff.create')}
          </button>
        </form>
      </section>
      {message && <p className="notice notice-success" role="status" data-testid="attendance-message">{message}</p>}
      <ErrorNotice error={action.error} />
      <section className="card">
        <h2>{t('points.staff.events')}</h2>
        <ErrorNotice error={events.error} />
        <ul className="points-entries">
          {events.data?.items.map((ev) => (
            <li key={ev.id}>
              <label>
                <input type="radio" name="event" checked={eventId === ev.id} onChange={() => setEventId(ev.id)} /> {ev.heldOn} · {t(`points.kinds.${ev.kind}`)} · {ev.title}
              </label>
              <span className="amount muted small">{t('points.staff.attendees', { count: ev.attendees })}</span>
            </li>
          ))}
        </ul>
        {eventId && (
          <>
            <h3>{t('points.staff.tick')}</h3>
            <ErrorNotice error={guardians.error} />
            {guardians.data && guardians.data.items.length === 0 && <p className="muted">{t('points.staff.noGuardians')}</p>}
            <ul className="points-entries">
              {guardians.data?.items.map((g) => (
                <li key={g.userId}>
                  <label>
                    <input
                      type="checkbox"
                      checked={ticked.includes(g.userId)}
                      onChange={(e) => setTicked(e.target.checked ? [...ticked, g.userId] : ticked.filter((id) => id !== g.userId))}
                      data-testid="attendance-guardian"
                    />{' '}
                    {g.displayName}
                    <span className="muted small"> · {g.children.map((c) => [c.displayName, c.grade].filter(Boolean).join(' ')).join('、')}</span>
                  </label>
                </li>
              ))}
            </ul>
            <button type="button" className="btn btn-primary" disabled={action.busy || ticked.length === 0} onClick={() => void record()} data-testid="attendance-record">
              {t('points.staff.record')}
            </button>
          </>
        )}
      </section>
    </>
  );
}

interface Aggregates {
  term: { name: string };
  minGroupFamilies: number;
  groups: { key: string; name: string; parentName: string | null; families: number; activeFamilies: number; participationRate: number; suppressed: boolean; pointsEarned: number | null; averagePerActiveFamily: number | null }[];
  totals: { families: number; activeFamilies: number; pointsEarned: number };
}

function ParticipationChart({ groups, label }: { groups: Aggregates['groups']; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [rendered, setRendered] = useState(false);
  useEffect(() => {
    if (!box.current) return;
    const chart = echarts.init(box.current, undefined, { renderer: 'canvas' });
    chart.on('finished', () => setRendered(true));
    chart.setOption({
      grid: { left: 120, right: 24, top: 10, bottom: 30 },
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${Math.round(Number(v) * 100)}%` },
      xAxis: { type: 'value', max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      yAxis: { type: 'category', data: groups.map((g) => g.name), inverse: true },
      series: [{ type: 'bar', data: groups.map((g) => g.participationRate), itemStyle: { color: '#2f6f5e' } }],
    });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      chart.dispose();
    };
  }, [groups]);
  return <div ref={box} role="img" aria-label={label} data-testid="points-chart" data-rendered={rendered} style={{ height: Math.max(160, groups.length * 32 + 50) }} />;
}

function Stats() {
  const { t } = useTranslation();
  const { session } = useSession();
  const district = session?.roles.some((r) => r.scopeType === 'district' || r.role === 'community_admin');
  const [by, setBy] = useState<'class' | 'school' | 'community' | 'subdistrict'>(district ? 'school' : 'class');
  const data = useAsync((signal) => api.get<Aggregates>('/api/points/aggregates', { by }, { signal }), [by]);
  const options = district ? (['class', 'school', 'community', 'subdistrict'] as const) : (['class', 'school'] as const);
  return (
    <section className="card" data-testid="points-stats">
      <div className="section-head">
        <h2>{t('points.stats.title')}</h2>
        <label>
          {t('points.stats.by')}{' '}
          <select value={by} onChange={(e) => setBy(e.target.value as typeof by)} data-testid="stats-by">
            {options.map((o) => (
              <option key={o} value={o}>
                {t(`points.stats.byOptions.${o}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">{t('points.stats.note')}</p>
      {data.loading && !data.data && <Loading />}
      <ErrorNotice error={data.error} onRetry={data.reload} />
      {data.data && (
        <>
          <p className="muted small">{data.data.term.name}</p>
          <ParticipationChart groups={data.data.groups} label={t('points.stats.chart')} />
          <table className="points-table">
            <thead>
              <tr>
                <th />
                <th className="num">{t('points.stats.families')}</th>
                <th className="num">{t('points.stats.active')}</th>
                <th className="num">{t('points.stats.rate')}</th>
                <th className="num">{t('points.stats.earned')}</th>
                <th className="num">{t('points.stats.average')}</th>
              </tr>
            </thead>
            <tbody>
              {data.data.groups.map((g) => (
                <tr key={g.key}>
                  <td>
                    {g.name}
                    {g.parentName && <span className="muted small block">{g.parentName}</span>}
                  </td>
                  <td className="num">{g.families}</td>
                  <td className="num">{g.activeFamilies}</td>
                  <td className="num">{Math.round(g.participationRate * 100)}%</td>
                  {g.suppressed ? (
                    <td className="num muted small" colSpan={2}>
                      {t('points.stats.suppressed', { n: data.data!.minGroupFamilies })}
                    </td>
                  ) : (
                    <>
                      <td className="num">{g.pointsEarned}</td>
                      <td className="num">{g.averagePerActiveFamily ?? '—'}</td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** /points/staff — school staff record attendance; school, community and district staff see the aggregates. */
export default function StaffPointsPage() {
  const { t } = useTranslation();
  usePageTitle(t('points.staff.title'));
  const { session } = useSession();
  const schools = session?.roles.filter((r) => (r.role === 'school_admin' || r.role === 'teacher') && r.scopeType === 'organisation') ?? [];
  const [schoolId, setSchoolId] = useState(schools[0]?.scopeId ?? '');
  return (
    <div className="page">
      <h1>{t('points.title')}</h1>
      <div className="sections">
        {schools.length > 0 && (
          <>
            <h2>{t('points.staff.title')}</h2>
            {schools.length > 1 && (
              <label className="field">
                <span>{t('points.staff.school')}</span>
                <select value={schoolId} onChange={(e) => setSchoolId(e.target.value)}>
                  {schools.map((s) => (
                    <option key={s.scopeId} value={s.scopeId}>
                      {s.scopeName}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {schoolId && <Attendance schoolId={schoolId} />}
          </>
        )}
        <Stats />
      </div>
    </div>
  );
}
