// Actions that need an account send a signed-out visitor to sign in, and back here after.
import { useCallback } from 'react';
import { useLocation, useNavigate } from 'react-router';

/**
 * The router state for a link or redirect to /login or /register that should bring the
 * visitor back to `location` (query included) once signed in: read by src/pages/auth-page.tsx.
 */
export function signInState({ pathname, search }: { pathname: string; search: string }) {
  return { from: `${pathname}${search}` };
}

export function useSignInFirst() {
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  return useCallback(
    () => navigate('/login', { state: signInState({ pathname, search }) }),
    [navigate, pathname, search],
  );
}
