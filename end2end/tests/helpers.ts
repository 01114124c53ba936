import AxeBuilder from '@axe-core/playwright';
import { expect, Locator, Page, TestInfo } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DATA_DIR, SERVER_LOG } from '../paths';

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

/**
 * Waits until the Wasm has hydrated the page (or, after a click on a link, rendered the
 * next one, whose code arrives as a chunk of its own), so clicks reach Leptos's handlers.
 * The page marks itself with its path; pass the path after a client-side navigation.
 */
export async function hydrated(page: Page, path?: string) {
  const body = page.locator('body');
  if (path) {
    await expect(body).toHaveAttribute('data-hydrated', path);
  } else {
    const mark = () => body.getAttribute('data-hydrated');
    await expect.poll(async () => (await mark()) === new URL(page.url()).pathname).toBe(true);
  }
}

/** The WCAG 2.2 A and AA rules axe-core checks. */
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/**
 * Full-page screenshots in the test's output folder, and axe-core's WCAG 2.2 A/AA check of
 * the page as it is, in light and in dark mode (every page and dialog the tests show gets
 * both).
 */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const suffix = colorScheme === 'dark' ? '-dark' : '';
    await page.screenshot({ path: testInfo.outputPath(`${name}${suffix}.png`), fullPage: true });
    const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
    const violations = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    expect(violations, `axe on ${name} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Presses Tab until `target` has the focus: keyboard-only navigation. */
export async function tabTo(page: Page, target: import('@playwright/test').Locator, max = 40) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('could not reach the element with Tab');
}

/** Goes through the wizard; returns the plaintext token from the reveal step. */
export async function generateToken(
  page: Page,
  opts: { name: string; module?: string; access?: 'Read' | 'Write'; owner?: string; expiry?: string },
): Promise<string> {
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill(opts.name);
  await page.getByRole('button', { name: 'Next' }).click();
  if (opts.owner) await page.getByLabel('Owner').selectOption({ label: opts.owner });
  await page.getByRole('radio', { name: `${opts.module ?? 'users'}: ${opts.access ?? 'Read'}` }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  if (opts.expiry) await page.getByRole('radio', { name: opts.expiry }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Generate token' }).click();
  await page.getByRole('button', { name: 'Show token' }).click();
  const token = await page.getByLabel('Your new API token').inputValue();
  expect(token).toMatch(/^lk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
  return token;
}

/** Leaves the reveal page, confirming when the token was not copied. */
export async function closeReveal(page: Page) {
  await page.getByRole('button', { name: 'Done' }).click();
  const dialog = page.getByRole('alertdialog');
  if (await dialog.isVisible()) await dialog.getByRole('button', { name: 'Close, I do not need it' }).click();
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
}

/** Signs in and waits until the console is open. */
export async function signInAs(page: Page, email: string, password: string) {
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
}

/**
 * Runs SQL against the server's embedded database (trust authentication on its own Unix
 * socket): how a test moves the clock on (a token made 40 days ago) instead of waiting.
 */
export function sql(statement: string): string {
  const socketDir = path.join(DATA_DIR, 'postgres');
  return execFileSync('psql', ['-h', socketDir, '-U', 'latchkey', '-d', 'latchkey', '-At', '-c', statement], {
    encoding: 'utf8',
  }).trim();
}

/** A radio button or checkbox sits at its own size on the line of its text, as a person
 * expects a list of choices to read (not stretched across the form, its text below). */
export async function expectBesideItsText(control: Locator) {
  const box = (await control.boundingBox())!;
  const label = (await control.locator('xpath=ancestor::label[1]').boundingBox())!;
  expect(box.width, 'the control keeps its own size').toBeLessThan(32);
  expect(label.height, 'the control and its text share one line').toBeLessThan(box.height * 2 + 8);
  expect(box.y).toBeGreaterThanOrEqual(label.y - 1);
  expect(box.y + box.height).toBeLessThanOrEqual(label.y + label.height + 1);
}
