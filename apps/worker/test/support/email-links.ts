// Following the verification link in an email the worker wrote (EMAIL_FILE_DIR), as its
// recipient would: the token is read out of the .eml file and posted to the API.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { ConduitClient, RegisteredUser } from './conduit-http.ts';
import type { TestStack } from './test-stack.ts';

const LINK_TOKEN = /\/verify-email\?token=([\w-]{43})/;

export async function userIdOf(stack: TestStack, user: RegisteredUser): Promise<number> {
  const { rows } = await stack.sql.query('SELECT id FROM users WHERE username = $1', [
    user.username,
  ]);
  return rows[0].id;
}

/** The email with this delivery key, once the worker has written it. */
export async function emailWithKey(stack: TestStack, key: string): Promise<string> {
  const file = path.join(stack.emailDir, `${key}.eml`);
  await expect
    .poll(() => readFile(file, 'utf8').catch(() => ''), { timeout: 15_000 })
    .toContain('Subject:');
  return readFile(file, 'utf8');
}

/** The token of the verification link in an email (long lines arrive quoted-printable). */
export function linkToken(email: string): string {
  const decoded = email
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  const token = LINK_TOKEN.exec(decoded)?.[1];
  if (!token) throw new Error(`no verification link in:\n${email}`);
  return token;
}

/** Verifies the user's address with the link in their welcome email. */
export async function verifyFromWelcomeEmail(
  stack: TestStack,
  conduit: ConduitClient,
  user: RegisteredUser,
): Promise<void> {
  const email = await emailWithKey(stack, `welcome-${await userIdOf(stack, user)}`);
  const response = await conduit.call('POST', '/api/users/verify', {
    body: { token: linkToken(email) },
  });
  expect(response.status).toBe(204);
}
