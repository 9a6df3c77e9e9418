// The states every request passes through, worded and styled the same everywhere.
import type { ReactNode } from 'react';
import type { ApiError } from '../api/http.ts';
import { describeProblems } from '../lib/problems.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p className="status status--loading" role="status">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status status--empty">{children}</p>;
}

export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div className="notice notice--error" role="alert">
      {describeProblems(error.errors).map((sentence) => (
        <p key={sentence}>{sentence}</p>
      ))}
      {onRetry && (
        <button type="button" className="button button--small button--outline" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A button's failed request (favorite, follow, delete), said right next to the button. */
export function ActionError({ error }: { error: ApiError | null }) {
  if (error === null) return null;
  return (
    <span className="inline-error" role="alert">
      {describeProblems(error.errors).join(' ')}
    </span>
  );
}
