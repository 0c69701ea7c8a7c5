import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ErrorNotice, Modal, useAction, usePageTitle } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import type { SessionView } from '../types.ts';

/** A sunny, smiling face: the child's welcome picture (drawn inline, no external assets). */
function SunnyFace() {
  return (
    <svg className="child-hero" viewBox="0 0 200 200" aria-hidden="true">
      <g stroke="#f2b84b" strokeWidth="10" strokeLinecap="round">
        {Array.from({ length: 12 }, (_, i) => {
          const a = (i * Math.PI) / 6;
          return <line key={i} x1={100 + Math.cos(a) * 72} y1={100 + Math.sin(a) * 72} x2={100 + Math.cos(a) * 92} y2={100 + Math.sin(a) * 92} />;
        })}
      </g>
      <circle cx="100" cy="100" r="58" fill="#ffd66b" stroke="#f2b84b" strokeWidth="6" />
      <circle cx="80" cy="90" r="7" fill="#3b3b3b" />
      <circle cx="120" cy="90" r="7" fill="#3b3b3b" />
      <circle cx="70" cy="112" r="8" fill="#ff9f9f" opacity="0.7" />
      <circle cx="130" cy="112" r="8" fill="#ff9f9f" opacity="0.7" />
      <path d="M78 118 Q100 140 122 118" fill="none" stroke="#3b3b3b" strokeWidth="6" strokeLinecap="round" />
    </svg>
  );
}

function DoorIcon() {
  return (
    <svg viewBox="0 0 48 48" className="icon-door" aria-hidden="true">
      <rect x="10" y="6" width="24" height="36" rx="3" fill="#8fc1b0" stroke="#2f6f5e" strokeWidth="3" />
      <circle cx="28" cy="25" r="2.5" fill="#2f6f5e" />
      <path d="M36 24h9m-4-4 4 4-4 4" stroke="#2f6f5e" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

/** The only screen in child mode: the child's name, a welcome, and a way back that needs a guardian's password. */
export function ChildHome() {
  const { t } = useTranslation();
  const { session, setSession } = useSession();
  const navigate = useNavigate();
  const [asking, setAsking] = useState(false);
  const [password, setPassword] = useState('');
  const { busy, error, run, setError } = useAction();
  const child = session?.child;
  usePageTitle(child?.displayName ?? '');

  if (!child) return null;

  async function exit(e: FormEvent) {
    e.preventDefault();
    const familyId = child!.familyId;
    const result = await run(() => api.post<SessionView>('/api/auth/child-mode/exit', { password }));
    if (result) {
      setPassword('');
      setAsking(false);
      navigate(`/family/${familyId}`, { replace: true });
      setSession(result);
    }
  }

  return (
    <div className="child-shell" data-testid="child-home">
      <main className="child-main" id="main">
        <SunnyFace />
        <h1 className="child-hello">{t('child.hello', { name: child.displayName })}</h1>
        <p className="child-welcome">{t('child.welcome')}</p>
        <p className="child-body">{t('child.body')}</p>
        <Link to="/points/rate" className="btn btn-primary btn-child-big" data-testid="child-rate-link">
          {t('points.child.open')}
        </Link>
      </main>
      <footer className="child-foot">
        <button type="button" className="btn-child-exit" data-testid="child-exit" onClick={() => setAsking(true)}>
          <DoorIcon />
          <span>{t('child.exit')}</span>
        </button>
      </footer>
      <Modal
        open={asking}
        title={t('child.exitTitle')}
        onClose={() => {
          setAsking(false);
          setPassword('');
          setError(null);
        }}
      >
        <form className="form" onSubmit={exit}>
          <p className="muted">{t('child.exitHelp')}</p>
          <label className="field">
            <span>{t('child.exitPassword')}</span>
            <input
              type="password"
              autoComplete="current-password"
              autoFocus
              data-testid="child-exit-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <ErrorNotice error={error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy || !password}>
            {t('child.exitSubmit')}
          </button>
        </form>
      </Modal>
    </div>
  );
}
