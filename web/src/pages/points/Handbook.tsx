import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { ErrorNotice, Loading, useAsync, usePageTitle } from '../../components/ui.tsx';
import { RuleIcon } from './icons.tsx';
import './messages.ts';
import './points.css';

interface HandbookView {
  family: { name: string; guardians: string[]; children: { displayName: string; schoolName: string | null; grade: string | null }[] };
  term: { id: string; name: string; startsOn: string; endsOn: string };
  points: { earned: number; redeemed: number; balance: number; homeActivity: number; attendance: number; childRating: number };
  classesAttended: { heldOn: string; kind: string; title: string; schoolName: string; attendee: string }[];
  activities: { ruleId: string; nameZh: string; nameEn: string; icon: string; times: number; points: number }[];
  ratings: { ruleId: string; nameZh: string; nameEn: string; ratings: number; average: number }[];
  badges: { code: string; nameZh: string; nameEn: string; descriptionZh: string; descriptionEn: string }[];
}

/** /points/family/:id/handbook — the Smart Parent Growth Handbook as a page, with its A4 PDF. */
export default function HandbookPage() {
  const { t, i18n } = useTranslation();
  const zh = i18n.language.startsWith('zh');
  usePageTitle(t('points.handbookTitle'));
  const { id } = useParams();
  const book = useAsync((signal) => api.get<HandbookView>(`/api/points/families/${id}/handbook`, undefined, { signal }), [id]);
  const b = book.data;
  return (
    <div className="page" data-testid="points-handbook">
      <h1>{t('points.handbookTitle')}</h1>
      {book.loading && !b && <Loading />}
      <ErrorNotice error={book.error} onRetry={book.reload} />
      {b && (
        <div className="sections">
          <section className="card">
            <div className="section-head">
              <h2>{b.family.name}</h2>
              <a className="btn btn-primary no-print" href={`/api/points/families/${id}/handbook.pdf?termId=${b.term.id}`} target="_blank" rel="noreferrer" data-testid="handbook-pdf">
                {t('points.downloadPdf')}
              </a>
            </div>
            <p className="muted">
              {b.term.name}（{b.term.startsOn} – {b.term.endsOn}）
            </p>
            <p className="muted small">{b.family.children.map((c) => [c.displayName, c.schoolName, c.grade].filter(Boolean).join(' · ')).join('；')}</p>
            <dl className="stats">
              {(['earned', 'homeActivity', 'attendance', 'childRating', 'redeemed', 'balance'] as const).map((k) => (
                <div className="stat" key={k}>
                  <dt>{k === 'earned' ? t('points.earned') : k === 'balance' ? t('points.balance') : t(`points.termTotals.${k}`)}</dt>
                  <dd>{b.points[k]}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section className="card">
            <h2>{t('points.badges')}</h2>
            {b.badges.length === 0 && <p className="muted">{t('points.noBadges')}</p>}
            <ul className="points-entries">
              {b.badges.map((badge) => (
                <li key={badge.code}>
                  <RuleIcon name="star" size={28} />
                  <span>
                    <strong>{zh ? badge.nameZh : badge.nameEn}</strong>
                    <span className="muted small block">{zh ? badge.descriptionZh : badge.descriptionEn}</span>
                  </span>
                </li>
              ))}
            </ul>
          </section>
          <section className="card">
            <h2>{t('points.classesAttended')}</h2>
            <ul className="points-entries">
              {b.classesAttended.map((c, i) => (
                <li key={i}>
                  {c.heldOn} · {t(`points.kinds.${c.kind}`)} · {c.title}
                  <span className="amount muted small">{c.attendee}</span>
                </li>
              ))}
            </ul>
          </section>
          <section className="card">
            <h2>{t('points.activities')}</h2>
            <ul className="points-entries">
              {b.activities.map((a) => (
                <li key={a.ruleId}>
                  <RuleIcon name={a.icon} size={28} />
                  {zh ? a.nameZh : a.nameEn}
                  <span className="amount">{t('points.times', { times: a.times, points: a.points })}</span>
                </li>
              ))}
            </ul>
          </section>
          <section className="card">
            <h2>{t('points.ratingsTitle')}</h2>
            <p className="muted small">{t('points.ratingsHint')}</p>
            {b.ratings.map((r) => (
              <div key={r.ruleId} className="small">
                {zh ? r.nameZh : r.nameEn} · {r.average.toFixed(1)}
                <div className="points-bar">
                  <span style={{ width: `${(r.average / 3) * 100}%` }} />
                </div>
              </div>
            ))}
          </section>
        </div>
      )}
    </div>
  );
}
