// A GitHub-shaped plain OAuth2 server on 127.0.0.1 (a free port) for the OAuth2 login test: no OpenID Connect, no
// discovery, no id_token. GitHub's paths and answers: /login/oauth/authorize (a sign-in form, then the code back to the
// client), /login/oauth/access_token (form or JSON by Accept; client secret and PKCE S256 checked, codes single use),
// /user (the user's JSON with `login`) and /user/orgs (an array of {login}) with the bearer token.
// Usage: node github.mjs REDIRECT_URI CLIENT_SECRET. Prints {"base": ...} once listening.
import http from 'node:http';
import crypto from 'node:crypto';

const [redirectUri, clientSecret] = process.argv.slice(2);
if (!redirectUri || !clientSecret) {
  console.error('usage: node github.mjs REDIRECT_URI CLIENT_SECRET');
  process.exit(2);
}
const clientId = 'greyhub-github';
const users = {
  'Octo-Cat': { login: 'Octo-Cat', id: 583231, name: 'The Octocat', email: null, orgs: ['physics', 'open-source'] },
};
const codes = new Map();
const tokens = new Map();

const html = (body) => `<!doctype html><html lang="en"><head><title>Sign in to GitHub</title></head><body><main>${body}</main></body></html>`;
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    if (url.pathname === '/login/oauth/authorize' && req.method === 'GET') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || q.get('redirect_uri') !== redirectUri || q.get('code_challenge_method') !== 'S256') {
        res.writeHead(400, { 'content-type': 'text/html' });
        res.end(html('<h1>Bad authorization request</h1>'));
        return;
      }
      const hidden = ['state', 'code_challenge', 'scope'].map((k) => `<input type="hidden" name="${k}" value="${escape(q.get(k) ?? '')}">`).join('');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html(`<h1>Sign in to GitHub</h1><form method="post" action="/login/oauth/authorize">${hidden}
        <label>Username <input name="login" autofocus></label> <label>Password <input name="password" type="password"></label>
        <button type="submit">Sign in</button></form>`));
      return;
    }
    if (url.pathname === '/login/oauth/authorize' && req.method === 'POST') {
      const form = await readForm(req);
      if (!users[form.get('login')]) {
        res.writeHead(401, { 'content-type': 'text/html' });
        res.end(html('<h1>Incorrect username or password.</h1>'));
        return;
      }
      const code = crypto.randomBytes(16).toString('hex');
      codes.set(code, { login: form.get('login'), challenge: form.get('code_challenge'), scope: form.get('scope') });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', form.get('state'));
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const form = await readForm(req);
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      const verifier = form.get('code_verifier') ?? '';
      const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
      if (!grant || form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret
          || form.get('redirect_uri') !== redirectUri || grant.challenge !== challenge) {
        json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        return;
      }
      const token = 'gho_' + crypto.randomBytes(18).toString('hex');
      tokens.set(token, grant.login);
      json(res, 200, { access_token: token, token_type: 'bearer', scope: grant.scope ?? '' });
      return;
    }
    if ((url.pathname === '/user' || url.pathname === '/user/orgs') && req.method === 'GET') {
      const [kind, token] = (req.headers.authorization ?? '').split(' ');
      const login = /^(bearer|token)$/i.test(kind ?? '') ? tokens.get(token) : undefined;
      if (!login || !req.headers['user-agent']) {
        json(res, 401, { message: 'Requires authentication' });
        return;
      }
      const { orgs, ...user } = users[login];
      json(res, 200, url.pathname === '/user' ? user : orgs.map((o) => ({ login: o, id: o.length })));
      return;
    }
    json(res, 404, { message: 'Not Found' });
  } catch (e) {
    json(res, 500, { message: String(e) });
  }
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
