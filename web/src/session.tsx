import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, isApiError, setAuthLostHandler, setChildModeHandler, setCsrfToken } from './api.ts';
import { currentLocale, i18next, storedLocale, storeLocale } from './i18n/index.ts';
import type { Locale, Role, SessionView } from './types.ts';

type State =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; session: SessionView | null };

interface SessionContextValue {
  state: State;
  session: SessionView | null;
  /** Store a session answer from the server (sign-in, register, child mode, PATCH /api/me), or null after sign-out. */
  setSession(session: SessionView | null): void;
  refresh(): Promise<void>;
  signOut(): Promise<void>;
  changeLocale(locale: Locale): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const syncingLocale = useRef(false);

  const syncLocale = useCallback((session: SessionView) => {
    if (session.child) return; // the child's screens follow whatever language the guardian used
    const local = storedLocale();
    if (local && local !== session.user.locale) {
      // A choice made on this device wins and is saved to the account.
      if (syncingLocale.current) return;
      syncingLocale.current = true;
      api
        .patch<SessionView>('/api/me', { locale: local })
        .then((updated) => {
          setCsrfToken(updated.csrfToken);
          setState({ status: 'ready', session: updated });
        })
        .catch(() => undefined)
        .finally(() => {
          syncingLocale.current = false;
        });
    } else if (!local && session.user.locale !== currentLocale()) {
      storeLocale(session.user.locale);
      void i18next.changeLanguage(session.user.locale);
    }
  }, []);

  const setSession = useCallback(
    (session: SessionView | null) => {
      setCsrfToken(session?.csrfToken ?? null);
      setState({ status: 'ready', session });
      if (session) syncLocale(session);
    },
    [syncLocale],
  );

  const refresh = useCallback(async () => {
    try {
      const session = await api.get<SessionView>('/api/auth/session');
      setSession(session);
    } catch (error) {
      if (isApiError(error) && error.status === 401) setSession(null);
      else setState({ status: 'error', error: isApiError(error) ? error : new ApiError(0, 'network_error', String(error)) });
    }
  }, [setSession]);

  useEffect(() => {
    void refresh();
    setAuthLostHandler(() => setSession(null));
    setChildModeHandler(() => void refresh());
    return () => {
      setAuthLostHandler(null);
      setChildModeHandler(null);
    };
  }, [refresh, setSession]);

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/auth/sign-out');
    } catch {
      // signed out locally either way
    }
    setSession(null);
  }, [setSession]);

  const session = state.status === 'ready' ? state.session : null;

  const changeLocale = useCallback(
    async (locale: Locale) => {
      storeLocale(locale);
      await i18next.changeLanguage(locale);
      if (session && !session.child && session.user.locale !== locale) {
        try {
          const updated = await api.patch<SessionView>('/api/me', { locale });
          setCsrfToken(updated.csrfToken);
          setState({ status: 'ready', session: updated });
        } catch {
          // the device keeps the choice even if the account could not be updated
        }
      }
    },
    [session],
  );

  const value = useMemo<SessionContextValue>(
    () => ({ state, session, setSession, refresh, signOut, changeLocale }),
    [state, session, setSession, refresh, signOut, changeLocale],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

export function hasRole(session: SessionView | null, ...roles: Role[]): boolean {
  return !!session && session.roles.some((r) => roles.includes(r.role));
}

export const ADMIN_ROLES: Role[] = ['district_admin', 'school_admin', 'community_admin'];
export const STAFF_ROLES: Role[] = ['district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher'];
/** Who configures the points bank's terms and rules (the server checks district scope too). */
export const POINTS_RULE_ROLES: Role[] = ['district_admin', 'centre_staff'];
/** Who offers points rewards: partners for their organisation or community, and district staff. */
export const POINTS_REWARD_ROLES: Role[] = ['district_admin', 'centre_staff', 'venue_manager', 'school_admin', 'community_admin'];
