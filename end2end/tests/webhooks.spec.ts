import * as http from 'http';
import { AddressInfo } from 'net';
import { expect, test } from '@playwright/test';
import { ADMIN, closeReveal, expectBesideItsText, generateToken, hydrated, shot, signInAs } from './helpers';

test.beforeEach(async ({ page }) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
});

/** A receiver on loopback that keeps what it is sent and answers 204. */
async function receiver(): Promise<{ url: string; received: { headers: http.IncomingHttpHeaders; body: string }[]; close: () => void }> {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => server.close() };
}

/** Leaves a signing secret's reveal, saying it was not needed when it was not copied. */
async function closeSecret(page: import('@playwright/test').Page) {
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Close, I do not need it' }).click();
}

test('an endpoint is registered, receives signed token events, and its deliveries show', async ({ page, context }, testInfo) => {
  const hook = await receiver();
  try {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await hydrated(page, '/webhooks');
    await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible();
    await page.getByLabel('URL', { exact: true }).fill(hook.url);
    await page.getByLabel('Description (optional)').fill('ERP token watch');
    await page.getByRole('checkbox', { name: 'token.created' }).check();
    for (const name of ['token.created', 'token.revoked', 'canary.triggered']) {
      await expectBesideItsText(page.getByRole('checkbox', { name }));
    }
    await shot(page, testInfo, 'webhooks-register');
    await page.getByRole('button', { name: 'Register endpoint' }).click();

    // The signing secret, once.
    const secret = page.getByLabel(`Signing secret for ${hook.url}`);
    await expect(secret).toHaveValue(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await shot(page, testInfo, 'webhooks-secret');
    // Like a token's, it cannot be closed unseen without a question, and Copy copies it.
    await page.getByRole('button', { name: 'Done' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog).toContainText('You have not copied the signing secret.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(secret).toBeVisible();
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Copied', exact: true })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await secret.inputValue());
    await expect(page.getByRole('button', { name: 'Copy', exact: true })).toBeVisible({ timeout: 5_000 });
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(secret).toHaveCount(0);
    const endpoints = page.getByRole('table', { name: 'Endpoints' });
    await expect(endpoints).toContainText(hook.url);

    // A token made in the console reaches the receiver, signed, without its secret.
    const token = await generateToken(page, { name: 'Webhook watched' });
    await closeReveal(page);
    await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(1);
    const delivery = hook.received[0];
    expect(delivery.headers['webhook-id']).toMatch(/^msg_/);
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,/);
    const event = JSON.parse(delivery.body);
    expect(event.type).toBe('token.created');
    expect(event.data.token.name).toBe('Webhook watched');
    expect(delivery.body).not.toContain(token.slice(16));

    // Its delivery shows on the endpoint; a test event follows it.
    await page.goto('/webhooks');
    await hydrated(page);
    await page.getByRole('button', { name: `Deliveries to ${hook.url}` }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(deliveries.getByRole('row', { name: /token\.created/ })).toContainText('delivered', { timeout: 1000 });
    }).toPass({ timeout: 10_000 });
    await expect(deliveries.getByRole('row', { name: /token\.created/ })).toContainText('204');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(2);
    // The delivery is written once the receiver has answered: refresh until it shows.
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(deliveries.getByRole('row', { name: /webhook\.test/ })).toContainText('delivered', { timeout: 1000 });
    }).toPass({ timeout: 10_000 });
    // A delivery can be sent again, with the same id.
    await deliveries.getByRole('button', { name: /^Resend msg_/ }).first().click();
    await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(3);
    expect(hook.received[2].headers['webhook-id']).toBe(hook.received[1].headers['webhook-id']);
    await shot(page, testInfo, 'webhooks-deliveries');

    // The signing secret is rotated: the new one shown once, and for a day each delivery
    // carries a signature with the previous secret too.
    await page.getByRole('button', { name: 'Rotate signing secret' }).click();
    const rotated = page.getByRole('textbox', { name: 'New signing secret' });
    await expect(rotated).toHaveValue(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await expect(page.getByRole('note').filter({ hasText: 'Copy the new signing secret now.' })).toContainText('previous secret too');
    await shot(page, testInfo, 'webhooks-rotated-secret');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(4);
    const signatures = String(hook.received[3].headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    await closeSecret(page);
    await expect(rotated).toHaveCount(0);
  } finally {
    hook.close();
  }
});

test('a canary planted from the wizard is refused like any bad token and fires canary.triggered', async ({ page, request }, testInfo) => {
  const hook = await receiver();
  try {
    await page.goto('/webhooks');
    await hydrated(page);
    await page.getByLabel('URL', { exact: true }).fill(hook.url);
    await page.getByRole('checkbox', { name: 'canary.triggered' }).check();
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    await closeSecret(page);

    await page.goto('/tokens/new');
    await hydrated(page);
    await page.getByLabel('Name').fill('Wiki: ERP set-up page');
    await page.getByRole('checkbox', { name: 'Canary token' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('note')).toContainText('A canary has no scopes');
    await expect(page.getByRole('radio', { name: 'users: Read' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('Never expires: a canary is planted to be found years on.')).toBeVisible();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.locator('dl.facts')).toContainText('Canary: never authorizes anything');
    await shot(page, testInfo, 'wizard-canary-review');
    await page.getByRole('button', { name: 'Generate token' }).click();
    await expect(page.getByRole('heading', { name: 'Canary generated' })).toBeVisible();
    await expect(page.getByText('Plant it where a leak would show')).toBeVisible();
    await shot(page, testInfo, 'wizard-canary-reveal');
    await page.getByRole('button', { name: 'Show token' }).click();
    const canary = await page.getByLabel('Your new API token').inputValue();
    expect(canary).toMatch(/^lk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);

    // Used, it is refused like a wrong token, and the receiver hears of it.
    const used = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${canary}` } });
    expect(used.status()).toBe(401);
    expect(used.headers()['www-authenticate']).toContain('invalid_token');
    await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(1);
    const event = JSON.parse(hook.received[0].body);
    expect(event.type).toBe('canary.triggered');
    expect(hook.received[0].body).not.toContain(canary.slice(16));

    await closeReveal(page);
    await expect(page.getByRole('row', { name: /Wiki: ERP set-up page/ })).toContainText('canary triggered');
  } finally {
    hook.close();
  }
});
