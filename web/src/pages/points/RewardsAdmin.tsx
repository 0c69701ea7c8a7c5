import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../api.ts';
import { ErrorNotice, formatDateTime, Loading, useAction, useAsync, usePageTitle } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import { changedFields, NumberInput, PointsErrorNotice } from './adminShared.tsx';
import './messages.ts';
import './points.css';
import type { Redemption, Reward, RewardPartner } from './types.ts';

interface RewardDraft {
  title: string;
  description: string;
  cost: number | null;
  stock: number | null;
  perFamilyLimit: number | null;
}
const draftOf = (r: Reward): RewardDraft => ({ title: r.title, description: r.description ?? '', cost: r.cost, stock: r.stock, perFamilyLimit: r.perFamilyLimit });

function useRewardLabels() {
  const { t } = useTranslation();
  return {
    organisationId: t('points.partner.organisation'),
    title: t('points.partner.rewardTitle'),
    description: t('points.partner.description'),
    cost: t('points.partner.cost'),
    stock: t('points.partner.stock'),
    perFamilyLimit: t('points.partner.limit'),
  };
}

/** The fields of a reward (create and edit share them). */
function RewardFields({ draft, onChange }: { draft: RewardDraft; onChange: (draft: RewardDraft) => void }) {
  const { t } = useTranslation();
  const labels = useRewardLabels();
  return (
    <>
      <label className="field">
        <span>{labels.title}</span>
        <input value={draft.title} maxLength={100} onChange={(e) => onChange({ ...draft, title: e.target.value })} data-testid="reward-title" />
      </label>
      <label className="field">
        <span>{labels.description}</span>
        <textarea value={draft.description} maxLength={1000} rows={2} onChange={(e) => onChange({ ...draft, description: e.target.value })} />
      </label>
      <div className="form-row">
        <label className="field">
          <span>{labels.cost}</span>
          <NumberInput value={draft.cost} min={1} label={labels.cost} onChange={(v) => onChange({ ...draft, cost: v })} testId="reward-cost" />
        </label>
        <label className="field">
          <span>{labels.stock}</span>
          <NumberInput value={draft.stock} label={labels.stock} onChange={(v) => onChange({ ...draft, stock: v })} testId="reward-stock" />
        </label>
        <label className="field">
          <span>{labels.perFamilyLimit}</span>
          <NumberInput value={draft.perFamilyLimit} min={1} label={labels.perFamilyLimit} placeholder={t('points.partner.unlimited')} onChange={(v) => onChange({ ...draft, perFamilyLimit: v })} testId="reward-limit" />
        </label>
      </div>
    </>
  );
}

/** Pick-up codes and status of a reward's redemptions (never who redeemed); the partner marks hand-overs. */
function Redemptions({ rewardId }: { rewardId: string }) {
  const { t, i18n } = useTranslation();
  const list = useAsync((signal) => api.get<{ items: Redemption[] }>(`/api/points/rewards/${rewardId}/redemptions`, { limit: 100 }, { signal }), [rewardId]);
  const action = useAction();
  async function fulfil(id: string) {
    if (await action.run(() => api.post(`/api/points/redemptions/${id}/fulfil`))) list.reload();
  }
  return (
    <div className="points-redemptions" data-testid="reward-redemptions">
      {list.loading && !list.data && <Loading />}
      <ErrorNotice error={list.error ?? action.error} onRetry={list.reload} />
      {list.data && list.data.items.length === 0 && <p className="muted small">{t('points.partner.noRedemptions')}</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="points-table">
          <thead>
            <tr>
              <th>{t('points.partner.code')}</th>
              <th>{t('points.partner.when')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => (
              <tr key={r.id}>
                <td>
                  <code>{r.code}</code>
                </td>
                <td className="small">{formatDateTime(r.createdAt, i18n.language)}</td>
                <td className="num">
                  {r.status === 'issued' ? (
                    <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => void fulfil(r.id)}>
                      {t('points.partner.fulfil')}
                    </button>
                  ) : (
                    <span className="muted small">{t(`points.status.${r.status}`)}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function RewardRow({ reward, onChanged }: { reward: Reward; onChanged: () => void }) {
  const { t } = useTranslation();
  const labels = useRewardLabels();
  const [editing, setEditing] = useState(false);
  const [showRedemptions, setShowRedemptions] = useState(false);
  const [draft, setDraft] = useState(draftOf(reward));
  const action = useAction();
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setDraft(draftOf(reward)), [reward.version]);
  useEffect(() => {
    if (isApiError(action.error) && action.error.id === 'points_version_conflict') onChanged();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [action.error]);

  async function patch(changes: Record<string, unknown>) {
    const saved = await action.run(() => api.patch<Reward>(`/api/points/rewards/${reward.id}`, { ...changes, version: reward.version }));
    if (saved) {
      setEditing(false);
      onChanged();
    }
  }
  const changes = changedFields(draftOf(reward), draft);
  if ('description' in changes) changes.description = draft.description.trim() === '' ? (null as never) : draft.description.trim();

  return (
    <li className={`points-reward ${reward.active ? '' : 'off'}`} data-testid="reward-row">
      <div className="points-reward-head">
        <div>
          <strong>{reward.title}</strong>
          <span className="muted small block">
            {reward.organisationName} · {t('points.cost', { cost: reward.cost })} · {t('points.partner.left', { stock: reward.stock })} · {labels.perFamilyLimit}{' '}
            {reward.perFamilyLimit ?? t('points.partner.unlimited')}
          </span>
          {reward.description && <span className="small block">{reward.description}</span>}
        </div>
        <span className={`points-status ${reward.active ? 'on' : ''}`}>{reward.active ? t('points.partner.active') : t('points.partner.inactive')}</span>
      </div>
      <div className="points-reward-actions">
        <button type="button" className="btn btn-small" onClick={() => setEditing(!editing)} data-testid="reward-edit">
          {editing ? t('points.partner.cancelEdit') : t('points.partner.edit')}
        </button>
        <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => void patch({ active: !reward.active })} data-testid="reward-toggle">
          {reward.active ? t('points.partner.deactivate') : t('points.partner.activate')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => setShowRedemptions(!showRedemptions)} data-testid="reward-show-redemptions">
          {showRedemptions ? t('points.partner.hideRedemptions') : t('points.partner.showRedemptions')}
        </button>
      </div>
      {editing && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void patch(changes);
          }}
        >
          <RewardFields draft={draft} onChange={setDraft} />
          <div>
            <button type="submit" className="btn btn-primary btn-small" disabled={action.busy || Object.keys(changes).length === 0} data-testid="reward-save">
              {t('points.partner.save')}
            </button>
          </div>
        </form>
      )}
      <PointsErrorNotice error={action.error} labels={labels} />
      {showRedemptions && <Redemptions rewardId={reward.id} />}
    </li>
  );
}

function NewReward({ partners, onCreated }: { partners: RewardPartner[]; onCreated: () => void }) {
  const { t } = useTranslation();
  const labels = useRewardLabels();
  const empty: RewardDraft = { title: '', description: '', cost: 10, stock: 10, perFamilyLimit: 1 };
  const [draft, setDraft] = useState(empty);
  const [organisationId, setOrganisationId] = useState(partners[0]?.id ?? '');
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();
  useEffect(() => {
    if (!partners.some((p) => p.id === organisationId)) setOrganisationId(partners[0]?.id ?? '');
  }, [partners, organisationId]);
  async function create() {
    setMessage(null);
    const body: Record<string, unknown> = { organisationId, title: draft.title.trim(), cost: draft.cost, stock: draft.stock };
    if (draft.description.trim()) body.description = draft.description.trim();
    if (draft.perFamilyLimit !== null) body.perFamilyLimit = draft.perFamilyLimit;
    const created = await action.run(() => api.post<Reward>('/api/points/rewards', body));
    if (created) {
      setMessage(t('points.partner.created', { title: created.title }));
      setDraft(empty);
      onCreated();
    }
  }
  return (
    <section className="card">
      <h2>{t('points.partner.new')}</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label className="field">
          <span>{labels.organisationId}</span>
          <select value={organisationId} onChange={(e) => setOrganisationId(e.target.value)} data-testid="reward-organisation">
            {partners.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <RewardFields draft={draft} onChange={setDraft} />
        <div>
          <button type="submit" className="btn btn-primary" disabled={action.busy || !organisationId || !draft.title.trim()} data-testid="reward-create">
            {t('points.partner.create')}
          </button>
        </div>
        {message && (
          <p className="notice notice-success" role="status" data-testid="reward-created">
            {message}
          </p>
        )}
        <PointsErrorNotice error={action.error} labels={labels} />
      </form>
    </section>
  );
}

/** /points/rewards — partners (venues, schools, community admins for their venues) and district staff manage rewards. */
export default function PointsRewardsPage() {
  const { t } = useTranslation();
  usePageTitle(t('points.partner.title'));
  const { session } = useSession();
  const district = session?.roles.some((r) => (r.role === 'district_admin' || r.role === 'centre_staff') && r.scopeType === 'district') ?? false;
  const [q, setQ] = useState('');
  const partners = useAsync((signal) => api.get<{ items: RewardPartner[] }>('/api/points/reward-partners', { q: q.trim() || undefined, limit: 200 }, { signal }), [q]);
  // Unfiltered (for the catalogue's scope) — a search narrows the organisation picker only.
  const mine = useAsync((signal) => api.get<{ items: RewardPartner[] }>('/api/points/reward-partners', { limit: 200 }, { signal }), []);
  const rewards = useAsync((signal) => api.get<{ items: Reward[] }>('/api/points/rewards', undefined, { signal }), []);
  const own = new Set(mine.data?.items.map((p) => p.id) ?? []);
  // A partner who is also a parent gets the family catalogue too: show the rewards this account manages only.
  const managed = rewards.data?.items.filter((r) => district || own.has(r.organisationId)) ?? [];

  return (
    <div className="page" data-testid="points-rewards-admin">
      <h1>{t('points.partner.title')}</h1>
      <p className="muted">{t('points.partner.hint')}</p>
      <div className="sections">
        <ErrorNotice error={partners.error ?? mine.error} onRetry={partners.reload} />
        {district && (
          <label className="field">
            <span>{t('points.partner.search')}</span>
            <input type="search" value={q} maxLength={50} onChange={(e) => setQ(e.target.value)} data-testid="reward-partner-search" />
          </label>
        )}
        {partners.data && partners.data.items.length === 0 && !q && <p className="muted">{t('points.partner.noPartner')}</p>}
        {partners.data && partners.data.items.length > 0 && <NewReward partners={partners.data.items} onCreated={rewards.reload} />}
        <section className="card">
          <h2>{t('points.partner.catalogue')}</h2>
          {rewards.loading && !rewards.data && <Loading />}
          <ErrorNotice error={rewards.error} onRetry={rewards.reload} />
          {rewards.data && managed.length === 0 && <p className="muted">{t('points.partner.none')}</p>}
          <ul className="points-rewards-list" data-testid="reward-list">
            {managed.map((reward) => (
              <RewardRow key={reward.id} reward={reward} onChanged={rewards.reload} />
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
