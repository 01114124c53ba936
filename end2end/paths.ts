// Where the server under test keeps its embedded database and its log. scripts/test.sh
// sets both to a throwaway folder; run by hand, they default to ../target/.
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..');
export const DATA_DIR = process.env.E2E_DATA_DIR ?? path.join(ROOT, 'target', 'e2e-data');
export const SERVER_LOG = process.env.E2E_SERVER_LOG ?? path.join(ROOT, 'target', 'e2e-server.log');
export const PORT = Number(process.env.E2E_PORT ?? 3100);
// The OpenID provider the single sign-on tests sign in through (peers/oidc-provider.mjs).
export const IDP_PORT = Number(process.env.E2E_IDP_PORT ?? 3110);
