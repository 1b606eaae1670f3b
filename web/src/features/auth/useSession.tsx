import {
  createContext,
  use,
  useCallback,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { api, onUnauthorized, toApiError, type ApiError, type User } from '../../api/client';
import { forgetLocalCopies } from '../../sync/localCopies';

/** Who is using the app, as far as the server has told us. */
export type SessionState =
  | { status: 'loading' }
  | { status: 'signedOut' }
  | { status: 'signedIn'; user: User }
  | { status: 'error'; error: ApiError };

export interface Session {
  state: SessionState;
  /** Records the user the server returned from signup or login. */
  signedIn: (user: User) => void;
  /** Replaces the current user's details after a profile change. */
  userChanged: (user: User) => void;
  logOut: () => Promise<void>;
  retry: () => void;
}

const SessionContext = createContext<Session | null>(null);

/** Asks the server who we are (GET /api/me) and tracks the answer for the whole app. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api.me.get(controller.signal).then(
      (user) => {
        setState({ status: 'signedIn', user });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const apiError = toApiError(error);
        setState(
          apiError.status === 401 ? { status: 'signedOut' } : { status: 'error', error: apiError },
        );
      },
    );
    return () => {
      controller.abort();
    };
  }, [attempt]);

  // A 401 from any later request means the session expired or was revoked elsewhere.
  useEffect(
    () =>
      onUnauthorized(() => {
        setState({ status: 'signedOut' });
      }),
    [],
  );

  const signedIn = useCallback((user: User) => {
    setState({ status: 'signedIn', user });
  }, []);

  const userChanged = useCallback((user: User) => {
    setState((current) => (current.status === 'signedIn' ? { status: 'signedIn', user } : current));
  }, []);

  const userId = state.status === 'signedIn' ? state.user.id : null;
  const logOut = useCallback(async () => {
    try {
      await api.auth.logout();
    } catch (error) {
      // A session that already ended (401) is as logged out as it gets.
      if (toApiError(error).status !== 401) throw error;
    }
    // Whoever signs in next on this browser must not read, or send on, this person's copies.
    if (userId) await forgetLocalCopies(userId);
    setState({ status: 'signedOut' });
  }, [userId]);

  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  const session = useMemo(
    () => ({ state, signedIn, userChanged, logOut, retry }),
    [state, signedIn, userChanged, logOut, retry],
  );
  return <SessionContext value={session}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = use(SessionContext);
  if (!session) throw new Error('useSession must be used inside <SessionProvider>');
  return session;
}

/** The signed-in user; only for pages the router shows to signed-in users. */
export function useCurrentUser(): User {
  const { state } = useSession();
  if (state.status !== 'signedIn') throw new Error('useCurrentUser needs a signed-in session');
  return state.user;
}
