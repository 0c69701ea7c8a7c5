import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate, type Location } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { PublicLayout } from '../components/Layout.tsx';
import { ErrorNotice, useAction, usePageTitle } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import type { Role, SessionView } from '../types.ts';

const DEMO_PASSWORD = 'Coedu@2026';
const DEMO_CHILD_PIN = '1234';
const DEMO_ACCOUNTS: { login: string; role: Role }[] = [
  { login: 'district.admin', role: 'district_admin' },
  { login: 'centre.staff', role: 'centre_staff' },
  { login: 'school.admin', role: 'school_admin' },
  { login: 'teacher.demo', role: 'teacher' },
  { login: 'community.admin', role: 'community_admin' },
  { login: 'venue.manager', role: 'venue_manager' },
  { login: 'parent.demo', role: 'guardian' },
];
const SHOW_DEMO = import.meta.env.VITE_COEDU_DEMO_ACCOUNTS !== 'false';

/** Where to go after signing in: the page that sent the user here, never back to a public page. */
function returnPath(state: unknown): string {
  const from = (state as { from?: Location } | null)?.from;
  if (!from || typeof from.pathname !== 'string') return '/';
  if (from.pathname === '/sign-in' || from.pathname === '/register') return '/';
  return `${from.pathname}${from.search ?? ''}${from.hash ?? ''}`;
}

export function SignInPage() {
  const { t } = useTranslation();
  const { session, setSession } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  usePageTitle(t('signIn.title'));

  if (session) return <Navigate to={returnPath(location.state)} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await run(() => api.post<SessionView>('/api/auth/sign-in', { login: login.trim(), password }));
    if (result) {
      setSession(result);
      navigate(returnPath(location.state), { replace: true });
    }
  }

  return (
    <PublicLayout>
      <div className="auth-card">
        <h1>{t('signIn.title')}</h1>
        <p className="muted">{t('signIn.intro')}</p>
        <form onSubmit={submit} className="form" noValidate>
          <label className="field">
            <span>{t('signIn.login')}</span>
            <input
              name="login"
              data-testid="signin-login"
              autoComplete="username"
              autoCapitalize="off"
              spellCheck={false}
              required
              value={login}
              onChange={(e) => setLogin(e.target.value)}
            />
          </label>
          <label className="field">
            <span>{t('signIn.password')}</span>
            <input
              name="password"
              type="password"
              data-testid="signin-password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <ErrorNotice error={error} />
          <button type="submit" className="btn btn-primary btn-block" data-testid="signin-submit" disabled={busy || !login.trim() || !password}>
            {busy ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </form>
        <p className="auth-alt">
          {t('signIn.noAccount')} <Link to="/register">{t('signIn.register')}</Link>
        </p>
        {SHOW_DEMO && (
          <details className="demo-panel" data-testid="demo-accounts">
            <summary>{t('signIn.demoTitle')}</summary>
            <p className="muted small">{t('signIn.demoHint', { password: DEMO_PASSWORD })}</p>
            <ul className="demo-list">
              {DEMO_ACCOUNTS.map((account) => (
                <li key={account.login}>
                  <button
                    type="button"
                    className="demo-account"
                    title={t('signIn.demoUse')}
                    onClick={() => {
                      setLogin(account.login);
                      setPassword(DEMO_PASSWORD);
                    }}
                  >
                    <code>{account.login}</code>
                    <span>
                      {t(`roles.${account.role}`)}
                      {account.role === 'guardian' && <span className="muted"> · {t('signIn.demoParentNote', { pin: DEMO_CHILD_PIN })}</span>}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </PublicLayout>
  );
}
