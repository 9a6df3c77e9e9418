// Pages for signed-in users only (settings, editor): anyone else is sent to sign in first and
// brought back afterwards.
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { signInState } from '../hooks/use-sign-in-first.ts';
import { useSession } from '../session/session.tsx';

export function RequireAuth({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const location = useLocation();
  if (user) return children;
  return <Navigate to="/login" replace state={signInState(location)} />;
}
