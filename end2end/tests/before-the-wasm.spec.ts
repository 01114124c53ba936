import { expect, test } from '@playwright/test';
import { ADMIN, closeReveal, generateToken, hydrated, shot, signInAs } from './helpers';

test('nothing a person does before the Wasm arrives is lost: typed filter text is kept, boxes wait visibly, Revoke still asks', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  await signInAs(page, ADMIN.email, ADMIN.password);
  await generateToken(page, { name: 'Slow link inventory sync' });
  await closeReveal(page);

  // A slow link: the Wasm takes three seconds to arrive.
  await page.route('**/pkg/*.wasm', async (route) => {
    await new Promise((done) => setTimeout(done, 3_000));
    await route.continue();
  });
  await page.goto('/', { waitUntil: 'commit' });
  const filter = page.getByLabel('Filter by name, or paste a token to find it');
  await expect(filter).toBeVisible();
  expect(await page.locator('body').getAttribute('data-hydrated')).toBeNull();
  // The boxes that need the Wasm are visibly inert, so a tick cannot vanish.
  const box = page.getByRole('checkbox', { name: 'Select Slow link inventory sync' });
  await expect(box).toBeDisabled();
  await shot(page, testInfo, 'list-before-the-wasm');
  await filter.pressSequentially('Slow link');
  expect(await page.locator('body').getAttribute('data-hydrated'), 'typed before the Wasm arrived').toBeNull();

  // Once it arrives, the typed text stays and filters the list.
  await hydrated(page, '/');
  await expect(filter).toHaveValue('Slow link');
  await expect(page).toHaveURL(/\?q=Slow(\+|%20)link$/);
  await expect(page.getByRole('row')).toHaveCount(2);
  await expect(box).toBeEnabled();

  // A Revoke click before the Wasm arrives leads to the same question on a page.
  await page.goto('/', { waitUntil: 'commit' });
  await page.getByRole('button', { name: 'Revoke Slow link inventory sync' }).click();
  await expect(page).toHaveURL(/\/tokens\/[0-9A-Za-z]{12}\/revoke\??$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Revoke “Slow link inventory sync”?');
  await expect(page.getByText('will be refused (401 Unauthorized) from its next request')).toBeVisible();
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('signing in, filtering the list and a confirmed revoke work as plain pages', async ({ page, browser, request }, testInfo) => {
    // The token to revoke is made in a browser that runs scripts.
    const helper = await browser.newPage({ javaScriptEnabled: true });
    await signInAs(helper, ADMIN.email, ADMIN.password);
    const token = await generateToken(helper, { name: 'No-script nightly export' });
    await closeReveal(helper);
    await helper.close();

    // A wrong password is said so, on the sign-in page.
    await page.goto('/login');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/login\?failed=credentials$/);
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();

    // The filter is a form: Enter asks the server for the narrowed list.
    const filter = page.getByLabel('Filter by name, or paste a token to find it');
    await filter.fill('No-script');
    await filter.press('Enter');
    await expect(page).toHaveURL(/\?q=No-script/);
    const row = page.getByRole('row', { name: /No-script nightly export/ });
    await expect(row).toBeVisible();
    await expect(page.getByRole('row')).toHaveCount(2);
    await expect(page.getByRole('button', { name: 'Filter' })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('no-script-list.png'), fullPage: true });

    // Revoke asks first, on a page of its own; confirming revokes it.
    await row.getByRole('button', { name: 'Revoke No-script nightly export' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Revoke “No-script nightly export”?');
    expect((await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(200);
    await page.screenshot({ path: testInfo.outputPath('no-script-revoke.png'), fullPage: true });
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('row', { name: /No-script nightly export/ })).toContainText('revoked');
    expect((await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(401);
  });
});
