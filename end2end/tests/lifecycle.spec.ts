import { expect, test } from '@playwright/test';
import { ADMIN, closeReveal, expectBesideItsText, generateToken, hydrated, shot, signInAs, sql } from './helpers';

test.beforeEach(async ({ page }) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
});

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

test('a token is rolled from its page with each overlap window, and the old one works until its window ends', async ({ page, request }, testInfo) => {
  let token = await generateToken(page, { name: 'Nightly ERP sync', expiry: 'in 30 days' });
  await closeReveal(page);
  await page.getByRole('link', { name: 'Nightly ERP sync' }).click();
  let id = token.slice(3, 15);
  await hydrated(page, `/tokens/${id}`);

  const windows = [
    { label: 'Keep the old token working for 1 hour', status: 'rolling over, stops in 1 h', works: true },
    { label: 'Keep the old token working for 24 hours', status: 'rolling over, stops in 24 h', works: true },
    { label: 'Keep the old token working for 7 days', status: 'rolling over, stops in 7 d', works: true },
    { label: 'Stop the old token now', status: 'replaced', works: false },
  ];
  for (const [i, window] of windows.entries()) {
    await page.getByRole('button', { name: 'Roll token' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog).toContainText('same name, owner, scopes and allowed addresses');
    await expect(dialog.getByRole('radio', { name: 'Keep the old token working for 24 hours' })).toBeChecked();
    if (i === 0) {
      for (const choice of windows) await expectBesideItsText(dialog.getByRole('radio', { name: choice.label }));
      await shot(page, testInfo, 'roll-dialog');
    }
    await dialog.getByRole('radio', { name: window.label }).check();
    await dialog.getByRole('button', { name: 'Roll token' }).click();

    // The new token is shown once, like a new one.
    await expect(page.getByRole('heading', { name: 'Token rolled' })).toBeVisible();
    await expect(page.getByText(`The old token lk_${id}_`)).toBeVisible();
    if (i === 0) await shot(page, testInfo, 'roll-reveal');
    await page.getByRole('button', { name: 'Show token' }).click();
    const rolled = await page.getByLabel('Your new API token').inputValue();
    expect(rolled).toMatch(/^lk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Close, I do not need it' }).click();

    // The new token's page links to the old one, which links back. (The same page, with
    // other parameters: it was hydrated before.)
    const newId = rolled.slice(3, 15);
    await expect(page).toHaveURL(new RegExp(`/tokens/${newId}$`));
    await expect(page.getByText(`lk_${newId}_••••••`, { exact: true })).toBeVisible();
    await page.getByRole('link', { name: `lk_${id}_••••••` }).click();
    await expect(page).toHaveURL(new RegExp(`/tokens/${id}$`));
    await expect(page.getByText(window.status, { exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: `lk_${newId}_••••••` })).toBeVisible();

    // The old token works through its window (or not at all); the new one works.
    expect((await request.get('/api/v1/me', bearer(rolled))).status()).toBe(200);
    const old = await request.get('/api/v1/me', bearer(token));
    expect(old.status()).toBe(window.works ? 200 : 401);
    if (!window.works) {
      expect((await old.json()).detail).toContain('The token was replaced on');
      // A replaced token turning up again is a leak or a forgotten system: the whole
      // family is revoked before that answer goes out, the new token with it.
      const after = await request.get('/api/v1/me', bearer(rolled));
      expect(after.status()).toBe(401);
      expect((await after.json()).detail).toBe('The token has been revoked.');
    }

    // The list says so too.
    await page.goto('/');
    await hydrated(page);
    await expect(page.getByRole('row', { name: new RegExp(`lk_${id}_`) })).toContainText(window.works ? window.status : 'revoked');
    if (i === 0) await shot(page, testInfo, 'tokens-list-rolling');
    await page.goto(`/tokens/${newId}`);
    await hydrated(page);
    token = rolled;
    id = newId;
  }
});

test('a token made with an IP allowlist is refused elsewhere, naming the address', async ({ page, request }, testInfo) => {
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Branch office scanner');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'users: Read' }).check();
  // A range with host bits set is refused as it is typed, and Next stays on the step.
  await page.getByLabel('Allowed addresses (optional)').fill('10.0.4.9/24');
  await expect(page.getByText('Line 1: 10.0.4.9/24 has host bits set: the range is written 10.0.4.0/24.')).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Access' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'allowed address' })).toHaveText('One allowed address is not an address or a range: see above.');
  await shot(page, testInfo, 'wizard-allowlist-error');

  await page.getByLabel('Allowed addresses (optional)').fill('10.0.4.0/24\n2001:db8::/32');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('10.0.4.0/24, 2001:db8::/32')).toBeVisible();
  await page.getByRole('button', { name: 'Generate token' }).click();
  await page.getByRole('button', { name: 'Show token' }).click();
  const token = await page.getByLabel('Your new API token').inputValue();
  await closeReveal(page);

  // The browser's tests run on loopback: 127.0.0.1 is not on the list.
  const refused = await request.get('/api/v1/me', bearer(token));
  expect(refused.status()).toBe(403);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
  expect((await refused.json()).detail).toBe(
    'This token may not be used from 127.0.0.1: the address is not on its allowlist.',
  );

  // The token's page shows the list.
  await page.getByRole('link', { name: 'Branch office scanner' }).click();
  await hydrated(page, `/tokens/${token.slice(3, 15)}`);
  const list = page.getByRole('list', { name: 'Allowed addresses' });
  await expect(list).toContainText('10.0.4.0/24');
  await expect(list).toContainText('2001:db8::/32');
});

test('the token page shows who uses the token, and the revoke dialog what revoking cuts off', async ({ page, request }, testInfo) => {
  const token = await generateToken(page, { name: 'Warehouse scanner', module: 'audit', access: 'Read' });
  await closeReveal(page);
  for (const agent of ['SAP-Connector/2.1', 'SAP-Connector/2.1', 'curl/8.5']) {
    const response = await request.get('/api/v1/audit', { headers: { Authorization: `Bearer ${token}`, 'User-Agent': agent } });
    expect(response.status()).toBe(200);
  }
  const id = token.slice(3, 15);
  // Uses are written in batches, every few seconds: the three may land in two batches, so
  // the page is read again until all of them show.
  const clients = page.getByRole('table', { name: 'Clients' });
  const sapUses = clients.getByRole('row', { name: /SAP-Connector\/2\.1/ }).getByRole('cell').nth(4);
  await expect(async () => {
    await page.goto(`/tokens/${id}`);
    await expect(clients).toContainText('curl/8.5', { timeout: 1000 });
    await expect(sapUses).toHaveText('2', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(clients.getByRole('columnheader').nth(4)).toHaveText('Requests since first seen');
  await hydrated(page);
  const scopes = page.getByRole('list', { name: 'Scopes in use' });
  await expect(scopes).toContainText(/audit:read: last used (just now|1 minute ago)/);
  // The chart beside the count: a scale, its dates (UTC), the same total.
  await expect(page.getByText('3 requests in the last 30 days. Days are UTC days.')).toBeVisible();
  const chart = page.getByRole('img', { name: 'Requests per day: 3 requests in the last 30 days.' });
  await expect(chart).toBeVisible();
  expect(await chart.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(360);
  const box = await chart.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  const svg = await (await page.request.get((await chart.getAttribute('src'))!)).text();
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const day = (back: number) => {
    const at = new Date(Date.now() - back * 86_400_000);
    return `${at.getUTCDate()} ${months[at.getUTCMonth()]}`;
  };
  expect(svg).toContain(`<title>3 requests in the last 30 days, ${day(29)} to ${day(0)} (UTC)</title>`);
  for (const label of [`>${day(29)}</text>`, `>${day(0)} UTC</text>`, '>0</text>', '>3</text>']) expect(svg).toContain(label);
  await shot(page, testInfo, 'token-usage');

  await page.getByRole('button', { name: 'Revoke token' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText(
    /Used by 1 address in the last 7 days: 127\.0\.0\.1 \((SAP-Connector\/2\.1|curl\/8\.5)\); last request (just now|1 minute ago)\./,
  );
  await shot(page, testInfo, 'revoke-blast-radius');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('a token whose scopes went unused for 30 days is flagged and replaced with a narrower token', async ({ page, request }, testInfo) => {
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('HR sync');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'audit: Read' }).check();
  await page.getByRole('radio', { name: 'users: Write' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Generate token' }).click();
  await page.getByRole('button', { name: 'Show token' }).click();
  const token = await page.getByLabel('Your new API token').inputValue();
  await closeReveal(page);
  const id = token.slice(3, 15);

  // It reads the audit log (and never touches users); then forty days pass.
  expect((await request.get('/api/v1/audit', bearer(token))).status()).toBe(200);
  const used = `SELECT count(*) FROM token_scope_use u JOIN api_tokens t ON t.id = u.token_id WHERE t.public_id = '${id}'`;
  await expect.poll(() => sql(used), { timeout: 20_000 }).toBe('1');
  sql(`UPDATE api_tokens SET created_at = now() - interval '40 days' WHERE public_id = '${id}'`);

  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('row', { name: /HR sync/ })).toContainText('users:write not used in 30 days');
  await page.goto(`/tokens/${id}`);
  await hydrated(page);
  await expect(page.getByRole('note').filter({ hasText: 'users:write not used in 30 days.' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Scopes in use' })).toContainText('users:write: never used');
  await shot(page, testInfo, 'token-unused-scopes');

  await page.getByRole('button', { name: 'Replace with a narrower token' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('only the scopes it used: audit:read');
  await dialog.getByRole('button', { name: 'Replace with a narrower token' }).click();
  await expect(page.getByRole('heading', { name: 'Token rolled' })).toBeVisible();
  await page.getByRole('button', { name: 'Show token' }).click();
  const narrower = await page.getByLabel('Your new API token').inputValue();
  const me = await (await request.get('/api/v1/me', bearer(narrower))).json();
  expect(me.token.scopes).toEqual(['audit:read']);
  // The old token keeps working through the default 24 hours.
  expect((await request.get('/api/v1/me', bearer(token))).status()).toBe(200);
});
