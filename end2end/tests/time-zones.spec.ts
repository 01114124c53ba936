import { expect, Page, test } from '@playwright/test';
import { ADMIN, closeReveal, generateToken, hydrated, shot, signInAs } from './helpers';

// A reader on the US west coast: every time is theirs and says so.
test.use({ timezoneId: 'America/Los_Angeles' });

/** `iso` as the console writes it in Los Angeles: "5 Dec 2026, 14:03", computed here by
 * the browser's own calendar rules, not Latchkey's. */
function pacific(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles', day: 'numeric', month: 'short', year: 'numeric',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return `${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

/** The exact times a token's page shows: its creation and its expiry. */
async function facts(page: Page) {
  const read = async (term: string) => {
    const time = page.locator(`dt:text-is("${term}") + dd time`);
    return { text: (await time.textContent())!, title: (await time.getAttribute('title'))!, at: (await time.getAttribute('datetime'))! };
  };
  return { created: await read('Created'), expires: await read('Expires') };
}

test('every time is in the reader\'s zone, named, with UTC on hover, and reads the same however the page was reached', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  await signInAs(page, ADMIN.email, ADMIN.password);
  const name = 'Pacific payroll export';
  await generateToken(page, { name, expiry: 'in 30 days' });
  await expect(page.locator('dt:text-is("Expires") + dd')).toHaveText(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} P[SD]T$/);
  await closeReveal(page);

  // Reached by a link.
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  const byLink = await facts(page);
  for (const fact of [byLink.created, byLink.expires]) {
    expect(fact.text).toMatch(/ P[SD]T$/);
    expect(fact.text.replace(/ P[SD]T$/, '')).toBe(pacific(fact.at));
    expect(fact.title, 'UTC on hover').toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC$/);
  }
  const url = page.url();

  // The server's first render, before any script runs, already says the same.
  const html = await (await page.request.get(url)).text();
  expect(html).toContain(byLink.created.text);
  expect(html).toContain(byLink.expires.text);

  // Loaded directly, and live in the browser: still the same.
  await page.goto(url);
  await hydrated(page);
  const direct = await facts(page);
  expect(direct.created.text).toBe(byLink.created.text);
  expect(direct.expires.text).toBe(byLink.expires.text);
  await shot(page, testInfo, 'token-times-los-angeles');

  // In the list, a relative time names the exact one and UTC on hover.
  await page.goto('/');
  await hydrated(page);
  const row = page.getByRole('row', { name: new RegExp(name) });
  const expiry = row.locator('td[data-label="Expires"] time');
  await expect(expiry).toHaveText('in 30 days');
  await expect(expiry).toHaveAttribute('title', `${byLink.expires.text} (${byLink.expires.title})`);

  // A calendar date in the wizard says whose midnight it means.
  await page.goto('/tokens/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Pacific calendar');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'users: Read' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'on a date' }).check();
  await expect(page.getByText(/It stops at the end of that day, 23:59 P[SD]T\./)).toBeVisible();
});
