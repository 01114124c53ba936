import { expect, test } from '@playwright/test';
import { ADMIN, hydrated, shot, signInAs } from './helpers';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('on a phone every page fits the screen: wide tables scroll inside their card', async ({ page }, testInfo) => {
  // It visits every page and checks each with axe twice: 24 s on an idle 2-core machine,
  // over the default 30 s on a busy one.
  test.setTimeout(90_000);
  await signInAs(page, ADMIN.email, ADMIN.password);
  for (const [path, heading] of [
    ['/', 'API tokens'],
    ['/tokens/new', 'Generate an API token'],
    ['/users', 'Users and service accounts'],
    ['/roles', 'Roles'],
    ['/audit', 'Audit log'],
    ['/webhooks', 'Webhooks'],
    ['/account', 'Account'],
    ['/api-docs', 'API reference'],
  ]) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    // The device's width, not window.innerWidth: a phone widens its layout viewport to fit
    // content that overflows, which would hide the very overflow this looks for.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is wider than the screen`).toBeLessThanOrEqual(page.viewportSize()!.width);
    await shot(page, testInfo, `phone${path === '/' ? '-tokens' : path.replace(/\//g, '-')}`);
  }
});
