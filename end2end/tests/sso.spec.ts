import { expect, test } from '@playwright/test';
import { ADMIN, hydrated, shot, signInAs } from './helpers';

const PAT_PASSWORD = 'a long enough password for pat';

// Single sign-on through a real, certified OpenID provider (npm's oidc-provider, started
// by playwright.config.ts): its own login and consent pages, in Chromium.

/** Signs in at the provider's pages as `login` (it takes any password). */
async function atTheProvider(page: import('@playwright/test').Page, login: string) {
  await expect(page.getByRole('heading', { name: 'Sign-in' })).toBeVisible();
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Authorize' })).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('an administrator maps an identity-provider group to a built-in role', async ({ page }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Roles' }).click();
  await hydrated(page, '/roles');
  await page.getByRole('button', { name: 'Groups of Administrator' }).click();
  await expect(page.getByRole('heading', { name: 'Groups of a built-in role' })).toBeVisible();
  // Its name and permissions are fixed; only who gets it changes.
  await expect(page.getByLabel('Name')).toBeDisabled();
  const groups = page.getByLabel('Single sign-on groups');
  await expect(groups).toBeEnabled();
  await groups.fill('latchkey-admins');
  await page.getByRole('button', { name: 'Save groups' }).click();
  await expect(page.getByRole('row', { name: /Administrator/ })).toContainText(
    'Single sign-on groups: latchkey-admins',
  );
  await shot(page, testInfo, 'roles-sso-groups');
});

test('a person signs in through the identity provider and arrives with their role', async ({ page }, testInfo) => {
  await page.goto('/login');
  await hydrated(page);
  const sso = page.getByRole('link', { name: 'Sign in with Test IdP' });
  await expect(sso).toBeVisible();
  // Above the password form, inside the viewport.
  const button = (await sso.boundingBox())!;
  const email = (await page.getByLabel('Email').boundingBox())!;
  expect(button.y + button.height).toBeLessThan(email.y);
  expect(button.y + button.height).toBeLessThan(page.viewportSize()!.height);
  await shot(page, testInfo, 'sign-in-with-sso');

  await sso.click();
  await atTheProvider(page, 'alice');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('banner')).toContainText('Alice Anders');
  // Her group is mapped to Administrator: the administrators' pages are hers.
  await expect(page.getByRole('link', { name: 'Users' })).toBeVisible();
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByText('alice@example.com')).toBeVisible();
  await shot(page, testInfo, 'signed-in-with-sso');
});

test('someone in no mapped group arrives as a Member', async ({ page }) => {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  await atTheProvider(page, 'carol');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('banner')).toContainText('Carol Cho');
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
});

test('a forged answer is refused with a clear page', async ({ page }, testInfo) => {
  await page.goto('/auth/oidc/callback?code=stolen&state=forged');
  await expect(page).toHaveURL(/\/login\?failed=sso-expired$/);
  await expect(page.getByRole('alert')).toHaveText(
    'That single sign-on answer has expired or was already used. Please sign in again.',
  );
  await expect(page.getByRole('banner')).not.toContainText('Sign out');
  await shot(page, testInfo, 'sso-refused');
});

test('an unverified address does not take over an existing account', async ({ page }) => {
  // Mallory's provider account claims admin@example.com, unverified: that account exists.
  await page.goto('/login');
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  await atTheProvider(page, 'mallory');
  await expect(page).toHaveURL(/\/login\?failed=sso-unverified$/);
  await expect(page.getByRole('alert')).toContainText('has not verified that address');
});

test('the settings page requires single sign-on, keeping a break-glass account', async ({ page, browser }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  // Pat signs in with a password, made through the console's own server function.
  const roles = await (await page.request.get('/api/roles/list', { headers: { accept: 'application/json' } })).json();
  const member = roles.find((r: { name: string }) => r.name === 'Member').id;
  const made = await page.request.post('/api/users/create', {
    headers: { accept: 'application/json' },
    form: {
      'new[email]': 'pat@example.com',
      'new[display_name]': 'Pat Password',
      'new[password]': PAT_PASSWORD,
      'new[role_id]': String(member),
    },
  });
  expect(made.status()).toBe(200);
  await page.getByRole('link', { name: 'Settings' }).click();
  await hydrated(page, '/settings');
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  const required = page.getByLabel('Require single sign-on');
  await expect(required).not.toBeChecked();
  await expect(page.getByText('People sign in with Test IdP.')).toBeVisible();
  await expect(page.getByLabel('Sign out after this many minutes without use')).toHaveValue('120');

  // Turned on with nobody to let in when the provider is down: refused, naming the field.
  await required.check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  const breakGlass = page.getByLabel('Break-glass accounts');
  await expect(breakGlass).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Name at least one break-glass account')).toBeVisible();
  await shot(page, testInfo, 'settings-refused');

  await breakGlass.fill(ADMIN.email);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('The settings were saved.');
  await expect(breakGlass).not.toHaveAttribute('aria-invalid', 'true');
  await shot(page, testInfo, 'settings');

  // Someone else's right password is now refused, with the way in named.
  const other = await browser.newPage();
  await other.goto('/login');
  await hydrated(other);
  await other.getByLabel('Email').fill('pat@example.com');
  await other.getByLabel('Password', { exact: true }).fill(PAT_PASSWORD);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('alert')).toHaveText('This console requires single sign-on: use the button above.');
  // Single sign-on still lets people in.
  await other.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  await atTheProvider(other, 'carol');
  await expect(other).toHaveURL(/\/$/);
  await expect(other.getByRole('banner')).toContainText('Carol Cho');
  await other.close();

  // Back as it was, for the tests that follow.
  await required.uncheck();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('The settings were saved.');
});
