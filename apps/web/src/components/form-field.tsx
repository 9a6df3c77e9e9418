// Form inputs with their label, an optional hint, and the API's problems for that field right
// under it, tied to the input with aria-describedby so screen readers read them together.
import {
  type InputHTMLAttributes,
  type RefObject,
  type TextareaHTMLAttributes,
  useEffect,
  useId,
} from 'react';
import type { FieldErrors } from '../api/types.ts';
import { capitalize, describeProblems } from '../lib/problems.ts';

interface FieldProps {
  /** The API's name for the field: where its 422 messages are found. */
  name: string;
  label: string;
  hint?: string;
  errors: FieldErrors | null;
}

function useFieldIds({ name, hint, errors }: FieldProps) {
  const id = useId();
  const messages = errors?.[name];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = messages ? `${id}-error` : undefined;
  return {
    id,
    messages,
    hintId,
    errorId,
    describedBy: [errorId, hintId].filter(Boolean).join(' ') || undefined,
  };
}

function FieldFooter({
  label,
  hint,
  hintId,
  errorId,
  messages,
}: {
  label: string;
  hint?: string | undefined;
  hintId?: string | undefined;
  errorId?: string | undefined;
  messages?: string[] | undefined;
}) {
  return (
    <>
      {hint && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
      {messages && (
        <p id={errorId} className="field__error">
          {capitalize(label)} {messages.join(', ')}
        </p>
      )}
    </>
  );
}

export function TextField({
  name,
  label,
  hint,
  errors,
  ...input
}: FieldProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'name'>) {
  const ids = useFieldIds({ name, label, hint, errors });
  return (
    <div className="field">
      <label htmlFor={ids.id}>{label}</label>
      <input
        {...input}
        id={ids.id}
        name={name}
        aria-invalid={ids.messages ? true : undefined}
        aria-describedby={ids.describedBy}
      />
      <FieldFooter label={label} hint={hint} {...ids} />
    </div>
  );
}

export function TextAreaField({
  name,
  label,
  hint,
  errors,
  ...textarea
}: FieldProps & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'name'>) {
  const ids = useFieldIds({ name, label, hint, errors });
  return (
    <div className="field">
      <label htmlFor={ids.id}>{label}</label>
      <textarea
        {...textarea}
        id={ids.id}
        name={name}
        aria-invalid={ids.messages ? true : undefined}
        aria-describedby={ids.describedBy}
      />
      <FieldFooter label={label} hint={hint} {...ids} />
    </div>
  );
}

/** The problems a form has no field for (wrong password, too many attempts, offline). */
export function FormProblems({
  errors,
  fields,
}: {
  errors: FieldErrors | null;
  fields: readonly string[];
}) {
  const sentences = errors ? describeProblems(errors, fields) : [];
  if (sentences.length === 0) return null;
  return (
    <div className="notice notice--error" role="alert" tabIndex={-1} data-form-problems>
      {sentences.map((sentence) => (
        <p key={sentence}>{sentence}</p>
      ))}
    </div>
  );
}

/**
 * After a refused submit, moves focus to the first field with a problem (or to the form's
 * own problems), so keyboard and screen reader users land where the fix is.
 */
export function useFocusFirstProblem(
  form: RefObject<HTMLFormElement | null>,
  errors: FieldErrors | null,
) {
  useEffect(() => {
    if (errors === null) return;
    const target = form.current?.querySelector<HTMLElement>(
      '[data-form-problems], [aria-invalid="true"]',
    );
    target?.focus();
  }, [form, errors]);
}
