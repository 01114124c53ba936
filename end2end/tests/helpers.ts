import { expect, Page, TestInfo } from '@playwright/test';
import * as fs from 'fs';
import { SERVER_LOG } from '../paths';

export const ADMIN = {
  email: 'admin@example.com',
  name: 'Ada Admin',
  password: 'correct horse battery staple',
};

/** The set-up code the server printed to its log at start-up. */
export function setupCodeFromLog(): string {
  const log = fs.readFileSync(SERVER_LOG, 'utf8');
  const codes = [...log.matchAll(/set-up code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})/g)];
  if (codes.length === 0) throw new Error(`no set-up code in ${SERVER_LOG}`);
  return codes[codes.length - 1][1];
}

/** Waits until the Wasm has hydrated the page, so clicks reach Leptos's handlers. */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** A full-page screenshot in the test's output folder. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
