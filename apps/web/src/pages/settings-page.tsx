// The signed-in user's settings: picture, username, bio, email, password; and signing out.
import { type FormEvent, startTransition, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { FieldErrors, User, UserChanges } from '../api/types.ts';
import {
  FormProblems,
  TextAreaField,
  TextField,
  useFocusFirstProblem,
} from '../components/form-field.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { asApiError } from '../hooks/use-request.ts';
import { useSession } from '../session/session.tsx';

const FIELDS = ['image', 'username', 'bio', 'email', 'password'] as const;
type Field = (typeof FIELDS)[number];

function formOf(user: User): Record<Field, string> {
  return {
    image: user.image ?? '',
    username: user.username,
    bio: user.bio ?? '',
    email: user.email,
    password: '',
  };
}

/** Only what changed is sent; an emptied picture or bio becomes null, "none". */
function changesOf(user: User, values: Record<Field, string>): UserChanges {
  const changes: UserChanges = {};
  if (values.image.trim() !== (user.image ?? '')) changes.image = values.image.trim() || null;
  if (values.username !== user.username) changes.username = values.username;
  if (values.bio !== (user.bio ?? '')) changes.bio = values.bio || null;
  if (values.email !== user.email) changes.email = values.email;
  if (values.password !== '') changes.password = values.password;
  return changes;
}

export function SettingsPage() {
  const { user, api, signIn, signOut } = useSession();
  const navigate = useNavigate();
  const form = useRef<HTMLFormElement>(null);
  // RequireAuth renders this page for signed-in users only.
  const current = user as User;
  // The user the form was filled from, which changes are measured against. The session's user
  // can be replaced after that (the GET /user check at start-up); measured against it, an
  // untouched field would be sent, putting back the older value the form still shows.
  const [base, setBase] = useState(current);
  const [values, setValues] = useState(() => formOf(current));
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  useFocusFirstProblem(form, errors);
  usePageTitle('Settings');

  const change = (field: Field) => (event: { target: { value: string } }) => {
    setSaved(false);
    setValues((previous) => ({ ...previous, [field]: event.target.value }));
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const changes = changesOf(base, values);
    if (Object.keys(changes).length === 0) {
      setSaved(true);
      return;
    }
    setSaving(true);
    setErrors(null);
    setSaved(false);
    try {
      const updated = await api.updateUser(changes);
      signIn(updated);
      setBase(updated);
      setValues(formOf(updated));
      setSaved(true);
    } catch (error) {
      setErrors(asApiError(error, 'update settings').errors);
    } finally {
      setSaving(false);
    }
  }

  // One transition for both: signing out first would let this page, still on screen for a
  // moment, send the now signed-out visitor to /login.
  function signOutNow() {
    startTransition(() => {
      signOut();
      navigate('/');
    });
  }

  return (
    <div className="container page page--narrow">
      <h1 className="page__title">Your settings</h1>
      <form ref={form} className="form" onSubmit={submit} noValidate aria-label="Your settings">
        <FormProblems errors={errors} fields={FIELDS} />
        <TextField
          name="image"
          label="Picture URL"
          type="url"
          errors={errors}
          value={values.image}
          onChange={change('image')}
          hint="An https address of a square image. Leave empty for none."
        />
        <TextField
          name="username"
          label="Username"
          errors={errors}
          value={values.username}
          onChange={change('username')}
          autoComplete="username"
          required
        />
        <TextAreaField
          name="bio"
          label="Bio"
          rows={5}
          errors={errors}
          value={values.bio}
          onChange={change('bio')}
        />
        <TextField
          name="email"
          label="Email"
          type="email"
          errors={errors}
          value={values.email}
          onChange={change('email')}
          autoComplete="email"
          required
        />
        <TextField
          name="password"
          label="New password"
          type="password"
          errors={errors}
          value={values.password}
          onChange={change('password')}
          autoComplete="new-password"
          hint="Leave empty to keep your password."
        />
        <div className="form__actions">
          <button type="submit" className="button button--large" disabled={saving}>
            Update settings
          </button>
          <p className="form__status" role="status">
            {saved && (
              <>
                Settings saved.{' '}
                <Link to={`/profile/${encodeURIComponent(current.username)}`}>
                  See your profile
                </Link>
              </>
            )}
          </p>
        </div>
      </form>
      <hr className="rule" />
      <button type="button" className="button button--outline-danger" onClick={signOutNow}>
        Sign out
      </button>
    </div>
  );
}
