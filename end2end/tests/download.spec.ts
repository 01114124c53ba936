import * as fs from 'fs';
import * as path from 'path';
import { expect, test } from '@playwright/test';
import { ROOT } from '../paths';
import { hydrated } from './helpers';

const PKG = path.join(ROOT, 'target', 'site', 'pkg');

test('the first page arrives compressed: the bytes Chromium downloads are the build\'s .br or .gz files', async ({ page }) => {
  // Which encoding the server chose for each file, from the answers' headers.
  const encodings = new Map<string, string>();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/pkg/')) {
      encodings.set(url.pathname, response.headers()['content-encoding'] ?? 'identity');
      expect(response.headers()['vary']).toBe('accept-encoding');
    }
  });
  await page.goto('/login');
  await hydrated(page);

  const downloads = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => e as PerformanceResourceTiming)
      .filter((e) => /\/pkg\/.*\.(wasm|js)$/.test(new URL(e.name).pathname))
      .map((e) => ({ path: new URL(e.name).pathname, encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
  );
  expect(downloads.length).toBeGreaterThan(2);
  let sent = 0;
  let raw = 0;
  for (const d of downloads) {
    const file = path.join(PKG, path.basename(d.path));
    const encoding = encodings.get(d.path);
    expect(['br', 'gzip'], `${d.path} is sent compressed`).toContain(encoding);
    const twin = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
    // What arrived is the precompressed file itself, and it unpacks to the built one.
    expect(d.encoded, d.path).toBe(fs.statSync(twin).size);
    expect(d.decoded, d.path).toBe(fs.statSync(file).size);
    sent += d.encoded;
    raw += d.decoded;
  }
  const kb = (n: number) => (n / 1000).toFixed(1);
  console.log(
    `sign-in, first visit: ${downloads.length} Wasm and JS files, ${kb(sent)} KB sent ` +
      `(${[...new Set(encodings.values())].join(', ')}), ${kb(raw)} KB unpacked`,
  );
  // Uncompressed it would be nearly three times as much.
  expect(sent).toBeLessThan(raw / 2.5);
});
