import { defineConfig } from '@playwright/test';
import { DATA_DIR, IDP_PORT, PORT, ROOT, SERVER_LOG } from './paths';

// One release-built server on a throwaway embedded database, shared by every test, which
// is why tests run one at a time: the first-run set-up project goes first.
export default defineConfig({
  testDir: './tests',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    // Times are shown in the reader's zone: one zone for every test but those about zones.
    timezoneId: 'UTC',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'setup', testMatch: /first-run\.spec\.ts/ },
    { name: 'console', testIgnore: /first-run\.spec\.ts/, dependencies: ['setup'] },
  ],
  webServer: [
    {
      // A real, certified OpenID provider (npm's oidc-provider) for single sign-on.
      command: `exec node peers/oidc-provider.mjs ${IDP_PORT} http://127.0.0.1:${PORT}/auth/oidc/callback`,
      url: `http://127.0.0.1:${IDP_PORT}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `exec ./target/release/server > "${SERVER_LOG}" 2>&1`,
      cwd: ROOT,
      url: `http://127.0.0.1:${PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: {
        // Its own embedded cluster, even when the Rust tests' DATABASE_URL is exported.
        DATABASE_URL: '',
        LATCHKEY_LISTEN: `127.0.0.1:${PORT}`,
        LATCHKEY_DATA_DIR: DATA_DIR,
        LEPTOS_SITE_ROOT: 'target/site',
        RUST_LOG: 'info',
        // The webhook tests' receivers listen on this machine's loopback.
        LATCHKEY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        LATCHKEY_OIDC_ISSUER: `http://127.0.0.1:${IDP_PORT}`,
        LATCHKEY_OIDC_CLIENT_ID: 'latchkey',
        LATCHKEY_OIDC_CLIENT_SECRET: 'latchkey-secret',
        LATCHKEY_OIDC_NAME: 'Test IdP',
        LATCHKEY_OIDC_ROLES_CLAIM: 'groups',
        LATCHKEY_OIDC_SCOPES: 'groups',
      },
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    },
  ],
});
