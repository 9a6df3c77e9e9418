// Actions that need an account send a signed-out visitor to sign in, and back here after.
import { useCallback } from 'react';
import { useLocation, useNavigate } from 'react-router';

export function useSignInFirst() {
  const navigate = useNavigate();
  const location = useLocation();
  return useCallback(
    () => navigate('/login', { state: { from: `${location.pathname}${location.search}` } }),
    [navigate, location.pathname, location.search],
  );
}
