// Signing up, in and out, and what a visitor sees when the API refuses their details.
import { SESSION_STORAGE_KEY } from '../src/session/storage-key.ts';
import { createUser, expect, PASSWORD, test, unique } from './fixtures.ts';

test('when a visitor signs up, then they are signed in, and can sign out and sign in again', async ({
  page,
}) => {
  const username = unique('newcomer');
  const email = `${username}@example.com`;
  const header = page.getByRole('navigation', { name: 'Main' });

  await page.goto('/');
  await header.getByRole('link', { name: 'Sign up' }).click();
  await expect(page).toHaveURL('/register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();

  await expect(page).toHaveURL('/');
  await expect(header.getByRole('link', { name: username })).toBeVisible();
  await expect(header.getByRole('link', { name: 'Sign in' })).toHaveCount(0);

  await page.reload();
  await expect(header.getByRole('link', { name: username })).toBeVisible();

  await header.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/');
  await expect(header.getByRole('link', { name: username })).toHaveCount(0);
  await expect(
    page.evaluate((key) => localStorage.getItem(key), SESSION_STORAGE_KEY),
  ).resolves.toBeNull();

  await header.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(header.getByRole('link', { name: username })).toBeVisible();
});

test('when sign-up details are refused, then each problem is shown next to its field', async ({
  page,
  request,
}) => {
  const existing = await createUser(request, 'taken');
  await page.goto('/register');

  // 422: the API's validation names email and password.
  await page.getByLabel('Username').fill(existing.username);
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();

  const email = page.getByLabel('Email');
  const password = page.getByLabel('Password');
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(email).toHaveAccessibleDescription(/^Email must match format "email"/);
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAccessibleDescription(
    /^Password must not have fewer than 8 characters/,
  );
  await expect(page.getByLabel('Username')).not.toHaveAttribute('aria-invalid', 'true');
  // Focus lands on the first field to fix.
  await expect(email).toBeFocused();

  // 409: valid details, but the username belongs to someone else.
  await email.fill(`${unique('second')}@example.com`);
  await password.fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  const username = page.getByLabel('Username');
  await expect(username).toHaveAccessibleDescription('Username has already been taken');
  await expect(username).toBeFocused();
  await expect(email).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL('/register');
});

test('when the password is wrong, then the form says so and nobody is signed in', async ({
  page,
  request,
}) => {
  const user = await createUser(request);
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();

  const problem = page.getByRole('alert');
  await expect(problem).toHaveText('Email or password is incorrect.');
  await expect(problem).toBeFocused();
  await expect(page).toHaveURL('/login');
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: user.username }),
  ).toHaveCount(0);
});

test('when a signed-out visitor opens the editor, then they sign in first and land back there', async ({
  page,
  request,
}) => {
  const user = await createUser(request);
  await page.goto('/editor');
  await expect(page).toHaveURL('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/editor');
  await expect(page.getByRole('heading', { name: 'New article' })).toBeVisible();
});
