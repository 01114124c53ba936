import { expect, test } from '@playwright/test';
import { ADMIN, generateToken, closeReveal, hydrated, signInAs } from './helpers';

test('a first visit fetches a page\'s Wasm as one file, and the next page still arrives when followed', async ({ browser, page }) => {
  await signInAs(page, ADMIN.email, ADMIN.password);
  await generateToken(page, { name: 'First visit ledger export' });
  await closeReveal(page);

  // A new browser with the same session: nothing cached.
  const fresh = await browser.newContext({ storageState: await page.context().storageState() });
  const visit = await fresh.newPage();
  const requests: string[] = [];
  const failures: string[] = [];
  visit.on('request', (r) => requests.push(new URL(r.url()).pathname));
  visit.on('requestfailed', (r) => failures.push(r.url()));
  visit.on('response', (r) => { if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`); });

  await visit.goto('/');
  await hydrated(visit, '/');
  await expect(visit.getByRole('link', { name: 'First visit ledger export' })).toBeVisible();
  const wasm = requests.filter((p) => p.endsWith('.wasm'));
  expect(wasm.sort(), 'the main module and the page\'s pack, nothing else').toEqual(['/pkg/latchkey.wasm', '/pkg/pack_tokens.wasm']);
  expect(requests.length, `requests: ${requests.join(' ')}`).toBeLessThanOrEqual(30);

  // Every page's first render preloads its pack and the loader that reads it, so that they
  // arrive alongside the main module; the pack exists.
  for (const [path, pack] of [['/', 'tokens'], ['/tokens/new', 'new_token'], ['/users', 'users'], ['/api-docs', 'api_docs'], ['/account', 'account']]) {
    for (let render = 0; render < 3; render++) {
      const html = await (await visit.request.get(path)).text();
      expect(html, `${path}, render ${render + 1}`).toContain(`<link rel="preload" href="/pkg/pack_${pack}.wasm" as="fetch" type="application/wasm" crossorigin=""`);
      expect(html).toContain('<link rel="modulepreload" href="/pkg/__wasm_split.______________________.js"');
    }
    expect((await visit.request.get(`/pkg/pack_${pack}.wasm`)).status()).toBe(200);
  }

  // Followed by a link, the users page arrives (its own pack or single files) and works.
  requests.length = 0;
  await visit.getByRole('link', { name: 'Users', exact: true }).first().click();
  await hydrated(visit, '/users');
  await expect(visit.getByRole('heading', { level: 1 })).toHaveText('Users and service accounts');
  expect(requests.filter((p) => p.endsWith('.wasm')).length, 'the users page fetched its modules').toBeGreaterThan(0);
  expect(failures).toEqual([]);
  await fresh.close();
});
