import { expect, test } from '@playwright/test';
import { ADMIN, hydrated, signInAs } from './helpers';
import { PORT } from '../paths';

test('a page on another port cannot make the signed-in administrator create a user', async ({ page }) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  // SameSite counts another port of the same host as the same site: the session cookie
  // goes along with this form. Only the Origin check stands in the way.
  const attacker = 'http://127.0.0.1:4455/prize';
  await page.route(attacker, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!DOCTYPE html><title>You won</title>
        <form method="post" action="http://127.0.0.1:${PORT}/api/users/create">
          <input name="new[kind]" value="human">
          <input name="new[email]" value="mallory@example.com">
          <input name="new[display_name]" value="Mallory">
          <input name="new[password]" value="a password mallory chose">
          <input name="new[role_id]" value="1">
        </form>
        <script>document.forms[0].submit()</script>`,
    }),
  );
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/users/create'));
  await page.goto(attacker);
  expect((await refused).status()).toBe(403);

  await page.goto('/users');
  await hydrated(page);
  await expect(page.getByRole('table', { name: 'Users' })).toContainText(ADMIN.email);
  await expect(page.getByRole('table', { name: 'Users' })).not.toContainText('mallory@example.com');
});

test('every page works under its Content-Security-Policy, with no violation reported', async ({ page }) => {
  const violations: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as any).__violations = [...((window as any).__violations ?? []), `${e.violatedDirective} ${e.blockedURI}`];
    });
  });
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  await signInAs(page, ADMIN.email, ADMIN.password);
  for (const path of ['/', '/tokens/new', '/users', '/roles', '/audit', '/webhooks', '/api-docs', '/account']) {
    const response = await page.goto(path);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response?.headers()['cache-control']).toBe('no-store');
    // Hydrated: the Wasm loaded and ran under the policy.
    await hydrated(page);
    violations.push(...(await page.evaluate(() => (window as any).__violations ?? [])));
  }
  // The wizard's client-side steps run too.
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('CSP check');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Access' })).toBeVisible();
  violations.push(...(await page.evaluate(() => (window as any).__violations ?? [])));
  expect(violations).toEqual([]);
});

test('the account page names each browser one is signed in with, ends one, and signs out everywhere else', async ({ page, browser }) => {
  const firefox = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
  const others = [];
  for (const userAgent of [firefox, iphone]) {
    const context = await browser.newContext({ userAgent });
    const other = await context.newPage();
    await signInAs(other, ADMIN.email, ADMIN.password);
    others.push({ context, page: other });
  }

  await signInAs(page, ADMIN.email, ADMIN.password);
  await page.goto('/account');
  await hydrated(page);
  const sessions = page.getByRole('table', { name: 'Sessions' });
  await expect(sessions).toContainText('this browser');
  // Browsers and systems by name, the raw string only on hover.
  await expect(sessions.getByRole('cell', { name: 'Firefox on Windows', exact: true })).toHaveAttribute('title', firefox);
  await expect(sessions.getByRole('cell', { name: 'Safari on iOS', exact: true })).toBeVisible();
  await expect(sessions).not.toContainText('Mozilla/5.0');
  await page.getByRole('button', { name: 'End the session in Firefox on Windows' }).click();
  await expect(sessions).not.toContainText('Firefox on Windows');
  await others[0].page.goto('/');
  await expect(others[0].page).toHaveURL(/\/login$/);

  // Every other browser at once; this one stays signed in.
  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Signed out of' })).toHaveText(/^Signed out of \d+ other sessions?\.$/);
  await expect(sessions).not.toContainText('Safari on iOS');
  await others[1].page.goto('/');
  await expect(others[1].page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
  for (const { context } of others) await context.close();
});

test('changing the password says, under the field and in place, that the two new ones differ', async ({ page }) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  await page.goto('/account');
  await hydrated(page);
  await page.getByLabel('Current password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByLabel('New password, again', { exact: true }).fill('another passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('#confirm_password-error')).toHaveText('The two new passwords differ.');
  // The form was sent by the page, not posted by the browser: what was typed is still there.
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByLabel('New password', { exact: true })).toHaveValue('a brand new passphrase');
});
