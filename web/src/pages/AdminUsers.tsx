import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { DivisionPicker, OrgPicker } from '../components/pickers.tsx';
import { ErrorNotice, Loading, Modal, Notice, useAction, useAsync, usePageTitle } from '../components/ui.tsx';
import { hasRole, useSession } from '../session.tsx';
import type { AdminUser, OrgKind, Paged, RoleGrant, ScopeType, SessionView } from '../types.ts';

/** Roles that can be granted (guardianship is family membership, not a grant). */
export const GRANT_ROLES = ['district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher'] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];

/** Which scope each role is held in (mirrors the server's rule; the server has the last word). */
const ROLE_SCOPES: Record<GrantRole, { scopeType: Exclude<ScopeType, 'family'>; orgKinds?: OrgKind[] }> = {
  district_admin: { scopeType: 'district' },
  centre_staff: { scopeType: 'district' },
  community_admin: { scopeType: 'community' },
  school_admin: { scopeType: 'organisation', orgKinds: ['school'] },
  teacher: { scopeType: 'organisation', orgKinds: ['school', 'community_parent_school', 'guidance_centre'] },
  venue_manager: { scopeType: 'organisation', orgKinds: ['venue'] },
};

const PAGE_SIZE = 20;

function isDistrictAdmin(session: SessionView | null) {
  return !!session?.roles.some((r) => r.role === 'district_admin' && r.scopeType === 'district');
}

/** What this administrator may hand out: everything (district), teachers (school), teachers and venue managers (community). */
function grantableRoles(session: SessionView | null): GrantRole[] {
  if (isDistrictAdmin(session)) return [...GRANT_ROLES];
  const roles = new Set<GrantRole>();
  if (hasRole(session, 'school_admin')) roles.add('teacher');
  if (hasRole(session, 'community_admin')) {
    roles.add('teacher');
    roles.add('venue_manager');
  }
  return [...roles];
}

interface GrantValue {
  role: GrantRole | '';
  scopeId: string | null;
}

/** Role + scope picker. The scope options depend on the role and on who is granting. */
function GrantFields({ value, onChange, allowNoRole }: { value: GrantValue; onChange: (v: GrantValue) => void; allowNoRole: boolean }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const roleId = useId();
  const kindId = useId();
  const roles = grantableRoles(session);
  const rule = value.role ? ROLE_SCOPES[value.role] : null;
  const [orgKind, setOrgKind] = useState<OrgKind | undefined>(rule?.orgKinds?.[0]);
  useEffect(() => setOrgKind(rule?.orgKinds?.[0]), [rule]);

  const district = isDistrictAdmin(session);
  const ownSchools = session?.roles.filter((r) => r.role === 'school_admin' && r.scopeType === 'organisation') ?? [];
  const ownCommunities = session?.roles.filter((r) => r.role === 'community_admin' && r.scopeType === 'community') ?? [];
  // A community admin picks organisations inside their community; a school admin picks one of their schools.
  const communityKind: OrgKind | null =
    !district && ownCommunities.length > 0 ? (value.role === 'venue_manager' ? 'venue' : value.role === 'teacher' ? 'community_parent_school' : null) : null;
  const useOwnSchools = !district && value.role === 'teacher' && ownSchools.length > 0 && ownCommunities.length === 0;

  return (
    <>
      <div className="form-row">
        <div className="field">
          <label htmlFor={roleId}>{allowNoRole ? t('users.initialRole') : t('users.role')}</label>
          <select
            id={roleId}
            data-testid="grant-role"
            value={value.role}
            required={!allowNoRole}
            onChange={(e) => onChange({ role: e.target.value as GrantRole | '', scopeId: null })}
          >
            <option value="">{allowNoRole ? t('users.noRole') : t('common.choose')}</option>
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </div>
        {rule && (
          <div className="field">
            <span className="label">{t('users.scopeType')}</span>
            <span className="static-value">{t(`scopeTypes.${rule.scopeType}`)}</span>
          </div>
        )}
      </div>
      {rule?.scopeType === 'district' && (
        <DivisionPicker label={t('users.scope')} level="district" value={value.scopeId} onChange={(scopeId) => onChange({ ...value, scopeId })} />
      )}
      {rule?.scopeType === 'community' && (
        <DivisionPicker label={t('users.scope')} level="community" value={value.scopeId} onChange={(scopeId) => onChange({ ...value, scopeId })} />
      )}
      {rule?.scopeType === 'organisation' && useOwnSchools && (
        <label className="field">
          <span>{t('users.scope')}</span>
          <select value={value.scopeId ?? ''} required onChange={(e) => onChange({ ...value, scopeId: e.target.value || null })}>
            <option value="">{t('common.choose')}</option>
            {ownSchools.map((s) => (
              <option key={s.scopeId} value={s.scopeId}>
                {s.scopeName}
              </option>
            ))}
          </select>
        </label>
      )}
      {rule?.scopeType === 'organisation' && !useOwnSchools && (
        <>
          {!communityKind && rule.orgKinds && rule.orgKinds.length > 1 && (
            <div className="field">
              <label htmlFor={kindId}>{t('map.kind')}</label>
              <select
                id={kindId}
                value={orgKind}
                onChange={(e) => {
                  setOrgKind(e.target.value as OrgKind);
                  onChange({ ...value, scopeId: null });
                }}
              >
                {rule.orgKinds.map((k) => (
                  <option key={k} value={k}>
                    {t(`orgKinds.${k}`)}
                  </option>
                ))}
              </select>
            </div>
          )}
          <OrgPicker
            label={t('users.scope')}
            kind={communityKind ?? orgKind}
            value={value.scopeId}
            onChange={(scopeId) => onChange({ ...value, scopeId })}
            required
          />
        </>
      )}
    </>
  );
}

function grantBody(value: GrantValue) {
  if (!value.role || !value.scopeId) return null;
  return { role: value.role, scopeType: ROLE_SCOPES[value.role].scopeType, scopeId: value.scopeId };
}

function CreateUserForm({ onCreated }: { onCreated: (user: AdminUser) => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const district = isDistrictAdmin(session);
  const [displayName, setDisplayName] = useState('');
  const [username, setUsername] = useState('');
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [grant, setGrant] = useState<GrantValue>({ role: '', scopeId: null });
  const [localError, setLocalError] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username.trim() && !phone.trim()) {
      setLocalError(t('users.needLogin'));
      return;
    }
    setLocalError(null);
    const body: Record<string, unknown> = { displayName: displayName.trim(), password };
    if (username.trim()) body.username = username.trim();
    if (phone.trim()) body.phone = phone.replace(/\s+/g, '');
    const g = grantBody(grant);
    if (g) Object.assign(body, g);
    const user = await run(() => api.post<AdminUser>('/api/admin/users', body));
    if (user) onCreated(user);
  }

  return (
    <form className="form" onSubmit={submit} data-testid="create-user-form">
      <label className="field">
        <span>{t('users.displayName')}</span>
        <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={100} />
      </label>
      <div className="form-row">
        <label className="field">
          <span>{t('users.username')}</span>
          <input
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoCapitalize="off"
            autoComplete="off"
            spellCheck={false}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]{2,39}"
            maxLength={40}
          />
          <small className="hint">{t('users.usernameHint')}</small>
        </label>
        <label className="field">
          <span>{t('users.phone')}</span>
          <input type="tel" inputMode="numeric" value={phone} onChange={(e) => setPhone(e.target.value)} pattern="1[3-9][0-9]{9}" maxLength={13} />
        </label>
      </div>
      <label className="field">
        <span>{t('users.password')}</span>
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={8} />
        <small className="hint">{t('users.passwordHint')}</small>
      </label>
      <GrantFields value={grant} onChange={setGrant} allowNoRole={district} />
      {localError && (
        <div className="notice notice-error" role="alert">
          {localError}
        </div>
      )}
      <ErrorNotice
        error={error}
        fields={{
          displayName: { label: t('users.displayName') },
          username: { label: t('users.username'), hint: t('users.usernameHint') },
          phone: { label: t('users.phone'), hint: t('register.phoneHint') },
          password: { label: t('users.password'), hint: t('register.passwordHint') },
          scopeId: { label: t('users.scope') },
          role: { label: t('users.role') },
        }}
      />
      <button type="submit" className="btn btn-primary" disabled={busy || (!district && !grantBody(grant)) || (!!grant.role && !grant.scopeId)}>
        {t('users.createSubmit')}
      </button>
    </form>
  );
}

function GrantRoleForm({ user, onDone }: { user: AdminUser; onDone: () => void }) {
  const { t } = useTranslation();
  const [grant, setGrant] = useState<GrantValue>({ role: '', scopeId: null });
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = grantBody(grant);
    if (!body) return;
    const ok = await run(() => api.post<RoleGrant>(`/api/admin/users/${user.id}/roles`, body));
    if (ok) onDone();
  }
  return (
    <form className="form" onSubmit={submit}>
      <GrantFields value={grant} onChange={setGrant} allowNoRole={false} />
      <ErrorNotice error={error} />
      <button type="submit" className="btn btn-primary" disabled={busy || !grantBody(grant)}>
        {t('users.grantSubmit')}
      </button>
    </form>
  );
}

function UserCard({ user, canGrant, onChanged }: { user: AdminUser; canGrant: boolean; onChanged: (message: string) => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const mayRevoke = (role: string) => (grantableRoles(session) as string[]).includes(role);
  const [granting, setGranting] = useState(false);
  const { error, run } = useAction();

  async function revoke(grant: RoleGrant) {
    const role = t(`roles.${grant.role}`);
    if (!window.confirm(t('users.confirmRevoke', { name: user.displayName, role, scope: grant.scopeName }))) return;
    const ok = await run(async () => {
      await api.delete(`/api/admin/users/${user.id}/roles/${grant.id}`);
      return true;
    });
    if (ok) onChanged('');
  }

  return (
    <li className="user-card" data-testid="user-row">
      <div className="user-main">
        <strong>{user.displayName}</strong>
        {user.disabled && <span className="chip chip-warn">{t('users.disabled')}</span>}
        <span className="muted small block">{[user.username, user.phoneMasked].filter(Boolean).join(' · ')}</span>
      </div>
      <ul className="role-chips" aria-label={t('users.roles')}>
        {user.roles.length === 0 && <li className="muted small">{t('users.noRoles')}</li>}
        {user.roles.map((grant) => (
          <li key={grant.id} className="role-chip">
            <span>
              {t(`roles.${grant.role}`)} · <span className="muted">{grant.scopeName}</span>
            </span>
            {mayRevoke(grant.role) && (
              <button
                type="button"
                className="chip-remove"
                aria-label={t('users.revokeLabel', { role: t(`roles.${grant.role}`), scope: grant.scopeName })}
                title={t('users.revoke')}
                onClick={() => void revoke(grant)}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {canGrant && (
        <button type="button" className="btn btn-small" onClick={() => setGranting(true)}>
          + {t('users.grant')}
        </button>
      )}
      <ErrorNotice error={error} />
      <Modal open={granting} title={t('users.grantTitle', { name: user.displayName })} onClose={() => setGranting(false)}>
        {granting && (
          <GrantRoleForm
            user={user}
            onDone={() => {
              setGranting(false);
              onChanged(t('users.granted'));
            }}
          />
        )}
      </Modal>
    </li>
  );
}

export function AdminUsersPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  usePageTitle(t('users.title'));
  const [query, setQuery] = useState('');
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const { data, error, loading, reload } = useAsync(
    (signal) => api.get<Paged<AdminUser>>('/api/admin/users', { q: q || undefined, limit: PAGE_SIZE, offset }, { signal }),
    [q, offset],
  );
  const canGrant = grantableRoles(session).length > 0;

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('users.title')}</h1>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} data-testid="new-user">
          + {t('users.createTitle')}
        </button>
      </div>
      <form
        className="search-bar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          setQ(query.trim());
        }}
      >
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('users.search')} aria-label={t('users.search')} />
        <button type="submit" className="btn">
          {t('common.search')}
        </button>
      </form>
      {message && <Notice tone="success">{message}</Notice>}
      <ErrorNotice error={error} onRetry={reload} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <p className="muted">{t('users.empty')}</p>}
      {data && data.items.length > 0 && (
        <>
          <ul className="user-list">
            {data.items.map((user) => (
              <UserCard
                key={user.id}
                user={user}
                canGrant={canGrant}
                onChanged={(m) => {
                  setMessage(m || null);
                  reload();
                }}
              />
            ))}
          </ul>
          <Pager offset={offset} count={data.items.length} total={data.total} onChange={setOffset} />
        </>
      )}
      <Modal open={creating} title={t('users.createTitle')} onClose={() => setCreating(false)}>
        {creating && (
          <CreateUserForm
            onCreated={(user) => {
              setCreating(false);
              setMessage(t('users.created', { name: user.displayName }));
              reload();
            }}
          />
        )}
      </Modal>
    </div>
  );
}

function Pager({ offset, count, total, onChange }: { offset: number; count: number; total: number; onChange: (offset: number) => void }) {
  const { t } = useTranslation();
  return (
    <nav className="pager" aria-label={t('common.pageInfo', { from: offset + 1, to: offset + count, total })}>
      <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - PAGE_SIZE))}>
        {t('common.previous')}
      </button>
      <span className="muted small">{t('common.pageInfo', { from: offset + 1, to: offset + count, total })}</span>
      <button type="button" className="btn btn-small" disabled={offset + count >= total} onClick={() => onChange(offset + PAGE_SIZE)}>
        {t('common.next')}
      </button>
    </nav>
  );
}
