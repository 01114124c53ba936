// The token list page in headless Chromium, signed in as the benchmark's administrator:
// five loads, each read from Navigation Timing (first byte, DOMContentLoaded, load) and
// the moment the page marks itself hydrated (interactive). Run by bench-console.sh.
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';

const base = process.env.BASE;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const context = await browser.newContext();
const { hostname } = new URL(base);
await context.addCookies([{ name: 'latchkey_session', value: process.env.SESSION, domain: hostname, path: '/' }]);
const page = await context.newPage();

const loads = [];
for (let i = 0; i < 6; i++) {
  await page.goto(`${base}/`, { waitUntil: 'load' });
  const interactive = await page.waitForFunction(() => {
    return document.body.getAttribute('data-hydrated') === '/' ? performance.now() : null;
  }, null, { polling: 'raf' });
  const at = await interactive.jsonValue();
  const nav = await page.evaluate(() => JSON.parse(JSON.stringify(performance.getEntriesByType('navigation')[0])));
  const rows = await page.locator('tbody tr').count();
  if (rows === 0) throw new Error('the token list showed no rows: not signed in?');
  if (i > 0) loads.push({ ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, interactive: at });
}
await browser.close();

const median = (key) => {
  const values = loads.map((l) => l[key]).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
};
const line = (label, key) => console.log(`${label.padEnd(52)} ${median(key).toFixed(1).padStart(9)} ms`);
console.log(`${'token list page in Chromium (median of 5 loads)'.padEnd(52)}`);
line('first byte (server render)', 'ttfb');
line('DOMContentLoaded', 'dcl');
line('load', 'load');
line('interactive (hydrated, page chunk loaded)', 'interactive');
