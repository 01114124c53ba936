import { expect, Locator, test } from '@playwright/test';
import { ADMIN, closeReveal, generateToken, hydrated, shot, signInAs } from './helpers';

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

test('on a phone each token is a card and the navigation folds into a menu', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  await signInAs(page, ADMIN.email, ADMIN.password);
  const name = 'Handheld scanner sync for the north warehouse';
  await generateToken(page, { name, module: 'users', access: 'Read' });
  await closeReveal(page);
  await hydrated(page, '/');
  const width = page.viewportSize()!.width;
  const inside = async (what: string, element: Locator) => {
    const box = (await element.boundingBox())!;
    expect(box, `${what} is shown`).not.toBeNull();
    expect(box.x, `${what} starts on the screen`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${what} ends on the screen`).toBeLessThanOrEqual(width);
    return box;
  };

  // The bar is one row: the brand and a Menu button; the links wait behind it.
  const header = page.getByRole('banner');
  expect((await header.boundingBox())!.height).toBeLessThan(64);
  const menu = page.locator('summary', { hasText: 'Menu' });
  await inside('the Menu button', menu);
  await expect(page.getByRole('link', { name: 'Users', exact: true })).toBeHidden();

  // The token is a card: everything a person needs is on the screen, stacked, each fact
  // named, and the card ends where the screen does.
  const card = page.getByRole('row', { name: new RegExp(name) });
  const nameBox = await inside('the name', card.getByRole('link', { name }));
  await inside('the status', card.getByText('active', { exact: true }));
  // Each fact is named on the card (the column's name, drawn before it by the stylesheet).
  const fact = async (label: string) => {
    const cell = card.locator(`td[data-label="${label}"]`);
    const shown = await cell.evaluate((el) => getComputedStyle(el, '::before').content);
    expect(shown, `the card names its ${label}`).toBe(`"${label}"`);
    return cell;
  };
  const lastUsed = await fact('Last used');
  await expect(lastUsed).toHaveText('never');
  await inside('the last use', lastUsed);
  await inside('the expiry', await fact('Expires'));
  const revoke = await inside('Revoke', card.getByRole('button', { name: `Revoke ${name}` }));
  expect(revoke.y, 'Revoke sits below the name, not beside it').toBeGreaterThan(nameBox.y + nameBox.height);
  await inside('the card', card);
  const table = page.getByRole('region', { name: 'API tokens table' });
  expect(await table.evaluate((el) => el.scrollWidth - el.clientWidth), 'the list scrolls sideways').toBeLessThanOrEqual(0);
  // Sorting stays within reach above the cards.
  await inside('sorting by expiry', page.getByRole('button', { name: 'Expires' }));
  await shot(page, testInfo, 'phone-token-cards');

  // Opening the menu shows the links one under another, on the screen.
  await menu.click();
  const tokens = await inside('API tokens', page.getByRole('link', { name: 'API tokens', exact: true }));
  const users = await inside('Users', page.getByRole('link', { name: 'Users', exact: true }));
  expect(users.y).toBeGreaterThan(tokens.y);
  await inside('Sign out', page.getByRole('button', { name: 'Sign out' }));
  await shot(page, testInfo, 'phone-menu-open');
  // Following a link goes there and folds the menu again.
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Users and service accounts');
  await expect(page.getByRole('link', { name: 'Roles', exact: true })).toBeHidden();
});
