// Each page's first visit in headless Chromium, for two builds of the same code served
// side by side: the split's own layout (a file a module) and the packed one (a file a
// page). Run by bench-pages.sh, which starts both servers. For every page: the requests
// and the bytes of a visit with an empty cache (gzip, as the budget counts them); for the
// token list: when it is interactive (hydrated: the page's Wasm loaded and running) with
// no slowdown, at 4x CPU slowdown and at 100 ms latency (Chromium's own throttling,
// through the DevTools protocol), the median of a few cold loads. A benchmark: nothing
// here passes or fails on speed.
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';

const sites = [
  { label: 'a file a module (before)', base: process.env.BASE_UNPACKED },
  { label: 'a file a page (packs)', base: process.env.BASE_PACKED },
];
const session = process.env.SESSION;
const token = process.env.TOKEN_ID;
const loads = Number(process.env.BENCH_LOADS || 5);
const pages = [
  ['/login', 'sign-in (signed out)'],
  ['/', 'token list'],
  ['/tokens/new', 'new token'],
  [`/tokens/${token}`, 'a token'],
  ['/users', 'users'],
  ['/roles', 'roles'],
  ['/webhooks', 'webhooks'],
  ['/audit', 'audit log'],
  ['/account', 'account'],
  ['/api-docs', 'API reference'],
];
const conditions = [
  ['no slowdown', async () => {}],
  ['4x CPU slowdown', async (cdp) => cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })],
  ['100 ms latency', async (cdp) => cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 100, downloadThroughput: -1, uploadThroughput: -1,
  })],
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

// One visit with an empty cache: its requests, the bytes they took on the wire (headers
// aside), the encodings seen, and when the page was hydrated (ms from navigation start).
async function visit(base, path, { signedIn = true, throttle = async () => {} } = {}) {
  const context = await browser.newContext();
  if (signedIn) {
    await context.addCookies([{ name: 'latchkey_session', value: session, domain: new URL(base).hostname, path: '/' }]);
  }
  // The moment the page marks itself hydrated, seen as it happens.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.hasAttribute('data-hydrated')) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // gzip, as the budget counts (Chromium would take brotli, a tenth smaller).
  await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'gzip' } });
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await throttle(cdp);
  const requests = new Map();
  const encodings = new Set();
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, bytes: 0 }));
  cdp.on('Network.responseReceived', (e) => {
    const encoding = e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'];
    if (encoding) encodings.add(encoding);
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  await page.goto(base + path, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  const { hydrated, wasmArrived, domReady } = await page.evaluate(() => ({
    hydrated: window.__hydratedAt,
    // The last Wasm byte's arrival, and the end of DOMContentLoaded: where the time went.
    wasmArrived: Math.max(0, ...performance.getEntriesByType('resource')
      .filter((r) => r.name.endsWith('.wasm')).map((r) => r.responseEnd)),
    domReady: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
  }));
  const wrongPage = new URL(page.url()).pathname !== path;
  await context.close();
  if (wrongPage) throw new Error(`${path} answered with another page: not signed in?`);
  const list = [...requests.values()];
  return {
    requests: list.length,
    bytes: list.reduce((sum, r) => sum + r.bytes, 0),
    encodings: [...encodings].sort().join(' '),
    hydrated,
    wasmArrived,
    domReady,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;

console.log(`first visit, empty cache (requests; bytes on the wire as gzip: HTML, CSS, JS, Wasm, images, data)`);
console.log(`${'page'.padEnd(24)} ${sites[0].label.padStart(28)} ${sites[1].label.padStart(28)} ${'bytes ratio'.padStart(12)}`);
const encodings = new Set();
for (const [path, label] of pages) {
  const figures = [];
  for (const site of sites) {
    const v = await visit(site.base, path, { signedIn: path !== '/login' });
    v.encodings.split(' ').filter(Boolean).forEach((e) => encodings.add(e));
    figures.push(v);
  }
  const cell = (v) => `${String(v.requests).padStart(4)} req ${kb(v.bytes).padStart(10)}`.padStart(28);
  console.log(`${label.padEnd(24)} ${cell(figures[0])} ${cell(figures[1])} ${(figures[1].bytes / figures[0].bytes).toFixed(2).padStart(11)}x`);
}
console.log(`(content encodings seen: ${[...encodings].join(', ') || 'none'})`);

console.log();
console.log(`the token list, interactive (hydrated), ms from navigation start, median of ${loads} cold loads`);
console.log(`(in brackets: DOMContentLoaded, and the last Wasm byte's arrival)`);
console.log(`${'condition'.padEnd(24)} ${sites[0].label.padStart(28)} ${sites[1].label.padStart(28)} ${'ratio'.padStart(12)}`);
for (const [label, throttle] of conditions) {
  // Interleaved, after a load each to warm the servers, so that neither build gets the
  // machine's quieter moments.
  const runs = sites.map(() => []);
  for (const site of sites) await visit(site.base, '/', { throttle });
  for (let i = 0; i < loads; i++) {
    for (const [s, site] of sites.entries()) runs[s].push(await visit(site.base, '/', { throttle }));
  }
  const cell = (visits) => {
    const at = (key) => median(visits.map((v) => v[key])).toFixed(0);
    return `${at('hydrated')} ms (${at('domReady')}, ${at('wasmArrived')})`.padStart(28);
  };
  const ratio = median(runs[1].map((v) => v.hydrated)) / median(runs[0].map((v) => v.hydrated));
  console.log(`${label.padEnd(24)} ${cell(runs[0])} ${cell(runs[1])} ${ratio.toFixed(2).padStart(11)}x`);
}
await browser.close();
