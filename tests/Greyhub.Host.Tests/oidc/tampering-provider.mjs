// A deliberately broken OpenID provider for the refusal tests, on node's built-ins only. oidc-provider cannot be made to
// issue bad id_tokens, so this one does, one kind per issuer path (http://127.0.0.1:PORT/MODE):
//   good            a correct id_token (the control: proves the refusals below are about the token alone)
//   wrong-key       signed by a key that is not in the JWKS, under the published key id
//   wrong-audience  aud is another client
//   expired         exp an hour ago
//   alg-none        unsigned, "alg": "none"
//   replayed-nonce  the nonce of the last `good` flow, already used
// Authorize redirects straight back with a code (no login page). Prints {"base": ...} once listening.
import http from 'node:http';
import crypto from 'node:crypto';

const published = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'test-key';
const codes = new Map();
let lastGoodNonce = 'never-issued';

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
function jwt(claims, mode) {
  if (mode === 'alg-none') {
    return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  }
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  const key = mode === 'wrong-key' ? stranger.privateKey : published.privateKey;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, base);
  const [, mode, ...rest] = url.pathname.split('/');
  const path = rest.join('/');
  const issuer = `${base}/${mode}`;
  if (path === '.well-known/openid-configuration') {
    return send(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
    });
  }
  if (path === 'jwks') {
    return send(res, 200, { keys: [{ ...published.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
  }
  if (path === 'authorize') {
    const code = crypto.randomBytes(16).toString('hex');
    const nonce = url.searchParams.get('nonce');
    codes.set(code, { mode, nonce, clientId: url.searchParams.get('client_id') });
    if (mode === 'good') {
      lastGoodNonce = nonce;
    }
    const back = new URL(url.searchParams.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state'));
    res.writeHead(302, { location: back.toString() });
    return res.end();
  }
  if (path === 'token' && req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const grant = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    if (!grant) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: 'mallory',
      aud: grant.mode === 'wrong-audience' ? 'someone-else' : grant.clientId,
      iat: grant.mode === 'expired' ? now - 7200 : now,
      exp: grant.mode === 'expired' ? now - 3600 : now + 300,
      nonce: grant.mode === 'replayed-nonce' ? lastGoodNonce : grant.nonce,
      preferred_username: 'mallory',
      groups: ['physics'],
    };
    return send(res, 200, { access_token: crypto.randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: jwt(claims, grant.mode) });
  }
  send(res, 404, { error: 'not_found' });
});
let base = '';
server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  console.log(JSON.stringify({ base }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
