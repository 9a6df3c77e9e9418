// Where the link in a verification email lands (${PUBLIC_URL}/verify-email?token=...; the worker
// builds it in apps/worker/src/jobs/send-email.ts). The address is confirmed by a button, not on
// load: mail scanners that open links must not verify an address for its owner.
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { ApiError } from '../api/http.ts';
import { ErrorNotice } from '../components/status.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { asApiError } from '../hooks/use-request.ts';
import { useSession } from '../session/session.tsx';

export function VerifyEmailPage() {
  usePageTitle('Confirm your email address');
  const { api } = useSession();
  const token = useSearchParams()[0].get('token') ?? '';
  const [state, setState] = useState<'ready' | 'sending' | 'verified'>('ready');
  const [error, setError] = useState<ApiError | null>(null);

  async function confirm() {
    setState('sending');
    setError(null);
    try {
      await api.verifyEmail(token);
      setState('verified');
    } catch (failure) {
      setError(asApiError(failure, 'verify the email address'));
      setState('ready');
    }
  }

  return (
    <div className="container page page--narrow">
      <h1 className="page__title">Confirm your email address</h1>
      {state === 'verified' ? (
        <p role="status">
          Your address is confirmed. <Link to="/">Go to the home page</Link>.
        </p>
      ) : (
        <>
          {error && <ErrorNotice error={error} />}
          <button
            type="button"
            className="button button--large"
            onClick={confirm}
            disabled={state === 'sending' || token === ''}
          >
            Confirm my address
          </button>
        </>
      )}
    </div>
  );
}
