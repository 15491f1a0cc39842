// A real OpenID provider for the upstream-login tests: panva's certified oidc-provider on 127.0.0.1 (a free port),
// with two users and a `groups` claim, and one confidential client for the hub that also gets refresh tokens and may
// end sessions (RP-Initiated Logout back to the hub's signed-out callback). Prints {"issuer": ...} once listening.
// Usage: node provider.mjs REDIRECT_URI CLIENT_SECRET [ACCESS_TOKEN_SECONDS]
import http from 'node:http';
import Provider from 'oidc-provider';

const [redirectUri, clientSecret, accessTokenSeconds] = process.argv.slice(2);
if (!redirectUri || !clientSecret) {
  console.error('usage: node provider.mjs REDIRECT_URI CLIENT_SECRET');
  process.exit(2);
}

// Dev interactions accept any password: the user is the login typed.
const accounts = {
  ada: { preferred_username: 'Ada@Uni.Example', name: 'Ada Lovelace', groups: ['physics', 'analysts'] },
  bob: { preferred_username: 'bob', name: 'Bob Chemist', groups: ['chemistry'] },
};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'greyhub',
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [redirectUri.replace(/\/callback$/, '/signout-callback')],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'groups'],
    pkce: { required: () => true },
    // A refresh token for every code of this client (no offline_access consent round in the tests).
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { AccessToken: Number(accessTokenSeconds ?? 3600) },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['greyhub-test-only-cookie-key'] },
    async findAccount(ctx, id) {
      const account = accounts[id];
      return account && { accountId: id, async claims() { return { sub: id, ...account }; } };
    },
  });
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
