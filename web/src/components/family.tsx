import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useSession } from '../session.tsx';
import type { ChildView, FamilyView, Invitation, SessionView } from '../types.ts';
import { OrgPicker } from './pickers.tsx';
import { CopyButton, ErrorNotice, formatDateTime, Modal, Notice, RELATION_IDS, useAction } from './ui.tsx';

function RelationSelect({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>
        {label} <small className="muted">{t('common.optional')}</small>
      </span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('common.notSet')}</option>
        {RELATION_IDS.map((r) => (
          <option key={r} value={r}>
            {t(`relations.${r}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Make an invitation code for another guardian and show it. */
export function InviteGuardian({ familyId }: { familyId: string }) {
  const { t, i18n } = useTranslation();
  const [relation, setRelation] = useState('');
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await run(() => api.post<Invitation>(`/api/families/${familyId}/invitations`, relation ? { relation } : {}));
    if (result) setInvitation(result);
  }

  return (
    <div className="subsection" data-testid="invite-guardian">
      <h3>{t('invite.title')}</h3>
      <p className="muted small">{t('invite.help')}</p>
      <form className="form form-inline" onSubmit={submit}>
        <RelationSelect label={t('invite.relation')} value={relation} onChange={setRelation} />
        <button type="submit" className="btn" disabled={busy}>
          {t('invite.submit')}
        </button>
      </form>
      <ErrorNotice error={error} />
      {invitation && (
        <div className="invite-code" data-testid="invite-code">
          <span className="muted small">{t('invite.code')}</span>
          <strong className="code">{invitation.code}</strong>
          <CopyButton text={invitation.code} />
          <span className="muted small">
            {t('invite.expires', { time: formatDateTime(invitation.expiresAt, i18n.language) })} · {t('invite.once')}
          </span>
        </div>
      )}
    </div>
  );
}

export function AcceptInvitation({ onAccepted }: { onAccepted: (family: FamilyView) => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [relation, setRelation] = useState('');
  const [joined, setJoined] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: { code: string; relation?: string } = { code: code.trim() };
    if (relation) body.relation = relation;
    const family = await run(() => api.post<FamilyView>('/api/invitations/accept', body));
    if (family) {
      setJoined(family.name);
      setCode('');
      onAccepted(family);
    }
  }

  return (
    <div className="subsection" data-testid="accept-invitation">
      <h3>{t('accept.title')}</h3>
      <p className="muted small">{t('accept.help')}</p>
      <form className="form form-inline" onSubmit={submit}>
        <label className="field">
          <span>{t('accept.code')}</span>
          <input
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
            autoCapitalize="characters"
            autoComplete="off"
            spellCheck={false}
            minLength={6}
            maxLength={20}
          />
        </label>
        <RelationSelect label={t('accept.relation')} value={relation} onChange={setRelation} />
        <button type="submit" className="btn" disabled={busy || !code.trim()}>
          {t('accept.submit')}
        </button>
      </form>
      <ErrorNotice error={error} />
      {joined && <Notice tone="success">{t('accept.done', { name: joined })}</Notice>}
    </div>
  );
}

export function CreateFamily({ onCreated }: { onCreated: (family: FamilyView) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const family = await run(() => api.post<FamilyView>('/api/families', { name: name.trim() }));
    if (family) onCreated(family);
  }
  return (
    <div className="subsection">
      <h3>{t('home.family.createTitle')}</h3>
      <form className="form form-inline" onSubmit={submit}>
        <label className="field">
          <span>{t('home.family.createName')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder={t('home.family.createPlaceholder')} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
          {t('home.family.createSubmit')}
        </button>
      </form>
      <ErrorNotice error={error} />
    </div>
  );
}

export interface ChildInput {
  displayName?: string;
  birthYear?: number | null;
  schoolId?: string | null;
  grade?: string | null;
  pin?: string;
}

/** Add a child (create) or change one (edit: only changed fields are sent; an empty PIN keeps the old one). */
export function ChildForm({
  child,
  submitLabel,
  onSubmit,
}: {
  child?: ChildView;
  submitLabel: string;
  onSubmit: (input: ChildInput) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const thisYear = new Date().getFullYear();
  const [displayName, setDisplayName] = useState(child?.displayName ?? '');
  const [birthYear, setBirthYear] = useState(child?.birthYear ? String(child.birthYear) : '');
  const [schoolId, setSchoolId] = useState<string | null>(child?.schoolId ?? null);
  const [grade, setGrade] = useState(child?.grade ?? '');
  const [pin, setPin] = useState('');
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input: ChildInput = {};
    const year = birthYear.trim() ? Number(birthYear) : null;
    if (!child) {
      input.displayName = displayName.trim();
      if (year) input.birthYear = year;
      if (schoolId) input.schoolId = schoolId;
      if (grade.trim()) input.grade = grade.trim();
      if (pin) input.pin = pin;
    } else {
      if (displayName.trim() !== child.displayName) input.displayName = displayName.trim();
      if (year !== child.birthYear) input.birthYear = year;
      if (schoolId !== child.schoolId) input.schoolId = schoolId;
      if ((grade.trim() || null) !== child.grade) input.grade = grade.trim() || null;
      if (pin) input.pin = pin;
    }
    const ok = await run(async () => {
      await onSubmit(input);
      return true;
    });
    if (ok && !child) {
      setDisplayName('');
      setBirthYear('');
      setSchoolId(null);
      setGrade('');
    }
    if (ok) setPin('');
  }

  return (
    <form className="form" onSubmit={submit} data-testid={child ? 'edit-child-form' : 'add-child-form'}>
      <label className="field">
        <span>{t('family.name')}</span>
        <input
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          required
          maxLength={50}
          placeholder={t('family.namePlaceholder')}
          name="childName"
        />
      </label>
      <div className="form-row">
        <label className="field">
          <span>
            {t('family.birthYear')} <small className="muted">{t('common.optional')}</small>
          </span>
          <input
            type="number"
            inputMode="numeric"
            min={1990}
            max={thisYear}
            value={birthYear}
            onChange={(e) => setBirthYear(e.target.value)}
            name="birthYear"
          />
        </label>
        <label className="field">
          <span>
            {t('family.grade')} <small className="muted">{t('common.optional')}</small>
          </span>
          <input value={grade} onChange={(e) => setGrade(e.target.value)} maxLength={20} placeholder={t('family.gradePlaceholder')} name="grade" />
        </label>
      </div>
      <OrgPicker
        label={t('family.school')}
        kind="school"
        value={schoolId}
        onChange={setSchoolId}
        allowNone
        noneLabel={t('family.noSchool')}
        currentName={child?.schoolName}
      />
      <label className="field">
        <span>{child ? t('family.pinNew') : t('family.pin')}</span>
        <input
          type="password"
          inputMode="numeric"
          autoComplete="new-password"
          pattern="[0-9]{4,6}"
          minLength={4}
          maxLength={6}
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))}
          name="pin"
        />
        <small className="hint">{child ? t('family.pinKeep') : t('family.pinHint')}</small>
      </label>
      <ErrorNotice
        error={error}
        fields={{
          displayName: { label: t('family.name') },
          birthYear: { label: t('family.birthYear') },
          grade: { label: t('family.grade') },
          schoolId: { label: t('family.school') },
          pin: { label: t('family.pin'), hint: t('family.pinHint') },
        }}
      />
      <button type="submit" className="btn btn-primary" disabled={busy || !displayName.trim()}>
        {busy ? t('common.saving') : submitLabel}
      </button>
    </form>
  );
}

/** A guardian hands the device to a child: PIN → child mode. */
export function ChildModeDialog({ child, onClose }: { child: ChildView | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { setSession } = useSession();
  const navigate = useNavigate();
  const [pin, setPin] = useState('');
  const { busy, error, run, setError } = useAction();

  function close() {
    setPin('');
    setError(null);
    onClose();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!child) return;
    const session = await run(() => api.post<SessionView>('/api/auth/child-mode', { childId: child.id, pin }));
    if (session) {
      setPin('');
      navigate('/', { replace: true });
      setSession(session);
    }
  }

  return (
    <Modal open={!!child} title={child ? t('childMode.title', { name: child.displayName }) : ''} onClose={close}>
      {child && (
        <form className="form" onSubmit={submit}>
          <p className="muted">{t('childMode.help', { name: child.displayName })}</p>
          <label className="field">
            <span>{t('childMode.pin')}</span>
            <input
              type="password"
              inputMode="numeric"
              autoComplete="off"
              pattern="[0-9]{4,6}"
              maxLength={6}
              className="pin-input"
              autoFocus
              data-testid="child-pin"
              value={pin}
              onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))}
            />
          </label>
          <ErrorNotice error={error} />
          <div className="actions">
            <button type="button" className="btn btn-quiet" onClick={close}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy || pin.length < 4}>
              {t('childMode.submit')}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
