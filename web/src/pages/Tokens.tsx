import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { CopyButton, ErrorNotice, formatDateTime, Loading, useAction, useAsync, usePageTitle } from '../components/ui.tsx';
import type { ApiToken, CreatedApiToken } from '../types.ts';

export function TokensPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('tokens.title'));
  const { data, error, loading, reload } = useAsync((signal) => api.get<{ items: ApiToken[] }>('/api/me/tokens', undefined, { signal }), []);
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const create = useAction();
  const revoke = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: { name: string; expiresInDays?: number } = { name: name.trim() };
    if (days.trim()) body.expiresInDays = Number(days);
    const token = await create.run(() => api.post<CreatedApiToken>('/api/me/tokens', body));
    if (token) {
      setCreated(token);
      setName('');
      setDays('');
      reload();
    }
  }

  async function revokeToken(token: ApiToken) {
    if (!window.confirm(t('tokens.confirmRevoke', { name: token.name }))) return;
    const ok = await revoke.run(async () => {
      await api.delete(`/api/me/tokens/${token.id}`);
      return true;
    });
    if (ok) {
      if (created?.id === token.id) setCreated(null);
      reload();
    }
  }

  return (
    <div className="page">
      <h1>{t('tokens.title')}</h1>
      <p className="muted">{t('tokens.intro')}</p>

      <section className="card">
        <form className="form" onSubmit={submit}>
          <div className="form-row">
            <label className="field grow">
              <span>{t('tokens.name')}</span>
              <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder={t('tokens.namePlaceholder')} />
            </label>
            <label className="field">
              <span>
                {t('tokens.expiresInDays')} <small className="muted">{t('common.optional')}</small>
              </span>
              <input type="number" inputMode="numeric" min={1} max={730} value={days} onChange={(e) => setDays(e.target.value)} />
              <small className="hint">{t('tokens.expiresHint')}</small>
            </label>
          </div>
          <ErrorNotice error={create.error} />
          <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>
            {t('tokens.create')}
          </button>
        </form>
        {created && (
          <div className="secret-box" role="status" data-testid="token-secret">
            <strong>{t('tokens.secretTitle')}</strong>
            <p className="small">{t('tokens.secretOnce')}</p>
            <div className="secret-row">
              <code className="secret">{created.token}</code>
              <CopyButton text={created.token} />
            </div>
            <button type="button" className="btn btn-small btn-quiet" onClick={() => setCreated(null)}>
              {t('common.close')}
            </button>
          </div>
        )}
      </section>

      <ErrorNotice error={error ?? revoke.error} onRetry={error ? reload : undefined} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <p className="muted">{t('tokens.empty')}</p>}
      {data && data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('tokens.name')}</th>
                <th scope="col">{t('tokens.prefix')}</th>
                <th scope="col">{t('tokens.createdAt')}</th>
                <th scope="col">{t('tokens.expiresAt')}</th>
                <th scope="col">{t('tokens.lastUsedAt')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('tokens.revoke')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((token) => (
                <tr key={token.id}>
                  <td>{token.name}</td>
                  <td className="mono small">{token.prefix}…</td>
                  <td className="nowrap small">{formatDateTime(token.createdAt, i18n.language)}</td>
                  <td className="nowrap small">{token.expiresAt ? formatDateTime(token.expiresAt, i18n.language) : t('tokens.never')}</td>
                  <td className="nowrap small">{token.lastUsedAt ? formatDateTime(token.lastUsedAt, i18n.language) : t('tokens.neverUsed')}</td>
                  <td>
                    <button type="button" className="btn btn-small btn-danger" onClick={() => void revokeToken(token)} disabled={revoke.busy}>
                      {t('tokens.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
