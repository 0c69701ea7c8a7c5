import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { ErrorNotice, Loading, Modal, useAction, useAsync, usePageTitle } from '../../components/ui.tsx';
import type { FamilyView } from '../../types.ts';
import { RuleIcon } from './icons.tsx';
import './messages.ts';
import './points.css';
import { newKey, type AccountSummary, type PointsEntry, type Redemption, type Reward, type WeeklyRatings } from './types.ts';

const name = (lang: string, item: { nameZh: string; nameEn: string }) => (lang.startsWith('zh') ? item.nameZh : item.nameEn);

/** Reads a picked image, scales it to at most 1280 px and returns JPEG base64 (keeps uploads small). */
async function photoToBase64(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/jpeg', 0.8));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function entryTitle(t: (k: string, o?: Record<string, unknown>) => string, lang: string, entry: PointsEntry): string {
  const base = entry.rule
    ? name(lang, entry.rule)
    : entry.sourceType === 'child_rating'
      ? `${t('points.source.child_rating')}（${t('points.week', { date: entry.source.weekStart ?? '' })}）`
      : entry.sourceType === 'redemption'
        ? `${t('points.source.redemption')}：${entry.source.rewardTitle ?? ''}`
        : t(`points.source.${entry.sourceType}`);
  return entry.kind === 'reversal' ? t('points.reversalOf', { what: base }) : base;
}

function EntryDetails({ entry }: { entry: PointsEntry }) {
  const { t } = useTranslation();
  const bits = [entry.occurredOn];
  if (entry.source.eventTitle) bits.push(`${entry.source.eventTitle} · ${entry.source.schoolName ?? ''}`);
  if (entry.source.note) bits.push(entry.source.note);
  if (entry.source.redemptionCode) bits.push(entry.source.redemptionCode);
  if (entry.reason) bits.push(entry.reason);
  if (entry.byChild) bits.push(t('points.byChild'));
  else if (entry.actor) bits.push(entry.actor);
  return <span className="muted small block">{bits.join(' · ')}</span>;
}

function FamilyPointsView({ familyId }: { familyId: string }) {
  const { t, i18n } = useTranslation();
  const summary = useAsync((signal) => api.get<AccountSummary>(`/api/points/families/${familyId}`, undefined, { signal }), [familyId]);
  const entries = useAsync((signal) => api.get<{ items: PointsEntry[]; nextBefore: number | null }>(`/api/points/families/${familyId}/entries`, { limit: 20 }, { signal }), [familyId]);
  const ratings = useAsync((signal) => api.get<WeeklyRatings>(`/api/points/families/${familyId}/ratings`, { weeks: 4 }, { signal }), [familyId]);
  const rewards = useAsync((signal) => api.get<{ items: Reward[] }>('/api/points/rewards', undefined, { signal }), []);
  const redemptions = useAsync((signal) => api.get<{ items: Redemption[] }>(`/api/points/families/${familyId}/redemptions`, undefined, { signal }), [familyId]);
  const [logging, setLogging] = useState<AccountSummary['homeRules'][number] | null>(null);
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [key, setKey] = useState(newKey());
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();

  const reloadAll = () => {
    summary.reload();
    entries.reload();
    redemptions.reload();
    rewards.reload();
  };

  async function log() {
    if (!logging) return;
    const result = await action.run(async () =>
      api.post<{ entry: PointsEntry }>(`/api/points/families/${familyId}/home-activities`, {
        ruleId: logging.id,
        idempotencyKey: key,
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(photo ? { photo: { contentType: 'image/jpeg', dataBase64: await photoToBase64(photo) } } : {}),
      }),
    );
    if (result) {
      setMessage(t('points.logged', { points: result.entry.amount }));
      setLogging(null);
      setNote('');
      setPhoto(null);
      setKey(newKey());
      reloadAll();
    }
  }

  async function redeem(reward: Reward) {
    const result = await action.run(() => api.post<{ redemption: Redemption }>(`/api/points/families/${familyId}/redemptions`, { rewardId: reward.id, idempotencyKey: newKey() }));
    if (result) {
      setMessage(t('points.redeemed', { code: result.redemption.code }));
      reloadAll();
    }
  }

  const s = summary.data;
  return (
    <div className="sections" data-testid="points-family">
      {summary.loading && !s && <Loading />}
      <ErrorNotice error={summary.error} onRetry={summary.reload} />
      {message && (
        <p className="notice notice-success" role="status" data-testid="points-message">
          {message}
        </p>
      )}
      <ErrorNotice error={action.error} />
      {s && (
        <section className="card">
          <div className="section-head">
            <h2>{s.familyName}</h2>
            <Link className="btn btn-small" to={`/points/family/${familyId}/handbook`} data-testid="points-handbook-link">
              {t('points.handbook')}
            </Link>
          </div>
          <p className="points-balance">
            <span>{t('points.balance')}</span>
            <strong data-testid="points-balance">{s.balance}</strong>
          </p>
          {s.term && (
            <p className="muted small">
              {t('points.term')}：{s.term.name} · {t('points.termTotals.homeActivity')} {s.termTotals.homeActivity} · {t('points.termTotals.attendance')} {s.termTotals.attendance} ·{' '}
              {t('points.termTotals.childRating')} {s.termTotals.childRating} · {t('points.termTotals.redeemed')} {s.termTotals.redeemed}
            </p>
          )}
        </section>
      )}
      {s && (
        <section className="card">
          <h2>{t('points.logTitle')}</h2>
          <p className="muted small">{t('points.logHint')}</p>
          <div className="points-grid">
            {s.homeRules.map((rule) => (
              <button key={rule.id} type="button" className="points-tile" data-testid="points-activity" disabled={!rule.available} onClick={() => setLogging(rule)}>
                <RuleIcon name={rule.icon} />
                <span>{name(i18n.language, rule)}</span>
                <span className="pts">{rule.available ? `+${rule.points}` : t('points.capReached')}</span>
                {rule.capPerDay !== null && (
                  <span className="cap" data-testid="points-activity-cap">
                    {t('points.capToday', { used: rule.usedToday, cap: rule.capPerDay })}
                  </span>
                )}
              </button>
            ))}
          </div>
        </section>
      )}
      <Modal open={logging !== null} title={logging ? name(i18n.language, logging) : ''} onClose={() => setLogging(null)}>
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void log();
          }}
        >
          <label className="field">
            <span>{t('points.note')}</span>
            <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} data-testid="points-note" />
          </label>
          <label className="field">
            <span>{t('points.photo')}</span>
            <input type="file" accept="image/*" onChange={(e) => setPhoto(e.target.files?.[0] ?? null)} />
          </label>
          <ErrorNotice error={action.error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={action.busy} data-testid="points-log-submit">
            {t('points.logAction')} +{logging?.points}
          </button>
        </form>
      </Modal>
      <section className="card">
        <h2>{t('points.history')}</h2>
        <ErrorNotice error={entries.error} />
        {entries.data && entries.data.items.length === 0 && <p className="muted">{t('points.noEntries')}</p>}
        <ul className="points-entries" data-testid="points-entries">
          {entries.data?.items.map((entry) => (
            <li key={entry.id}>
              {entry.rule ? <RuleIcon name={entry.rule.icon} size={28} /> : <RuleIcon name={entry.sourceType === 'child_rating' ? 'smile' : 'star'} size={28} />}
              <span className={entry.reversedByEntryId ? 'struck' : ''}>
                {entryTitle(t, i18n.language, entry)}
                <EntryDetails entry={entry} />
              </span>
              <span className={`amount ${entry.amount > 0 ? 'plus' : 'minus'}`}>{entry.amount > 0 ? `+${entry.amount}` : entry.amount}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" data-testid="points-ratings">
        <h2>{t('points.ratingsTitle')}</h2>
        <p className="muted small">{t('points.ratingsHint')}</p>
        {ratings.data && ratings.data.weeks.length === 0 && <p className="muted">{t('points.noRatings')}</p>}
        {ratings.data?.weeks.map((week) => (
          <div key={week.weekStart}>
            <h3 className="small">
              {t('points.week', { date: week.weekStart })} · {t('points.ratingsCount', { count: week.ratings, children: week.children, points: week.points })}
            </h3>
            {week.behaviours.map((b) => (
              <div key={b.ruleId} className="small">
                {name(i18n.language, b)} · {b.average.toFixed(1)}
                <div className="points-bar">
                  <span style={{ width: `${(b.average / 3) * 100}%` }} />
                </div>
              </div>
            ))}
          </div>
        ))}
      </section>
      <section className="card" data-testid="points-rewards">
        <h2>{t('points.rewardsTitle')}</h2>
        {rewards.data && rewards.data.items.filter((r) => r.active).length === 0 && <p className="muted">{t('points.noRewards')}</p>}
        <ul className="points-entries">
          {rewards.data?.items
            .filter((r) => r.active)
            .map((reward) => (
              <li key={reward.id}>
                <span>
                  <strong>{reward.title}</strong>
                  <span className="muted small block">
                    {reward.organisationName} · {t('points.stock', { stock: reward.stock })}
                    {reward.description ? ` · ${reward.description}` : ''}
                  </span>
                </span>
                <span className="amount">{t('points.cost', { cost: reward.cost })}</span>
                <button type="button" className="btn btn-small" disabled={action.busy || reward.stock === 0 || (s?.balance ?? 0) < reward.cost} onClick={() => void redeem(reward)} data-testid="points-redeem">
                  {t('points.redeem')}
                </button>
              </li>
            ))}
        </ul>
        {redemptions.data && redemptions.data.items.length > 0 && (
          <>
            <h3>{t('points.myRedemptions')}</h3>
            <ul className="points-entries">
              {redemptions.data.items.map((r) => (
                <li key={r.id}>
                  <span>
                    {r.rewardTitle}
                    <span className="muted small block">
                      {r.organisationName} · {r.code}
                    </span>
                  </span>
                  <span className="chip">{t(`points.status.${r.status}`)}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}

/** /points and /points/family/:id — the family's account (guardians). */
export default function FamilyPointsPage() {
  const { t } = useTranslation();
  usePageTitle(t('points.title'));
  const { id } = useParams();
  const navigate = useNavigate();
  const families = useAsync((signal) => api.get<{ items: FamilyView[] }>('/api/families', undefined, { signal }), []);
  useEffect(() => {
    if (!id && families.data?.items[0]) navigate(`/points/family/${families.data.items[0].id}`, { replace: true });
  }, [id, families.data, navigate]);
  return (
    <div className="page">
      <h1>{t('points.title')}</h1>
      <ErrorNotice error={families.error} />
      {families.data && families.data.items.length === 0 && <p className="muted">{t('points.noFamily')}</p>}
      {families.data && families.data.items.length > 1 && (
        <p className="no-print">
          {families.data.items.map((f) => (
            <Link key={f.id} className="btn btn-small" to={`/points/family/${f.id}`}>
              {f.name}
            </Link>
          ))}
        </p>
      )}
      {id && <FamilyPointsView familyId={id} />}
    </div>
  );
}
