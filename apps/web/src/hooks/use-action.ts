// A button's request (favorite, follow, delete): whether it is running, and how it failed.
import { useCallback, useState } from 'react';
import type { ApiError } from '../api/http.ts';
import { isAbort } from '../api/http.ts';
import { asApiError } from './use-request.ts';

export function useAction(run: () => Promise<void>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const perform = useCallback(async () => {
    setPending(true);
    setError(null);
    try {
      await run();
    } catch (failure) {
      if (!isAbort(failure)) setError(asApiError(failure, 'action'));
    } finally {
      setPending(false);
    }
  }, [run]);
  return { perform, pending, error };
}
