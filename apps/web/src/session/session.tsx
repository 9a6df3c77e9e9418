// Who is signed in, and the API as that user. The user (with its JWT) is kept in
// localStorage, as the RealWorld front-end spec asks, so reloads and new tabs stay signed in.
import {
  createContext,
  type ReactNode,
  use,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { type Conduit, createConduit } from '../api/conduit.ts';
import { createHttpClient } from '../api/http.ts';
import type { User } from '../api/types.ts';
import { SESSION_STORAGE_KEY } from './storage-key.ts';

interface Session {
  user: User | null;
  /** The API, acting as `user` (or anonymously). */
  api: Conduit;
  signIn: (user: User) => void;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

function readStoredUser(): User | null {
  try {
    const stored = localStorage.getItem(SESSION_STORAGE_KEY);
    return stored ? (JSON.parse(stored) as User) : null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState(readStoredUser);
  // The token whose user was last confirmed by the API (a login answer, or GET /user).
  const confirmedToken = useRef<string | null>(null);

  const signIn = useCallback((next: User) => {
    confirmedToken.current = next.token;
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(next));
    setUser(next);
  }, []);
  const signOut = useCallback(() => {
    confirmedToken.current = null;
    localStorage.removeItem(SESSION_STORAGE_KEY);
    setUser(null);
  }, []);

  const token = user?.token ?? null;
  const api = useMemo(
    () => createConduit(createHttpClient({ token, onUnauthorized: signOut })),
    [token, signOut],
  );

  // A stored user may be stale (edited in another browser) or its token expired: ask the API
  // once per token. A 401 signs out through onUnauthorized; offline, the stored copy stays.
  // The token counts as confirmed only once the API answers (signIn records it): marked any
  // earlier, StrictMode's second run would skip the check its first run's cleanup aborted.
  useEffect(() => {
    if (token === null || confirmedToken.current === token) return;
    const controller = new AbortController();
    api.currentUser(controller.signal).then(signIn, () => {});
    return () => controller.abort();
  }, [api, token, signIn]);

  // Another tab signed in or out: follow it, so two tabs never act as two different users.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === SESSION_STORAGE_KEY || event.key === null) setUser(readStoredUser());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const session = useMemo(() => ({ user, api, signIn, signOut }), [user, api, signIn, signOut]);
  return <SessionContext value={session}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = use(SessionContext);
  if (session === null) throw new Error('useSession needs a <SessionProvider> above it');
  return session;
}
