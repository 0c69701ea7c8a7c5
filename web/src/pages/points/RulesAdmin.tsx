import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../api.ts';
import { ErrorNotice, Loading, useAction, useAsync, usePageTitle } from '../../components/ui.tsx';
import { changedFields, NumberInput, PointsErrorNotice } from './adminShared.tsx';
import { RuleIcon } from './icons.tsx';
import './messages.ts';
import './points.css';
import type { PointsRule, TermWithRules } from './types.ts';

type Rule = Required<PointsRule>;
const KINDS = ['home_activity', 'school_attendance', 'child_rating'] as const;

function todayInChina(): string {
  return new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
}

interface RuleDraft {
  nameZh: string;
  nameEn: string;
  points: number | null;
  capPerDay: number | null;
  capPerWeek: number | null;
  capPerTerm: number | null;
  active: boolean;
}
const draftOf = (rule: Rule): RuleDraft => ({
  nameZh: rule.nameZh,
  nameEn: rule.nameEn,
  points: rule.points,
  capPerDay: rule.capPerDay,
  capPerWeek: rule.capPerWeek,
  capPerTerm: rule.capPerTerm,
  active: rule.active,
});

/** One rule, edited in place; saving sends the changed fields with the version it was loaded at. */
function RuleRow({ rule, onSaved }: { rule: Rule; onSaved: (saved: Rule | null) => void }) {
  const { t, i18n } = useTranslation();
  const [draft, setDraft] = useState(draftOf(rule));
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();
  // A newer version from the server (our save or someone else's) replaces the draft.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setDraft(draftOf(rule)), [rule.version]);
  const changes = changedFields(draftOf(rule), draft);
  const dirty = Object.keys(changes).length > 0;
  const rating = rule.kind === 'child_rating';
  const name = i18n.language.startsWith('zh') ? rule.nameZh : rule.nameEn;
  const labels = {
    nameZh: t('points.admin.nameZh'),
    nameEn: t('points.admin.nameEn'),
    points: t('points.admin.points'),
    capPerDay: t('points.admin.capPerDay'),
    capPerWeek: t('points.admin.capPerWeek'),
    capPerTerm: t('points.admin.capPerTerm'),
  };

  async function save() {
    setMessage(null);
    const saved = await action.run(() => api.patch<Rule>(`/api/points/rules/${rule.id}`, { ...changes, version: rule.version }));
    if (saved) {
      setMessage(t('points.admin.saved', { name: i18n.language.startsWith('zh') ? saved.nameZh : saved.nameEn }));
      onSaved(saved);
    }
  }
  useEffect(() => {
    // Someone else saved first: show the latest version (the error stays visible).
    if (isApiError(action.error) && action.error.id === 'points_version_conflict') onSaved(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [action.error]);

  return (
    <li className={`points-rule ${draft.active ? '' : 'off'}`} data-testid="rule-row" data-code={rule.code}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="points-rule-head">
          <RuleIcon name={rule.icon} />
          <strong>{name}</strong>
          <label className="points-rule-active">
            <input type="checkbox" checked={draft.active} onChange={(e) => setDraft({ ...draft, active: e.target.checked })} data-testid="rule-active" /> {t('points.admin.active')}
          </label>
        </div>
        <div className="points-rule-numbers">
          <label className="field">
            <span>{labels.points}</span>
            {rating ? (
              <span className="static-value muted small">{t('points.admin.fromTable')}</span>
            ) : (
              <NumberInput value={draft.points} min={1} label={labels.points} onChange={(v) => setDraft({ ...draft, points: v })} testId="rule-points" />
            )}
          </label>
          {(['capPerDay', 'capPerWeek', 'capPerTerm'] as const).map((cap) =>
            rating && cap !== 'capPerTerm' ? (
              <span key={cap} className="field" aria-hidden="true" />
            ) : (
              <label key={cap} className="field">
                <span>{labels[cap]}</span>
                <NumberInput value={draft[cap]} min={1} label={labels[cap]} placeholder={t('points.admin.noCap')} onChange={(v) => setDraft({ ...draft, [cap]: v })} testId={`rule-${cap}`} />
              </label>
            ),
          )}
        </div>
        <details className="points-rule-names">
          <summary className="muted small">
            {t('points.admin.nameZh')} / {t('points.admin.nameEn')}
          </summary>
          <div className="form-row">
            <label className="field">
              <span>{labels.nameZh}</span>
              <input value={draft.nameZh} maxLength={50} onChange={(e) => setDraft({ ...draft, nameZh: e.target.value })} />
            </label>
            <label className="field">
              <span>{labels.nameEn}</span>
              <input value={draft.nameEn} maxLength={80} onChange={(e) => setDraft({ ...draft, nameEn: e.target.value })} />
            </label>
          </div>
        </details>
        <div className="points-rule-actions">
          <button type="submit" className="btn btn-primary btn-small" disabled={!dirty || action.busy} data-testid="rule-save">
            {t('points.admin.save')}
          </button>
          {message && !dirty && (
            <span className="muted small" role="status" data-testid="rule-saved">
              {message}
            </span>
          )}
        </div>
        <PointsErrorNotice error={action.error} labels={labels} />
      </form>
    </li>
  );
}

interface TermDates {
  name: string;
  startsOn: string;
  endsOn: string;
}

/** A term's name and dates: the same three fields when a term is edited and when one is created. */
function TermFields({ value, labels, onChange }: { value: TermDates; labels: Record<keyof TermDates, string>; onChange: (fields: Partial<TermDates>) => void }) {
  return (
    <div className="form-row">
      <label className="field">
        <span>{labels.name}</span>
        <input value={value.name} maxLength={100} onChange={(e) => onChange({ name: e.target.value })} />
      </label>
      <label className="field">
        <span>{labels.startsOn}</span>
        <input type="date" value={value.startsOn} onChange={(e) => onChange({ startsOn: e.target.value })} />
      </label>
      <label className="field">
        <span>{labels.endsOn}</span>
        <input type="date" value={value.endsOn} onChange={(e) => onChange({ endsOn: e.target.value })} />
      </label>
    </div>
  );
}

/** Name, dates and the ratings → points table of a term. */
function TermSettings({ term, onSaved }: { term: TermWithRules; onSaved: () => void }) {
  const { t } = useTranslation();
  const initial = { name: term.name, startsOn: term.startsOn, endsOn: term.endsOn, ratingPoints: term.ratingPoints };
  const [draft, setDraft] = useState(initial);
  const action = useAction();
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setDraft(initial), [term.id, term.version]);
  const changes = changedFields(initial, draft);
  const labels = { name: t('points.admin.termName'), startsOn: t('points.admin.startsOn'), endsOn: t('points.admin.endsOn'), ratingPoints: t('points.admin.ratingTable') };
  async function save() {
    if (await action.run(() => api.patch(`/api/points/terms/${term.id}`, { ...changes, version: term.version }))) onSaved();
  }
  useEffect(() => {
    if (isApiError(action.error) && action.error.id === 'points_version_conflict') onSaved();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [action.error]);
  return (
    <section className="card">
      <h2>{t('points.admin.termSettings')}</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <TermFields value={draft} labels={labels} onChange={(fields) => setDraft({ ...draft, ...fields })} />
        <fieldset className="field">
          <legend>{labels.ratingPoints}</legend>
          <p className="muted small">{t('points.admin.ratingHint')}</p>
          <div className="points-rating-table">
            {draft.ratingPoints.map((value, i) => (
              <label key={i} className="field">
                <span>{t(`points.admin.ratingLevel.${i}`)}</span>
                <NumberInput
                  value={value}
                  label={t(`points.admin.ratingLevel.${i}`)}
                  testId={`rating-points-${i + 1}`}
                  onChange={(v) => setDraft({ ...draft, ratingPoints: draft.ratingPoints.map((old, j) => (j === i ? (v ?? 0) : old)) })}
                />
              </label>
            ))}
          </div>
        </fieldset>
        <div>
          <button type="submit" className="btn btn-primary" disabled={Object.keys(changes).length === 0 || action.busy} data-testid="term-save">
            {t('points.admin.saveTerm')}
          </button>
        </div>
        <PointsErrorNotice error={action.error} labels={labels} />
      </form>
    </section>
  );
}

/** A new term: default rules, or a copy of the selected term's. */
function NewTerm({ from, onCreated }: { from: TermWithRules | null; onCreated: (term: TermWithRules) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState({ name: '', startsOn: '', endsOn: '' });
  const [copy, setCopy] = useState(true);
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();
  const labels = { name: t('points.admin.termName'), startsOn: t('points.admin.startsOn'), endsOn: t('points.admin.endsOn') };
  async function create() {
    setMessage(null);
    const created = await action.run(() =>
      api.post<TermWithRules>('/api/points/terms', { name: draft.name.trim(), startsOn: draft.startsOn, endsOn: draft.endsOn, ...(copy && from ? { copyRulesFromTermId: from.id } : {}) }),
    );
    if (created) {
      setMessage(t('points.admin.termCreated', { name: created.name }));
      setDraft({ name: '', startsOn: '', endsOn: '' });
      onCreated(created);
    }
  }
  return (
    <details className="card">
      <summary>
        <strong>{t('points.admin.newTerm')}</strong>
      </summary>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <TermFields value={draft} labels={labels} onChange={(fields) => setDraft({ ...draft, ...fields })} />
        {from && (
          <label className="points-admin-check">
            <input type="checkbox" checked={copy} onChange={(e) => setCopy(e.target.checked)} /> {t('points.admin.copyFrom')}（{from.name}）
          </label>
        )}
        <div>
          <button type="submit" className="btn btn-primary" disabled={action.busy || !draft.name.trim() || !draft.startsOn || !draft.endsOn}>
            {t('points.admin.createTerm')}
          </button>
        </div>
        {message && <p className="notice notice-success" role="status">{message}</p>}
        <PointsErrorNotice error={action.error} labels={labels} />
      </form>
    </details>
  );
}

/** A new home activity or child-rated behaviour in the term (the four school kinds are fixed). */
function NewRule({ termId, onCreated }: { termId: string; onCreated: () => void }) {
  const { t, i18n } = useTranslation();
  const empty = { kind: 'home_activity' as 'home_activity' | 'child_rating', code: '', nameZh: '', nameEn: '', points: 2 as number | null, capPerDay: null as number | null, capPerWeek: null as number | null, capPerTerm: null as number | null };
  const [draft, setDraft] = useState(empty);
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();
  const rating = draft.kind === 'child_rating';
  const labels = {
    kind: t('points.admin.kind'),
    code: t('points.admin.code'),
    nameZh: t('points.admin.nameZh'),
    nameEn: t('points.admin.nameEn'),
    points: t('points.admin.points'),
    capPerDay: t('points.admin.capPerDay'),
    capPerWeek: t('points.admin.capPerWeek'),
    capPerTerm: t('points.admin.capPerTerm'),
  };
  async function create() {
    setMessage(null);
    const body: Record<string, unknown> = { kind: draft.kind, code: draft.code.trim(), nameZh: draft.nameZh.trim(), nameEn: draft.nameEn.trim() };
    if (!rating) {
      if (draft.points !== null) body.points = draft.points;
      if (draft.capPerDay !== null) body.capPerDay = draft.capPerDay;
      if (draft.capPerWeek !== null) body.capPerWeek = draft.capPerWeek;
    }
    if (draft.capPerTerm !== null) body.capPerTerm = draft.capPerTerm;
    const created = await action.run(() => api.post<Rule>(`/api/points/terms/${termId}/rules`, body));
    if (created) {
      setMessage(t('points.admin.ruleCreated', { name: i18n.language.startsWith('zh') ? created.nameZh : created.nameEn }));
      setDraft(empty);
      onCreated();
    }
  }
  return (
    <details className="card">
      <summary>
        <strong>{t('points.admin.newRule')}</strong>
      </summary>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <div className="form-row">
          <label className="field">
            <span>{labels.kind}</span>
            <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as typeof draft.kind })}>
              <option value="home_activity">{t('points.admin.kindOptions.home_activity')}</option>
              <option value="child_rating">{t('points.admin.kindOptions.child_rating')}</option>
            </select>
          </label>
          <label className="field">
            <span>{labels.code}</span>
            <input value={draft.code} maxLength={40} pattern="[a-z][a-z0-9_]{1,39}" onChange={(e) => setDraft({ ...draft, code: e.target.value })} />
          </label>
          <label className="field">
            <span>{labels.nameZh}</span>
            <input value={draft.nameZh} maxLength={50} onChange={(e) => setDraft({ ...draft, nameZh: e.target.value })} />
          </label>
          <label className="field">
            <span>{labels.nameEn}</span>
            <input value={draft.nameEn} maxLength={80} onChange={(e) => setDraft({ ...draft, nameEn: e.target.value })} />
          </label>
        </div>
        <div className="form-row">
          {!rating && (
            <>
              <label className="field">
                <span>{labels.points}</span>
                <NumberInput value={draft.points} min={1} label={labels.points} onChange={(v) => setDraft({ ...draft, points: v })} />
              </label>
              <label className="field">
                <span>{labels.capPerDay}</span>
                <NumberInput value={draft.capPerDay} min={1} label={labels.capPerDay} placeholder={t('points.admin.noCap')} onChange={(v) => setDraft({ ...draft, capPerDay: v })} />
              </label>
              <label className="field">
                <span>{labels.capPerWeek}</span>
                <NumberInput value={draft.capPerWeek} min={1} label={labels.capPerWeek} placeholder={t('points.admin.noCap')} onChange={(v) => setDraft({ ...draft, capPerWeek: v })} />
              </label>
            </>
          )}
          <label className="field">
            <span>{labels.capPerTerm}</span>
            <NumberInput value={draft.capPerTerm} min={1} label={labels.capPerTerm} placeholder={t('points.admin.noCap')} onChange={(v) => setDraft({ ...draft, capPerTerm: v })} />
          </label>
        </div>
        <div>
          <button type="submit" className="btn btn-primary" disabled={action.busy || !draft.code.trim() || !draft.nameZh.trim() || !draft.nameEn.trim()}>
            {t('points.admin.addRule')}
          </button>
        </div>
        {message && <p className="notice notice-success" role="status">{message}</p>}
        <PointsErrorNotice error={action.error} labels={labels} />
      </form>
    </details>
  );
}

/** /points/rules — district staff: terms, their rules (points and caps) and the ratings → points table. */
export default function PointsRulesPage() {
  const { t } = useTranslation();
  usePageTitle(t('points.admin.title'));
  const terms = useAsync((signal) => api.get<{ items: TermWithRules[] }>('/api/points/terms', undefined, { signal }), []);
  const [termId, setTermId] = useState<string | null>(null);
  const items = terms.data?.items ?? [];
  const today = todayInChina();
  const term = items.find((x) => x.id === termId) ?? items.find((x) => x.startsOn <= today && today <= x.endsOn) ?? items[0] ?? null;

  return (
    <div className="page" data-testid="points-rules">
      <h1>{t('points.admin.title')}</h1>
      <p className="muted">{t('points.admin.hint')}</p>
      {terms.loading && !terms.data && <Loading />}
      <ErrorNotice error={terms.error} onRetry={terms.reload} />
      <div className="sections">
        {items.length > 0 && term && (
          <label className="field">
            <span>{t('points.admin.term')}</span>
            <select value={term.id} onChange={(e) => setTermId(e.target.value)} data-testid="term-select">
              {items.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}（{x.startsOn} – {x.endsOn}）
                </option>
              ))}
            </select>
          </label>
        )}
        {term && (
          <>
            {KINDS.map((kind) => {
              const rules = term.rules.filter((r) => r.kind === kind);
              return (
                <section key={kind} className="card" data-testid={`rules-${kind}`}>
                  <h2>{t(`points.admin.groups.${kind}`, { count: rules.length })}</h2>
                  <ul className="points-rules">
                    {rules.map((rule) => (
                      <RuleRow key={rule.id} rule={rule} onSaved={() => terms.reload()} />
                    ))}
                  </ul>
                </section>
              );
            })}
            <NewRule termId={term.id} onCreated={terms.reload} />
            <TermSettings term={term} onSaved={terms.reload} />
          </>
        )}
        <NewTerm
          from={term}
          onCreated={(created) => {
            setTermId(created.id);
            terms.reload();
          }}
        />
      </div>
    </div>
  );
}
