// Loading data for a page, with the three states every request can be in. A new `key` (a new
// URL, another signed-in user) starts a new load and cancels the one in flight, so a slow old
// answer never overwrites a newer one.
import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { ApiError, isAbort } from '../api/http.ts';

export type Loadable<T> =
  | { status: 'loading' }
  | { status: 'failed'; error: ApiError }
  | { status: 'loaded'; data: T };

export interface Request<T> {
  state: Loadable<T>;
  /** Loads again (the "Try again" button of an error state). */
  retry: () => void;
  /** Changes the loaded data in place, after an action the API confirmed. */
  update: (change: (data: T) => T) => void;
}

export function useRequest<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Request<T> {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const runLoad = useEffectEvent(load);
  const requestKey = `${key}#${attempt}`;

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    runLoad(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: 'loaded', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        setState({ status: 'failed', error: asApiError(error, requestKey) });
      },
    );
    return () => controller.abort();
  }, [requestKey]);

  const retry = useCallback(() => setAttempt((count) => count + 1), []);
  const update = useCallback(
    (change: (data: T) => T) =>
      setState((current) =>
        current.status === 'loaded' ? { status: 'loaded', data: change(current.data) } : current,
      ),
    [],
  );
  return { state, retry, update };
}

/** Any other failure is a bug of the page; it is logged and shown like a failed request. */
export function asApiError(error: unknown, context: string): ApiError {
  if (error instanceof ApiError) return error;
  console.error(`unexpected failure (${context})`, error);
  return new ApiError(0, { page: ['could not be shown'] });
}
