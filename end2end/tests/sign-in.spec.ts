import { expect, test } from '@playwright/test';
import { ADMIN, hydrated, shot, signIn } from './helpers';

test('a page that needs a session redirects to sign-in', async ({ page }, testInfo) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await shot(page, testInfo, 'sign-in');
});

test('the page is hydrated: the Show button reveals and hides the password', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  const password = page.getByLabel('Password', { exact: true });
  await password.fill('visible for a moment');
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await expect(page.getByRole('button', { name: 'Hide' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Hide' }).click();
  await expect(password).toHaveAttribute('type', 'password');
});

test('a wrong password and an unknown email get the same message', async ({ page }, testInfo) => {
  await signIn(page, ADMIN.email, 'not the right password');
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(/\/login$/);
  await shot(page, testInfo, 'sign-in-wrong-password');

  await signIn(page, 'nobody@example.com', ADMIN.password);
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
});

test('signing in opens the console; signing out closes it', async ({ page }, testInfo) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('banner')).toContainText(ADMIN.name);

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  await expect(page.getByText(ADMIN.email)).toBeVisible();
  await shot(page, testInfo, 'account');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('banner')).not.toContainText(ADMIN.name);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});
