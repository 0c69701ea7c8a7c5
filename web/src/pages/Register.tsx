import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { PublicLayout } from '../components/Layout.tsx';
import { ErrorNotice, useAction, usePageTitle } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import type { SessionView } from '../types.ts';

export function RegisterPage() {
  const { t } = useTranslation();
  const { session, setSession } = useSession();
  const navigate = useNavigate();
  const [phone, setPhone] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const { busy, error, run } = useAction();
  usePageTitle(t('register.title'));

  if (session) return <Navigate to="/" replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const result = await run(() =>
      api.post<SessionView>('/api/auth/register', { phone: phone.replace(/\s+/g, ''), password, displayName: displayName.trim() }),
    );
    if (result) {
      setSession(result);
      navigate('/', { replace: true });
    }
  }

  return (
    <PublicLayout>
      <div className="auth-card">
        <h1>{t('register.title')}</h1>
        <p className="muted">{t('register.intro')}</p>
        <form onSubmit={submit} className="form">
          <label className="field">
            <span>{t('register.phone')}</span>
            <input
              name="phone"
              type="tel"
              inputMode="numeric"
              autoComplete="tel"
              pattern="1[3-9][0-9]{9}"
              maxLength={13}
              required
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
            />
            <small className="hint">{t('register.phoneHint')}</small>
          </label>
          <label className="field">
            <span>{t('register.displayName')}</span>
            <input
              name="displayName"
              autoComplete="nickname"
              required
              maxLength={100}
              placeholder={t('register.displayNamePlaceholder')}
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
            />
          </label>
          <label className="field">
            <span>{t('register.password')}</span>
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <small className="hint">{t('register.passwordHint')}</small>
          </label>
          <label className="field">
            <span>{t('register.passwordConfirm')}</span>
            <input
              name="passwordConfirm"
              type="password"
              autoComplete="new-password"
              required
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
              aria-invalid={mismatch}
            />
          </label>
          {mismatch && (
            <div className="notice notice-error" role="alert">
              {t('register.mismatch')}
            </div>
          )}
          <ErrorNotice
            error={error}
            fields={{
              phone: { label: t('register.phone'), hint: t('register.phoneHint') },
              password: { label: t('register.password'), hint: t('register.passwordHint') },
              displayName: { label: t('register.displayName') },
            }}
          />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? t('register.submitting') : t('register.submit')}
          </button>
        </form>
        <p className="auth-alt">
          {t('register.haveAccount')} <Link to="/sign-in">{t('register.signIn')}</Link>
        </p>
      </div>
    </PublicLayout>
  );
}
