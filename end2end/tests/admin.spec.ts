import { expect, test, type Locator } from '@playwright/test';
import { ADMIN, closeReveal, generateToken, hydrated, shot, signInAs } from './helpers';

const MEMBER = { email: 'mia@example.com', name: 'Mia Member', password: 'member password 123' };

test('a token admin creates a token for a service account with a narrow role', async ({ page, request }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Roles' }).click();
  await hydrated(page, '/roles');
  await page.getByLabel('Name').fill('Shipping Integration');
  await page.getByLabel('Description', { exact: true }).fill('Reads users for the ERP sync');
  await page.getByLabel('users:read', { exact: true }).check();
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByRole('row', { name: /Shipping Integration/ })).toContainText('users:read');
  await shot(page, testInfo, 'roles');

  await page.getByRole('link', { name: 'Users' }).click();
  await hydrated(page, '/users');
  await page.getByRole('radio', { name: 'Service account' }).check();
  await page.getByLabel('Name').fill('SAP ERP');
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Shipping Integration' });
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('row', { name: /SAP ERP/ })).toContainText('service account');
  await shot(page, testInfo, 'users');

  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('ERP Integration');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Owner').selectOption({ label: 'SAP ERP (service account)' });
  // What the service account's role does not allow is offered disabled, with the reason.
  const write = page.getByRole('radio', { name: 'users: Write' });
  await expect(write).toBeDisabled();
  await expect(page.getByText("SAP ERP's role does not allow users:write.", { exact: true })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'roles: Read' })).toBeDisabled();
  await page.getByRole('radio', { name: 'users: Read' }).check();
  await shot(page, testInfo, 'wizard-service-account');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Generate token' }).click();
  await page.getByRole('button', { name: 'Show token' }).click();
  const token = await page.getByLabel('Your new API token').inputValue();
  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).owner.display_name).toBe('SAP ERP');
  const roles = await request.get('/api/v1/roles', { headers: { Authorization: `Bearer ${token}` } });
  expect(roles.status()).toBe(403);
  expect(roles.headers()['www-authenticate']).toContain('insufficient_scope');
  await closeReveal(page);
  await expect(page.getByRole('row', { name: /ERP Integration.*SAP ERP/ })).toBeVisible();

  // Disabling the owner stops the token at once; enabling brings it back; deleting revokes it.
  const me2 = () => request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  await page.goto('/users');
  await hydrated(page);
  const row = page.getByRole('row', { name: /SAP ERP/ });
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row).toContainText('disabled');
  const disabled = await me2();
  expect(disabled.status()).toBe(401);
  expect((await disabled.json()).detail).toBe("The token's owner is disabled.");
  await row.getByRole('button', { name: 'Enable' }).click();
  await expect(row).toContainText('active');
  expect((await me2()).status()).toBe(200);
  await page.getByRole('button', { name: 'Delete SAP ERP' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('Their API tokens are revoked with them');
  await shot(page, testInfo, 'users-delete-dialog');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('row', { name: /SAP ERP/ })).toHaveCount(0);
  expect((await me2()).status()).toBe(401);
});

test("editing a role or changing a user's role changes what their token reaches", async ({ page, request }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  await page.goto('/roles');
  await hydrated(page);
  await page.getByLabel('Name').fill('Reporting');
  await page.getByLabel('users:read', { exact: true }).check();
  await page.getByLabel('roles:read', { exact: true }).check();
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByRole('row', { name: /Reporting/ })).toContainText('users:read');

  await page.goto('/users');
  await hydrated(page);
  await page.getByRole('radio', { name: 'Service account' }).check();
  await page.getByLabel('Name').fill('Metabase');
  // A new account starts with the least-privileged role, never Administrator.
  const offered = page.getByLabel('Role', { exact: true }).locator('option:checked');
  await expect(offered).not.toHaveText('Administrator');
  await expect(offered).not.toHaveText('');
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Reporting' });
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('row', { name: /Metabase/ })).toContainText('service account');

  const token = await generateToken(page, { name: 'Metabase dashboards', owner: 'Metabase (service account)' });
  await closeReveal(page);
  const users = () => request.get('/api/v1/users', { headers: { Authorization: `Bearer ${token}` } });
  expect((await users()).status()).toBe(200);

  // Editing the role takes users:read away: the token, which still names it, loses it too.
  await page.goto('/roles');
  await hydrated(page);
  await page.getByRole('button', { name: 'Edit Reporting' }).click();
  await expect(page.getByRole('heading', { name: 'Edit role' })).toBeVisible();
  await expect(page.getByLabel('users:read', { exact: true })).toBeChecked();
  await page.getByLabel('users:read', { exact: true }).uncheck();
  await shot(page, testInfo, 'roles-edit');
  await page.getByRole('button', { name: 'Save role' }).click();
  const reporting = page.getByRole('row', { name: /Reporting/ });
  await expect(reporting).toContainText('roles:read');
  await expect(reporting).not.toContainText('users:read');
  const refused = await users();
  expect(refused.status()).toBe(403);
  expect(refused.headers()['www-authenticate']).toContain('insufficient_scope');
  expect(refused.headers()['x-token-scopes'] ?? '').not.toContain('users:read');
  // The token's pages say so: the scope it keeps on paper is struck through, with why.
  const lost = "Struck through: its owner's role, Reporting, no longer allows this scope, so it authorizes nothing.";
  await page.goto('/');
  await hydrated(page);
  const listed = page.getByRole('row', { name: /Metabase dashboards/ });
  await expect(listed.locator('s')).toHaveText('users:read');
  await expect(listed).toContainText(lost);
  await listed.getByRole('link', { name: 'Metabase dashboards' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Metabase dashboards');
  await expect(page.locator('dt:text-is("Scopes") + dd s')).toHaveText('users:read');
  await expect(page.locator('dt:text-is("Scopes") + dd')).toContainText(lost);
  await shot(page, testInfo, 'token-scope-struck-through');

  // Giving the service account a role that reads users brings the token's reach back:
  // asked first, nothing lost, and said to be saved.
  await page.goto('/users');
  await hydrated(page);
  const roleOf = page.getByLabel('Role of Metabase');
  await roleOf.selectOption({ label: 'Auditor' });
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText("Change Metabase's role to Auditor?");
  await expect(dialog).toContainText('None of their live tokens loses anything.');
  expect((await users()).status()).toBe(403);
  await shot(page, testInfo, 'users-change-role-dialog');
  await dialog.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toHaveText("Saved: Metabase's role is now Auditor.");
  await expect.poll(async () => (await users()).status()).toBe(200);
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Metabase dashboards/ }).locator('s')).toHaveCount(0);
  await page.goto('/users');
  await hydrated(page);

  // Taking it away again names what the token would lose; cancelling keeps the role and
  // gives the focus back to the select.
  await roleOf.focus();
  await roleOf.selectOption({ label: 'Reporting' });
  await expect(dialog).toContainText("Change Metabase's role to Reporting?");
  await expect(dialog.getByRole('list', { name: 'What their tokens lose' })).toHaveText('Metabase dashboards loses users:read');
  await shot(page, testInfo, 'users-change-role-losses');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(roleOf.locator('option:checked')).toHaveText('Auditor');
  await expect(roleOf).toBeFocused();
  expect((await users()).status()).toBe(200);
  await page.reload();
  await hydrated(page);
  await expect(roleOf.locator('option:checked')).toHaveText('Auditor');
  await shot(page, testInfo, 'users-change-role');
});

test('a Member sees only their own tokens and none of the admin pages', async ({ page, browser }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  await page.goto('/users');
  await hydrated(page);
  await page.getByRole('radio', { name: 'Person' }).check();
  await page.getByLabel('Name').fill(MEMBER.name);
  await page.getByLabel('Email').fill(MEMBER.email);
  await page.getByLabel('Initial password').fill(MEMBER.password);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Member' });
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('row', { name: /Mia Member/ })).toContainText('Member');

  const context = await browser.newContext();
  const member = await context.newPage();
  await signInAs(member, MEMBER.email, MEMBER.password);
  const nav = member.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'API tokens' })).toBeVisible();
  for (const hidden of ['Users', 'Roles', 'Audit log']) {
    await expect(nav.getByRole('link', { name: hidden })).toHaveCount(0);
  }
  await expect(member.getByText('No API tokens yet')).toBeVisible();
  await shot(member, testInfo, 'member-tokens');
  // The server refuses what the navigation does not offer.
  await member.goto('/users');
  await expect(member.getByRole('alert')).toContainText('You do not have permission to see users');
  // A member's wizard offers only what their role allows.
  await member.goto('/tokens/new');
  await hydrated(member);
  await expect(member.getByLabel('Owner')).toHaveCount(0);
  await member.getByLabel('Name').fill('My script');
  await member.getByRole('button', { name: 'Next' }).click();
  await expect(member.getByRole('radio', { name: 'users: Read' })).toBeDisabled();
  await expect(member.getByRole('radio', { name: 'tokens: Read' })).toBeEnabled();
  await shot(member, testInfo, 'member-wizard');
  await context.close();
});

test('the audit log lists changes, newest first, filtered by action', async ({ page }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  await generateToken(page, { name: 'Audited' });
  await closeReveal(page);
  await page.getByRole('link', { name: 'Audit log' }).click();
  await hydrated(page, '/audit');
  const table = page.getByRole('table', { name: 'Audit events' });
  const newest = table.getByRole('row').nth(1);
  await expect(newest).toContainText('token.created');
  await expect(table).toContainText('sign_in.succeeded');
  // Each event reads as a sentence, what it is about a link; details fold away.
  await expect(newest.getByRole('paragraph')).toHaveText(/^admin@example\.com created the token lk_[0-9A-Za-z]{12}_••••••\.$/);
  await expect(table.getByRole('row').filter({ hasText: 'sign_in.succeeded' }).first().getByRole('paragraph')).toHaveText('admin@example.com signed in.');
  await expect(table.locator('td').filter({ hasText: '{"' })).toHaveCount(0);
  // The filters read as one row: each control at its own width, Filter at the end.
  const actorBox = (await page.getByLabel('Actor').boundingBox())!;
  const filterBox = (await page.getByRole('button', { name: 'Filter' }).boundingBox())!;
  const fromBox = (await page.getByLabel('From').boundingBox())!;
  expect(Math.abs(actorBox.y - filterBox.y), 'the filters share a row').toBeLessThan(8);
  expect(Math.abs(fromBox.y - filterBox.y)).toBeLessThan(8);
  expect(filterBox.x).toBeGreaterThan(fromBox.x);
  await page.getByLabel('Action').selectOption('token.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(table).not.toContainText('sign_in.succeeded');
  await expect(table).toContainText('token.created');
  await shot(page, testInfo, 'audit');
  await table.getByRole('row').nth(1).getByRole('link', { name: /^lk_/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audited');
  await page.getByRole('link', { name: 'API', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'API reference' })).toBeVisible();
  // Grouped by resource in the document's order, Markdown rendered, an example each.
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(['Tokens', 'Users', 'Roles', 'Audit', 'Webhooks']);
  const create = page.locator('article', { has: page.getByRole('heading', { name: 'POST /api/v1/tokens', exact: true }) });
  await expect(create).toContainText('Needs tokens:write');
  const me = page.locator('article', { has: page.getByRole('heading', { name: 'GET /api/v1/me', exact: true }) });
  await expect(me).toContainText('Any valid token.');
  const leaks = page.locator('article', { has: page.getByRole('heading', { name: 'POST /api/v1/leaks', exact: true }) });
  await expect(leaks).toContainText('Takes no bearer token (see above).');
  await expect(page.locator('main')).not.toContainText('`');
  await expect(page.locator('.lead code').filter({ hasText: 'Authorization: Bearer <token>' }).first()).toBeVisible();
  await create.getByText('Example request and answer').click();
  const [request, answer] = await create.locator('pre').allInnerTexts();
  expect(request).toMatch(/^curl -X POST 'http:\/\/127\.0\.0\.1:\d+\/api\/v1\/tokens' \\\n {2}-H "Authorization: Bearer \$LATCHKEY_TOKEN"/);
  expect(request).toContain('"name": "ERP nightly sync"');
  expect(answer).toMatch(/^HTTP\/1\.1 201 Created\nContent-Type: application\/json\n\n\{/);
  const box = await create.locator('pre').first().boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await shot(page, testInfo, 'api-reference');
});

test('the wizard keeps what a new owner may hold, checks each allowed address as typed, and counts characters', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  await signInAs(page, ADMIN.email, ADMIN.password);
  await page.goto('/roles');
  await hydrated(page);
  await page.getByLabel('Name').fill('Directory reader');
  await page.getByLabel('users:read', { exact: true }).check();
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByRole('row', { name: /Directory reader/ })).toContainText('users:read');
  await page.goto('/users');
  await hydrated(page);
  await page.getByRole('radio', { name: 'Service account' }).check();
  await page.getByLabel('Name').fill('Directory sync');
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Directory reader' });
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('row', { name: /Directory sync/ })).toContainText('service account');

  await page.goto('/tokens/new');
  await hydrated(page);
  // A long paste is kept whole and counted, never cut off silently.
  const name = page.getByLabel('Name');
  await name.fill('x'.repeat(300));
  await expect(page.getByText('300 / 100 characters: 200 too many')).toBeVisible();
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveCSS('border-top-color', 'rgb(180, 35, 24)');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('alert')).toHaveText('The name is at most 100 characters; this one has 300.');
  await expect(page.getByRole('heading', { name: 'Details' })).toBeVisible();
  await name.fill('Directory sync feed');
  await expect(page.getByText('19 / 100 characters')).toBeVisible();
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Next' }).click();

  // Changing the owner keeps every choice the new owner may hold, lowers a Write they may
  // only read, and says what was taken back.
  await page.getByRole('radio', { name: 'users: Write' }).check();
  await page.getByRole('radio', { name: 'audit: Read' }).check();
  await page.getByLabel('Owner').selectOption({ label: 'Directory sync (service account)' });
  await expect(page.getByRole('status').filter({ hasText: 'taken back' })).toHaveText(
    "Directory sync's role does not allow audit:read, users:write: taken back. Everything else you chose is kept.",
  );
  await expect(page.getByRole('radio', { name: 'users: Read' })).toBeChecked();
  await expect(page.getByRole('radio', { name: 'audit: None' })).toBeChecked();
  // Why a choice is disabled is written out, not only in a tooltip.
  await expect(page.getByText("Directory sync's role does not allow users:write.", { exact: true })).toBeVisible();
  await expect(page.getByText("Directory sync's role does not allow audit:read or audit:write.", { exact: true })).toBeVisible();
  // In dark mode too, a choice that cannot be made looks unlike one that can.
  await page.emulateMedia({ colorScheme: 'dark' });
  const blockedChoice = page.getByRole('radio', { name: 'users: Write' });
  const openChoice = page.getByRole('radio', { name: 'users: Read' });
  await expect(blockedChoice).toBeDisabled();
  await expect(blockedChoice).toHaveCSS('opacity', '0.4');
  await expect(openChoice).toHaveCSS('opacity', '1');
  const labelColour = (radio: Locator) => radio.evaluate((el) => getComputedStyle(el.closest('label')!).color);
  expect(await labelColour(blockedChoice)).toBe('rgb(138, 147, 163)');
  expect(await labelColour(openChoice)).toBe('rgb(230, 233, 239)');
  await shot(page, testInfo, 'wizard-disabled-choices-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Every bad line of the allowlist is named as it is typed.
  const addresses = page.getByLabel('Allowed addresses (optional)');
  await addresses.fill('10.0.4.7\n10.0.0.300\n10.0.4.1/24');
  const problems = page.locator('#token-allowed-ips-problems li');
  await expect(problems).toHaveText([
    'Line 2: "10.0.0.300" is neither an IP address nor a CIDR range (like 10.0.4.0/24 or 2001:db8::/32).',
    'Line 3: 10.0.4.1/24 has host bits set: the range is written 10.0.4.0/24.',
  ]);
  await expect(addresses).toHaveAttribute('aria-invalid', 'true');
  await shot(page, testInfo, 'wizard-owner-change-and-addresses');
  await addresses.fill('10.0.4.7\n10.0.4.0/24');
  await expect(problems).toHaveCount(0);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Expiry' })).toBeFocused();
});

test('outside the wizard too, a field the server refuses is drawn red, read as invalid and described by the reason', async ({ page }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  const danger = 'rgb(180, 35, 24)';

  // A person's initial password that is too short.
  await page.goto('/users');
  await hydrated(page);
  await page.getByRole('radio', { name: 'Person' }).check();
  await page.getByLabel('Name').fill('Short Password Person');
  await page.getByLabel('Email').fill('short-password@example.com');
  const password = page.getByLabel('Initial password');
  await password.fill('short');
  await expect(password).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Create' }).click();
  const reason = page.locator('#password-error');
  await expect(reason).toContainText('12 characters');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAttribute('aria-describedby', 'password-error');
  await expect(password).toHaveCSS('border-top-color', danger);
  await expect(page.getByLabel('Name')).not.toHaveAttribute('aria-invalid', 'true');
  await shot(page, testInfo, 'users-password-refused');
  await password.fill('a long enough initial password');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('row', { name: /Short Password Person/ })).toBeVisible();
  await expect(password).not.toHaveAttribute('aria-invalid', 'true');

  // A webhook URL on an internal network.
  await page.goto('/webhooks');
  await hydrated(page);
  const url = page.getByLabel('URL', { exact: true });
  await url.fill('http://10.20.30.40/hooks/latchkey');
  await page.getByRole('button', { name: 'Register endpoint' }).click();
  await expect(page.locator('#url-error')).toContainText('webhooks may not reach internal networks');
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  await expect(url).toHaveCSS('border-top-color', danger);
  await shot(page, testInfo, 'webhook-url-refused');
});
