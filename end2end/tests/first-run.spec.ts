import { expect, test } from '@playwright/test';
import { ADMIN, hydrated, setupCodeFromLog, shot } from './helpers';

test('a new instance leads to set-up, which takes the code from the server log', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Set up Latchkey' })).toBeVisible();
  await hydrated(page);
  await shot(page, testInfo, 'setup');

  await page.getByLabel('Set-up code').fill('AAAA-BBBB-CCCC');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Name').fill(ADMIN.name);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByRole('alert')).toContainText('That is not the set-up code');
  await shot(page, testInfo, 'setup-wrong-code');

  await page.getByLabel('Set-up code').fill(setupCodeFromLog());
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
  const banner = page.getByRole('banner');
  await expect(banner).toContainText(ADMIN.name);
  await expect(banner).toContainText('Administrator');
  await shot(page, testInfo, 'tokens-empty');

  // Set-up is closed now.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/$/);
});
