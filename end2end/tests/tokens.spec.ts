import * as fs from 'fs';
import { expect, test } from '@playwright/test';
import { ADMIN, closeReveal, generateToken, hydrated, shot, signInAs, tabTo } from './helpers';

test.beforeEach(async ({ page }) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
});

test('the wizard generates a token that is shown once, masked, and copied exactly', async ({ page, context, request }, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('link', { name: 'Generate token' }).first().click();
  await hydrated(page);

  // 1. Details
  await expect(page.getByRole('heading', { name: 'Details' })).toBeVisible();
  await shot(page, testInfo, 'wizard-1-details');
  await page.getByLabel('Name').fill('SAP Integration');
  await page.getByLabel('Description').fill('Nightly order sync from SAP');
  await page.getByRole('button', { name: 'Next' }).click();

  // 2. Access: modules as None / Read / Write
  await expect(page.getByRole('heading', { name: 'Access' })).toBeVisible();
  await page.getByRole('radio', { name: 'users: Read' }).check();
  await page.getByRole('radio', { name: 'audit: Read' }).check();
  await shot(page, testInfo, 'wizard-2-access');
  // Back keeps what was entered.
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByLabel('Name')).toHaveValue('SAP Integration');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('radio', { name: 'users: Read' })).toBeChecked();
  await page.getByRole('button', { name: 'Next' }).click();

  // 3. Expiry: a preset
  await page.getByRole('radio', { name: 'in 30 days' }).check();
  await expect(page.getByText(/Expires on .* \(in 30 days\)/)).toBeVisible();
  await shot(page, testInfo, 'wizard-3-expiry');
  await page.getByRole('button', { name: 'Next' }).click();

  // 4. Review
  await expect(page.getByRole('heading', { name: 'Review' })).toBeVisible();
  await expect(page.getByText('SAP Integration')).toBeVisible();
  await shot(page, testInfo, 'wizard-4-review');
  await page.getByRole('button', { name: 'Generate token' }).click();

  // Reveal: masked by default, the eye shows and hides it
  const field = page.getByLabel('Your new API token');
  await expect(field).toHaveValue(/^lk_[0-9A-Za-z]{12}_•+$/);
  await shot(page, testInfo, 'reveal-masked');
  await page.getByRole('button', { name: 'Show token' }).click();
  const token = await field.inputValue();
  expect(token).toMatch(/^lk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
  await expect(page.locator('pre.code')).toContainText(`Bearer ${token}`);
  await shot(page, testInfo, 'reveal-visible');
  await page.getByRole('button', { name: 'Hide token' }).click();
  await expect(field).toHaveValue(/•/);

  // Copy puts the exact token on the clipboard
  await page.getByRole('button', { name: 'Copy as an environment line' }).click();
  await expect(page.getByRole('button', { name: 'Copied as LATCHKEY_TOKEN=…' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`LATCHKEY_TOKEN=${token}`);
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Copied', exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  // "Copied" is said for a moment, then the button offers to copy again.
  await expect(page.getByRole('button', { name: 'Copy', exact: true })).toBeVisible({ timeout: 5_000 });

  // Copied, so Done closes without asking; the list shows it masked, never used
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
  const publicId = token.slice(3, 15);
  const row = page.getByRole('row', { name: /SAP Integration/ });
  await expect(row).toContainText(`lk_${publicId}_••••••`);
  await expect(row).not.toContainText(token.slice(16));
  await expect(row).toContainText('never');
  await expect(row).toContainText('in 30 days');
  await expect(row).toContainText('active');
  await shot(page, testInfo, 'tokens-list');

  // The token works, and its use shows in the list
  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).token.name).toBe('SAP Integration');
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('row', { name: /SAP Integration/ })).toContainText('just now', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
});

test('a date from the calendar and "no expiry" both work, and closing unsaved asks first', async ({ page }, testInfo) => {
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Quarter-end export');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'audit: Read' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'on a date' }).check();
  const inTenDays = new Date(Date.now() + 10 * 86400_000).toISOString().slice(0, 10);
  await page.getByLabel('Expiry date').fill(inTenDays);
  const [year, month, day] = inTenDays.split('-').map(Number);
  const monthName = new Date(Date.UTC(year, month - 1, 15)).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  await expect(page.getByText(`Expires on ${day} ${monthName} ${year}, 23:59 UTC (in 10 days).`)).toBeVisible();
  await shot(page, testInfo, 'wizard-calendar');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Generate token' }).click();
  await expect(page.getByLabel('Your new API token')).toHaveValue(/^lk_/);
  // Never copied: closing asks
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('You have not copied the token');
  await shot(page, testInfo, 'reveal-close-unsaved');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('alertdialog')).toBeHidden();
  await closeReveal(page);
  await expect(page.getByRole('row', { name: /Quarter-end export/ })).toContainText('in 10 days');

  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Legacy script');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'users: Read' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'never' }).check();
  await expect(page.getByRole('note')).toContainText('never expires works until someone revokes it');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Generate token' }).click();
  await closeReveal(page);
  const row = page.getByRole('row', { name: /Legacy script/ });
  await expect(row.getByRole('cell').nth(5)).toHaveText('never'); // Last used
});

test('the wizard refuses a duplicate name and a past date', async ({ page }, testInfo) => {
  await generateToken(page, { name: 'Duplicate me' });
  await closeReveal(page);
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('duplicate ME');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('alert')).toContainText('already has a live token named');
  await expect(page.getByRole('heading', { name: 'Details' })).toBeVisible();
  await shot(page, testInfo, 'wizard-duplicate-name');

  await page.getByLabel('Name').fill('Yesterday');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'users: Read' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'on a date' }).check();
  const yesterday = new Date(Date.now() - 86400_000).toISOString().slice(0, 10);
  await page.getByLabel('Expiry date').fill(yesterday);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Expiry' })).toBeVisible();
  // Said once, under the field, and gone as soon as a valid choice is made.
  await expect(page.getByText('The expiry must lie in the future.')).toHaveCount(1);
  await expect(page.getByRole('alert')).toContainText('The expiry must lie in the future.');
  await shot(page, testInfo, 'wizard-past-date');
  await page.getByRole('radio', { name: 'in 30 days' }).check();
  await expect(page.getByText('The expiry must lie in the future.')).toHaveCount(0);
});

test('filtering by name narrows the list as you type and survives a reload', async ({ page }, testInfo) => {
  await generateToken(page, { name: 'Power BI Reporting', module: 'audit' });
  await closeReveal(page);
  await page.getByLabel('Filter by name').fill('power');
  await expect(page).toHaveURL(/\?q=power/);
  await expect(page.getByRole('row', { name: /Power BI Reporting/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /SAP Integration/ })).toHaveCount(0);
  await shot(page, testInfo, 'tokens-filtered');
  // The filtered list exports as CSV, masked.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('latchkey-tokens.csv');
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\r\n');
  expect(csv[0]).toBe('name,token,owner,owner_email,scopes,created_at,last_used_at,expires_at,status');
  expect(csv).toHaveLength(2);
  expect(csv[1]).toMatch(/^Power BI Reporting,lk_[0-9A-Za-z]{12}_••••••,/);
  await page.reload();
  await expect(page.getByLabel('Filter by name')).toHaveValue('power');
  await expect(page.getByRole('row', { name: /SAP Integration/ })).toHaveCount(0);
  await page.getByLabel('Filter by name').fill('no such token');
  await expect(page.getByText('No token matches this filter.')).toBeVisible();
});

test('tokens that expire within a week are flagged, and the home page counts them', async ({ page }, testInfo) => {
  await generateToken(page, { name: 'Weekly Export', expiry: '7 days' });
  await closeReveal(page);
  await expect(page.getByRole('row', { name: /Weekly Export/ })).toContainText('expires soon');
  // A token admin is told of every token, hers among them.
  const banner = page.getByRole('status').filter({ hasText: 'within 7 days' });
  await expect(banner).toContainText(/\d+ tokens? (\([^)]*yours\) )?expires? within 7 days/);
  await shot(page, testInfo, 'tokens-expiring-soon');
  await banner.getByRole('link', { name: 'Show them' }).click();
  await expect(page).toHaveURL(/status=expiring&sort=expires/);
  // The status filter says what is shown: only tokens that stop within the week.
  const filter = page.getByLabel('Status');
  await expect(filter.locator('option:checked')).toHaveText('expiring soon');
  await expect(page.getByRole('row').nth(1)).toContainText('Weekly Export');
  for (const row of await page.getByRole('row').all()) {
    if (await row.locator('td').count()) await expect(row).toContainText('expires soon');
  }
  // It offers every state a token can be in, rolling over among them.
  await expect(filter.locator('option')).toHaveText(['All statuses', 'active', 'expiring soon', 'rolling over', 'expired', 'revoked']);
  await filter.selectOption({ label: 'rolling over' });
  await expect(page).toHaveURL(/status=rolling/);
  await expect(page.getByText('No token matches this filter.').or(page.getByRole('table', { name: 'API tokens' }))).toBeVisible();
  for (const row of await page.getByRole('row').all()) {
    if (await row.locator('td').count()) await expect(row).toContainText('rolling over');
  }
});

test('pasting a leaked token finds it, and its secret stays in the clipboard', async ({ page }, testInfo) => {
  const token = await generateToken(page, { name: 'Leaky Script' });
  await closeReveal(page);
  const publicId = token.slice(3, 15);
  const secret = token.slice(16);
  await page.getByLabel('Filter by name').fill(token);
  // The box keeps the masked form; only the public id is looked up.
  await expect(page.getByLabel('Filter by name')).toHaveValue(`lk_${publicId}_••••••`);
  await expect(page.getByRole('row', { name: /Leaky Script/ })).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(2); // the header and the token
  expect(page.url()).not.toContain(secret);
  await shot(page, testInfo, 'tokens-found-by-pasting');
});

test('revoking asks for confirmation, and the token then gets 401', async ({ page, request }, testInfo) => {
  const token = await generateToken(page, { name: 'WMS Connector' });
  await closeReveal(page);
  expect((await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(200);
  // Uses are recorded every few seconds: wait until the list shows this one.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('row', { name: /WMS Connector/ }).locator('td[data-label="Last used"]')).toHaveText('just now', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(page, '/');

  await page.getByRole('button', { name: 'Revoke WMS Connector' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('Revoke “WMS Connector”?');
  await expect(dialog).toContainText(`lk_${token.slice(3, 15)}_••••••`);
  await shot(page, testInfo, 'revoke-dialog');
  // The focus is inside the dialog, on Cancel, and Tab goes round inside it.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Revoke token' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Revoke token' })).toBeFocused();
  // Escape closes it, and the focus returns to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Revoke WMS Connector' })).toBeFocused();
  await expect(page.getByRole('row', { name: /WMS Connector/ })).toContainText('active');

  await page.getByRole('button', { name: 'Revoke WMS Connector' }).click();
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('row', { name: /WMS Connector/ })).toContainText('revoked');
  // The receipt: every running instance (here the one) confirmed dropping it.
  await expect(page.getByRole('status').filter({ hasText: 'was revoked' })).toContainText(
    /“WMS Connector” was revoked: stopped everywhere \(1 of 1 server\) in [\d.]+ ms; a client used it in the last 7 days and is refused from now on\./,
  );
  await shot(page, testInfo, 'revoke-receipt');
  const after = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
  expect(after.headers()['www-authenticate']).toContain('invalid_token');

  // The detail view shows everything but the secret, and its events.
  await page.getByRole('link', { name: 'WMS Connector' }).click();
  await expect(page.getByRole('heading', { name: 'WMS Connector' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Events' })).toContainText('token.revoked');
  await expect(page.getByRole('table', { name: 'Events' })).toContainText('token.created');
  // Its requests per day, drawn by the server.
  const chart = page.getByRole('img', { name: /^Requests per day: / });
  await expect(chart).toBeVisible();
  await expect.poll(() => chart.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await shot(page, testInfo, 'token-detail');
});

test('columns sort the list, and several tokens are revoked in one confirmed step', async ({ page, request }, testInfo) => {
  const alpha = await generateToken(page, { name: 'Batch Alpha', expiry: '90 days' });
  await closeReveal(page);
  const beta = await generateToken(page, { name: 'Batch Beta', expiry: '7 days' });
  await closeReveal(page);
  await page.getByLabel('Filter by name').fill('batch');
  await expect(page).toHaveURL(/\?q=batch/);
  const names = () => page.locator('tbody tr td:nth-child(2) a').allTextContents(); // each token's name
  await expect.poll(names).toEqual(['Batch Beta', 'Batch Alpha']);
  const created = page.getByRole('columnheader', { name: 'Created' });
  await expect(created).toHaveAttribute('aria-sort', 'descending');
  // Created again: oldest first. Expires: soonest first. Both kept in the address.
  await page.getByRole('button', { name: 'Created' }).click();
  await expect(page).toHaveURL(/sort=oldest/);
  await expect(created).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(names).toEqual(['Batch Alpha', 'Batch Beta']);
  await page.getByRole('button', { name: 'Expires' }).click();
  await expect(page).toHaveURL(/sort=expires/);
  await expect(page.getByRole('columnheader', { name: 'Expires' })).toHaveAttribute('aria-sort', 'ascending');
  await expect(created).toHaveAttribute('aria-sort', 'none');
  await expect.poll(names).toEqual(['Batch Beta', 'Batch Alpha']);

  // Each row charts its requests of the last 30 days: an image the server draws.
  const chart = page.getByRole('row', { name: /Batch Alpha/ }).getByRole('img', { name: '0 requests in the last 30 days' });
  await expect(chart).toBeVisible();
  await expect.poll(() => chart.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(119);

  await page.getByRole('checkbox', { name: 'Select Batch Alpha' }).check();
  await expect(page.getByRole('region', { name: 'Selected tokens' })).toContainText('1 token selected');
  await page.getByRole('checkbox', { name: 'Select every token on this page that can be revoked' }).check();
  await expect(page.getByRole('region', { name: 'Selected tokens' })).toContainText('2 tokens selected');
  await shot(page, testInfo, 'tokens-selected');
  await page.getByRole('button', { name: 'Revoke selected' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('Revoke 2 tokens?');
  await expect(dialog).toContainText('Batch Alpha');
  await expect(dialog).toContainText(`lk_${beta.slice(3, 15)}_••••••`);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shot(page, testInfo, 'revoke-selected-dialog');
  await dialog.getByRole('button', { name: 'Revoke tokens' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'were revoked' })).toContainText(
    /2 tokens were revoked: stopped everywhere \(1 of 1 server\) in [\d.]+ ms\./,
  );
  await expect(page.getByRole('row', { name: /Batch Alpha/ })).toContainText('revoked');
  await expect(page.getByRole('row', { name: /Batch Beta/ })).toContainText('revoked');
  await expect(page.getByRole('region', { name: 'Selected tokens' })).toHaveText('Tick tokens to revoke several at once.');
  for (const token of [alpha, beta]) {
    const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status()).toBe(401);
  }
});

test('the wizard can be completed with the keyboard alone', async ({ page }) => {
  await page.goto('/tokens/new');
  await hydrated(page);
  await tabTo(page, page.getByLabel('Name'));
  await page.keyboard.type('Keyboard only');
  await page.keyboard.press('Enter');
  // Each step's heading takes the focus, and Tab goes on from there.
  await expect(page.getByRole('heading', { name: 'Access' })).toBeFocused();
  const usersNone = page.getByRole('radio', { name: 'users: None' });
  await tabTo(page, usersNone);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'users: Read' })).toBeChecked();
  await tabTo(page, page.getByRole('button', { name: 'Next' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Expiry' })).toBeFocused();
  await tabTo(page, page.getByRole('button', { name: 'Next' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByRole('button', { name: 'Generate token' }));
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Your new API token')).toHaveValue(/^lk_/);
  await tabTo(page, page.getByRole('button', { name: 'Copy', exact: true }));
});

test('on a desktop the list shows every column that matters without scrolling', async ({ page }, testInfo) => {
  await generateToken(page, { name: 'Warehouse Management System nightly sync', module: 'users', access: 'Write' });
  await closeReveal(page);
  const row = page.getByRole('row', { name: /Warehouse Management System nightly sync/ });
  for (const width of [1280, 1440, 1920]) {
    await page.setViewportSize({ width, height: 800 });
    await expect(row).toBeVisible();
    const cells = row.getByRole('cell');
    const onScreen = [
      ['name', row.getByRole('link', { name: 'Warehouse Management System nightly sync' })],
      ['status', row.getByText('active', { exact: true })],
      ['last used', cells.nth(5)],
      ['expiry', cells.nth(6)],
      ['revoke', row.getByRole('button', { name: 'Revoke Warehouse Management System nightly sync' })],
    ] as const;
    for (const [what, element] of onScreen) {
      const box = (await element.boundingBox())!;
      expect(box.x, `${what} at ${width} px`).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, `${what} at ${width} px`).toBeLessThanOrEqual(width);
    }
    await expect(cells.nth(5)).toHaveText('never');
    // Nothing hides to the right: neither the table's card nor the page scrolls sideways.
    const card = page.getByRole('region', { name: 'API tokens table' });
    const overflow = await card.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow, `the table scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(pageWidth).toBeLessThanOrEqual(width);
    if (width === 1280) await shot(page, testInfo, 'tokens-list-1280');
  }
});

test('the list keeps its place while ticking, shows a partial selection, flags "never", and a fruitless filter can be cleared', async ({ page }, testInfo) => {
  await generateToken(page, { name: 'Forever reporting feed', expiry: 'never' });
  await closeReveal(page);
  await generateToken(page, { name: 'Short-lived loader' });
  await closeReveal(page);
  await hydrated(page, '/');

  // Ticking a token changes the bar's words; the table stays where it was.
  const table = page.getByRole('region', { name: 'API tokens table' });
  const before = (await table.boundingBox())!.y;
  await page.getByRole('checkbox', { name: 'Select Short-lived loader' }).check();
  await expect(page.getByRole('region', { name: 'Selected tokens' })).toContainText('1 token selected');
  expect((await table.boundingBox())!.y, 'the table moved when a token was ticked').toBe(before);
  const all = page.getByRole('checkbox', { name: 'Select every token on this page that can be revoked' });
  expect(await all.evaluate((box: HTMLInputElement) => box.indeterminate), 'a partial selection shows as one').toBe(true);
  await all.check();
  expect(await all.evaluate((box: HTMLInputElement) => box.indeterminate)).toBe(false);
  await page.getByRole('button', { name: 'Clear selection' }).click();
  expect((await table.boundingBox())!.y).toBe(before);

  // A token that never expires says so with a warning sign.
  const forever = page.getByRole('row', { name: /Forever reporting feed/ }).locator('td[data-label="Expires"]');
  await expect(forever).toHaveText('⚠ never');
  await expect(forever.getByText('⚠')).toBeVisible();
  await expect(forever.locator('.never-expires')).toHaveAttribute('title', /never expires/);

  // A filter that matches nothing offers to clear it, and clearing shows every token.
  await page.getByLabel('Filter by name, or paste a token to find it').fill('no such integration');
  await expect(page.getByText('No token matches this filter.')).toBeVisible();
  await shot(page, testInfo, 'tokens-no-match');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByRole('row', { name: /Short-lived loader/ })).toBeVisible();
  await expect(page.getByLabel('Filter by name, or paste a token to find it')).toHaveValue('');
  expect(new URL(page.url()).search).toBe('');

  // The list has one address: /tokens leads to it, filters and all.
  await page.goto('/tokens?q=Forever');
  await expect(page).toHaveURL(/\/\?q=Forever$/);
  await expect(page.getByRole('row', { name: /Forever reporting feed/ })).toBeVisible();

  // "API tokens" is the current page on a token's page and in the wizard too.
  const current = page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]');
  await page.getByRole('link', { name: 'Forever reporting feed' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Forever reporting feed');
  await expect(current).toHaveText('API tokens');
  await page.goto('/tokens/new');
  await hydrated(page);
  await expect(current).toHaveText('API tokens');
});

test('the wizard keeps its step and choices in the address: Back and reload lose nothing, leaving asks first', async ({ page }, testInfo) => {
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Address book sync');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Access' })).toBeVisible();
  await expect(page).toHaveURL(/step=access/);
  await page.getByRole('radio', { name: 'users: Read' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Expiry' })).toBeVisible();
  await page.getByRole('radio', { name: 'in 90 days' }).check();
  await expect(page).toHaveURL(/expiry=90/);

  // Back returns to the step before, its choices kept.
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Access' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'users: Read' })).toBeChecked();
  // A reload finds the same step and every choice.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Access' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'users: Read' })).toBeChecked();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('radio', { name: 'in 90 days' })).toBeChecked();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByLabel('Name')).toHaveValue('Address book sync');
  await shot(page, testInfo, 'wizard-from-the-address');

  // Leaving for another page asks; staying keeps everything.
  let asked = '';
  page.once('dialog', (dialog) => { asked = dialog.message(); void dialog.dismiss(); });
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  expect(asked).toBe('Leave without generating the token? The choices you made are lost.');
  await expect(page).toHaveURL(/\/tokens\/new\?/);
  await expect(page.getByLabel('Name')).toHaveValue('Address book sync');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Users and service accounts');

  // The token itself never reaches the address.
  const token = await generateToken(page, { name: 'Address check' });
  expect(page.url()).not.toContain(token.slice(16));
  expect(page.url()).not.toContain('lk_');
});
