// A real, certified OpenID provider (the npm package oidc-provider) for Latchkey's
// single sign-on tests, in Rust (server/tests/api/sso.rs) and in Chromium
// (end2end/tests/sso.spec.ts). Its own login and consent pages (the package's
// development interactions) accept any login name; the people below carry the claims.
//
//   node oidc-provider.mjs <port> [<redirect-uri>]
//
// It prints `ready <issuer>` once it listens. Each start makes a new signing key, so
// restarting it on the same port is a key rotation.
//
// Clients: `latchkey` (secret `latchkey-secret`) and `other-app` (secret
// `other-secret`), both allowed to send people back to <redirect-uri>.
// People (the login name is the subject):
//   alice   alice@example.com, verified, groups [latchkey-admins]
//   bob     bob@example.com, verified, groups [engineering]
//   mallory admin@example.com, NOT verified (an attempt to take over an account)
//   carol   carol@example.com, verified, no groups
//   any other name n: n@example.com, verified, no groups
import Provider from 'oidc-provider';
import { generateKeyPairSync } from 'node:crypto';

const [port, redirectUri = 'http://127.0.0.1:3000/auth/oidc/callback'] = process.argv.slice(2);

const people = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice Anders', groups: ['latchkey-admins'] },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob Berg', groups: ['engineering'] },
  mallory: { email: 'admin@example.com', email_verified: false, name: 'Mallory', groups: ['latchkey-admins'] },
  carol: { email: 'carol@example.com', email_verified: true, name: 'Carol Cho', groups: [] },
};

function claimsOf(sub) {
  const known = people[sub] ?? { email: `${sub}@example.com`, email_verified: true, name: sub, groups: [] };
  return { sub, ...known };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: `k${Date.now()}` };

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'latchkey',
      client_secret: 'latchkey-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    {
      client_id: 'other-app',
      client_secret: 'other-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [signing] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // The claims asked for by scope go into the ID token itself, as Keycloak, Entra ID and
  // Okta can be set to do.
  conformIdTokenClaims: false,
  cookies: { keys: ['latchkey-test-provider-cookie-key'] },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return claimsOf(sub); } };
  },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
