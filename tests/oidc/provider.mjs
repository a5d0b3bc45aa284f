// A real OpenID Connect provider (panva's oidc-provider, pinned in
// package.json) for renkei's OIDC sign-in tests, on a free loopback port.
//
//   node tests/oidc/provider.mjs --client-secret S --redirect-uri URI [--redirect-uri URI…]
//        [--client-id renkei] [--port 0] [--accounts FILE] [--watch-stdin]
//
// Prints `oidc-provider: http://127.0.0.1:PORT` (the issuer) as its first
// line. Sign-in and consent use the package's own pages (devInteractions):
// any login name and any password are accepted, and the login name is the
// subject. Claims: FILE (JSON, read at every request, so a test can change
// them between sign-ins) maps a login name to {email, email_verified, name};
// a login name that is not there and contains @ is a verified address.
// PKCE is required of every client. With --watch-stdin the provider exits
// when its standard input closes (its parent went away).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string', default: 'renkei' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    accounts: { type: 'string' },
    'watch-stdin': { type: 'boolean', default: false },
  },
});
if (!args['client-secret'] || !args['redirect-uri']?.length) {
  console.error('provider.mjs: --client-secret and --redirect-uri are required');
  process.exit(2);
}

function claimsOf(login) {
  let accounts = {};
  if (args.accounts) {
    try {
      accounts = JSON.parse(readFileSync(args.accounts, 'utf8'));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }
  if (Object.hasOwn(accounts, login)) return accounts[login];
  return login.includes('@') ? { email: login, email_verified: true } : {};
}

const server = createServer();
await new Promise((resolve) => { server.listen(Number(args.port), '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig',
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, ...claimsOf(sub) };
      },
    };
  },
});
server.on('request', provider.callback());

console.log(`oidc-provider: ${issuer}`);

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (args['watch-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
