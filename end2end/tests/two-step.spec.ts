import { expect, test } from '@playwright/test';
import * as OTPAuth from 'otpauth';
import { ADMIN, hydrated, shot, signInAs } from './helpers';

// Two-step sign-in with an authenticator app, its codes made by npm's otpauth (not by
// Latchkey): set up on the Account page, then asked for at sign-in.

const RUTH = { email: 'ruth@example.com', password: 'a long enough password for ruth' };

test('a person sets up an authenticator app and then signs in with its codes', async ({ page, browser }, testInfo) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  const roles = await (await page.request.get('/api/roles/list', { headers: { accept: 'application/json' } })).json();
  const member = roles.find((r: { name: string }) => r.name === 'Member').id;
  const made = await page.request.post('/api/users/create', {
    headers: { accept: 'application/json' },
    form: {
      'new[email]': RUTH.email,
      'new[display_name]': 'Ruth Two-Step',
      'new[password]': RUTH.password,
      'new[role_id]': String(member),
    },
  });
  expect(made.status()).toBe(200);

  const ruth = await (await browser.newContext()).newPage();
  await signInAs(ruth, RUTH.email, RUTH.password);
  await ruth.getByRole('link', { name: 'Account' }).click();
  await hydrated(ruth, '/account');
  await expect(ruth.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
  await ruth.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const qr = ruth.getByRole('img', { name: "QR code of the authenticator app's secret" });
  await expect(qr).toBeVisible();
  const box = (await qr.boundingBox())!;
  expect(box.width).toBeGreaterThan(100);
  expect(box.x + box.width).toBeLessThanOrEqual(ruth.viewportSize()!.width);
  const key = (await ruth.getByLabel('Authenticator key').textContent())!.replace(/\s/g, '');
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key), digits: 6, period: 30, algorithm: 'SHA1' });
  await shot(ruth, testInfo, 'two-step-enrol');

  // A wrong code is refused by name; the app's code turns it on.
  const field = ruth.getByLabel('Type the six digits the app now shows');
  await field.fill('000000');
  await ruth.getByRole('button', { name: 'Turn on' }).click();
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await field.fill(totp.generate());
  await ruth.getByRole('button', { name: 'Turn on' }).click();
  const codes = ruth.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().textContent())!;
  await shot(ruth, testInfo, 'two-step-recovery-codes');
  await ruth.getByRole('button', { name: 'I have saved them' }).click();
  await expect(ruth.getByText('Recovery codes: 10 of 10 left.')).toBeVisible();

  // Her password alone now leads to the code page; the app's next code lets her in.
  const again = await (await browser.newContext()).newPage();
  await again.goto('/login');
  await hydrated(again);
  await again.getByLabel('Email').fill(RUTH.email);
  await again.getByLabel('Password', { exact: true }).fill(RUTH.password);
  await again.getByRole('button', { name: 'Sign in' }).click();
  await expect(again).toHaveURL(/\/login\/code$/);
  await expect(again.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
  const code = again.getByLabel('Code');
  await expect(code).toBeFocused();
  await code.fill('123456');
  await again.getByRole('button', { name: 'Verify' }).click();
  await expect(again.getByText('That code is wrong, or was used already.')).toBeVisible();
  await expect(code).toHaveAttribute('aria-invalid', 'true');
  await shot(again, testInfo, 'two-step-wrong-code');
  // The code after the one that turned the app on (one step of drift is allowed).
  const next = totp.generate({ timestamp: Date.now() + 30_000 });
  await code.fill(next);
  await again.getByRole('button', { name: 'Verify' }).click();
  await expect(again).toHaveURL(/\/$/);
  await expect(again.getByRole('banner')).toContainText('Ruth Two-Step');
  await again.close();

  // A recovery code works once.
  const lost = await (await browser.newContext()).newPage();
  await lost.goto('/login');
  await hydrated(lost);
  await lost.getByLabel('Email').fill(RUTH.email);
  await lost.getByLabel('Password', { exact: true }).fill(RUTH.password);
  await lost.getByRole('button', { name: 'Sign in' }).click();
  await expect(lost).toHaveURL(/\/login\/code$/);
  await lost.getByLabel('Code').fill(recovery);
  await lost.getByRole('button', { name: 'Verify' }).click();
  await expect(lost).toHaveURL(/\/$/);
  await lost.close();
  await ruth.close();
});
