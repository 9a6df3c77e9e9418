// API problems ({ field: [messages] }) as sentences a person can act on. Fields a form shows
// next to an input are left out with `except`; everything else is said here.
import type { FieldErrors } from '../api/types.ts';

/** Problems that are not about a form field, worded for the reader. */
const SENTENCES: Record<string, (messages: string[]) => string> = {
  credentials: () => 'Email or password is incorrect.',
  network: () => 'Could not reach the server. Check your connection and try again.',
  server: () => 'The server is unavailable right now. Try again in a moment.',
  token: () => 'Your session has expired. Sign in again.',
  request: (messages) => `${capitalize(messages.join(', '))}.`,
  page: () => 'This page could not be shown.',
};

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function describeProblems(errors: FieldErrors, except: readonly string[] = []): string[] {
  return Object.entries(errors)
    .filter(([field]) => !except.includes(field))
    .map(([field, messages]) =>
      (SENTENCES[field] ?? ((list) => `${capitalize(field)} ${list.join(', ')}.`))(messages),
    );
}
