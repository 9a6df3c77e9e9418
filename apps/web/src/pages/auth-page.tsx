// Sign in (/login) and sign up (/register). The browser's own validation is off (noValidate):
// the API is the one judge of what is valid, and its answers appear next to each field.
import { type FormEvent, useRef, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import type { FieldErrors } from '../api/types.ts';
import { FormProblems, TextField, useFocusFirstProblem } from '../components/form-field.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { asApiError } from '../hooks/use-request.ts';
import { useSession } from '../session/session.tsx';

const FIELDS = ['username', 'email', 'password'] as const;

/** Where to go after signing in: back to the page that asked, if it is one of ours. */
function returnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') ? from : '/';
}

export function AuthPage({ mode }: { mode: 'login' | 'register' }) {
  const { user, api, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState({ username: '', email: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const [submitting, setSubmitting] = useState(false);
  useFocusFirstProblem(form, errors);
  const registering = mode === 'register';
  const title = registering ? 'Sign up' : 'Sign in';
  usePageTitle(title);

  if (user && !submitting) return <Navigate to={returnPath(location.state)} replace />;

  const change = (field: (typeof FIELDS)[number]) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitting(true);
    setErrors(null);
    try {
      const signedIn = registering
        ? await api.register(values)
        : await api.login({ email: values.email, password: values.password });
      signIn(signedIn);
      navigate(returnPath(location.state), { replace: true });
    } catch (error) {
      setErrors(asApiError(error, title).errors);
      setSubmitting(false);
    }
  }

  return (
    <div className="container page page--narrow">
      <h1 className="page__title">{title}</h1>
      <p className="page__subtitle">
        {registering ? (
          <Link to="/login" state={location.state}>
            Have an account?
          </Link>
        ) : (
          <Link to="/register" state={location.state}>
            Need an account?
          </Link>
        )}
      </p>
      <form ref={form} className="form" onSubmit={submit} noValidate aria-label={title}>
        <FormProblems errors={errors} fields={FIELDS} />
        {registering && (
          <TextField
            name="username"
            label="Username"
            errors={errors}
            value={values.username}
            onChange={change('username')}
            autoComplete="username"
            required
          />
        )}
        <TextField
          name="email"
          label="Email"
          type="email"
          errors={errors}
          value={values.email}
          onChange={change('email')}
          autoComplete={registering ? 'email' : 'username'}
          required
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          errors={errors}
          value={values.password}
          onChange={change('password')}
          autoComplete={registering ? 'new-password' : 'current-password'}
          hint={registering ? 'At least 8 characters.' : undefined}
          required
        />
        <button type="submit" className="button button--large" disabled={submitting}>
          {title}
        </button>
      </form>
    </div>
  );
}
