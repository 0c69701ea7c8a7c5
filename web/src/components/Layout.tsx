import { useEffect, useState, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ADMIN_ROLES, hasRole, POINTS_REWARD_ROLES, POINTS_RULE_ROLES, STAFF_ROLES, useSession } from '../session.tsx';
import { currentLocale } from '../i18n/index.ts';
import type { Role } from '../types.ts';
import { Loading } from './ui.tsx';

export function LanguageSwitch({ className = '' }: { className?: string }) {
  const { t } = useTranslation();
  const { changeLocale } = useSession();
  return (
    <button
      type="button"
      className={`btn-lang ${className}`}
      data-testid="lang-switch"
      aria-label={t('lang.switchLabel')}
      lang={currentLocale() === 'zh-CN' ? 'en' : 'zh-CN'}
      onClick={() => void changeLocale(currentLocale() === 'zh-CN' ? 'en' : 'zh-CN')}
    >
      {t('lang.switchTo')}
    </button>
  );
}

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 64 64" aria-hidden="true">
      <circle cx="32" cy="32" r="30" fill="#2f6f5e" />
      <circle cx="32" cy="32" r="18" fill="none" stroke="#fff" strokeWidth="5" />
      <circle cx="32" cy="14" r="6" fill="#f2b84b" />
      <circle cx="16.4" cy="41" r="6" fill="#f2b84b" />
      <circle cx="47.6" cy="41" r="6" fill="#f2b84b" />
    </svg>
  );
}

function Header() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => setMenuOpen(false), [location.pathname]);

  const links: { to: string; label: string; show: boolean; end?: boolean }[] = [
    { to: '/', label: t('nav.home'), show: true, end: true },
    { to: '/search', label: t('nav.search'), show: true },
    { to: '/map', label: t('nav.map'), show: true },
    { to: hasRole(session, ...STAFF_ROLES) ? '/points/staff' : '/points', label: t('points.nav'), show: true },
    { to: '/points/rules', label: t('points.admin.nav'), show: hasRole(session, ...POINTS_RULE_ROLES) },
    { to: '/points/rewards', label: t('points.partner.nav'), show: hasRole(session, ...POINTS_REWARD_ROLES) },
    { to: '/study', label: t('study.nav.map'), show: true, end: true },
    { to: '/study/routes', label: t('study.nav.routes'), show: true },
    { to: '/classes', label: t('classes.nav'), show: true },
    {
      to: '/study/visits',
      label: t('study.nav.visits'),
      show: hasRole(session, 'school_admin', 'teacher', 'venue_manager', 'community_admin', 'district_admin', 'centre_staff'),
    },
    { to: '/coverage', label: t('nav.coverage'), show: hasRole(session, ...STAFF_ROLES) },
    { to: '/directory/import', label: t('nav.directoryImport'), show: hasRole(session, 'district_admin', 'centre_staff', 'community_admin') },
    { to: '/admin/users', label: t('nav.users'), show: hasRole(session, ...ADMIN_ROLES) },
    { to: '/admin/audit', label: t('nav.audit'), show: hasRole(session, 'district_admin') },
    { to: '/me/tokens', label: t('nav.tokens'), show: hasRole(session, ...STAFF_ROLES) },
  ];

  return (
    <header className="site-header">
      <div className="header-inner">
        <Link to="/" className="brand">
          <Logo />
          <span className="brand-name">{t('app.name')}</span>
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((v) => !v)}
        >
          <span className="menu-bars" aria-hidden="true" />
          <span className="visually-hidden">{t('nav.menu')}</span>
        </button>
        <nav id="main-nav" className={`main-nav ${menuOpen ? 'open' : ''}`} aria-label={t('nav.main')}>
          <ul>
            {links
              .filter((l) => l.show)
              .map((l) => (
                <li key={l.to}>
                  <NavLink to={l.to} end={l.end}>
                    {l.label}
                  </NavLink>
                </li>
              ))}
          </ul>
          <div className="nav-tools">
            {session && <span className="user-name" data-testid="user-name">{session.user.displayName}</span>}
            <LanguageSwitch />
            <button
              type="button"
              className="btn btn-quiet"
              data-testid="sign-out"
              onClick={() => {
                void signOut().then(() => navigate('/sign-in', { replace: true }));
              }}
            >
              {t('nav.signOut')}
            </button>
          </div>
        </nav>
      </div>
    </header>
  );
}

export function AppLayout() {
  const { t } = useTranslation();
  return (
    <div className="app-shell">
      <a href="#main" className="skip-link">
        {t('app.skipToContent')}
      </a>
      <Header />
      <main id="main" className="main">
        <Outlet />
      </main>
    </div>
  );
}

/** Public pages (sign-in, register): a quiet frame with the brand and a language switch. */
export function PublicLayout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="public-shell">
      <div className="public-top">
        <span className="brand">
          <Logo />
          <span className="brand-name">{t('app.name')}</span>
        </span>
        <LanguageSwitch />
      </div>
      <main id="main" className="public-main">
        {children}
      </main>
      <footer className="public-foot muted small">{t('app.tagline')}</footer>
    </div>
  );
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/sign-in" replace state={{ from: location }} />;
  return <>{children}</>;
}

export function RequireRole({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { session } = useSession();
  const { t } = useTranslation();
  if (!hasRole(session, ...roles)) {
    return (
      <section className="page narrow">
        <h1>{t('forbidden.title')}</h1>
        <p>{t('forbidden.body')}</p>
        <Link to="/" className="btn">
          {t('notFound.home')}
        </Link>
      </section>
    );
  }
  return <>{children}</>;
}

export function FullPageLoading() {
  return (
    <div className="full-page-center">
      <Loading />
    </div>
  );
}
