// panva oidc-provider 8.8.1 set up like trohet's benchmark setup (see README.md here).
//
// One confidential client, one account, Argon2id password check on every login, refresh
// tokens rotated on every use. Storage is oidc-provider's default in-memory adapter (a
// QuickLRU of 1,000 entries per generation; nothing is durable). Keys are generated at start.
//
// Environment: PORT (required), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, EMAIL, PASSWORD.
import crypto from 'node:crypto';
import http from 'node:http';
import { hash, verify } from '@node-rs/argon2';
import Provider from 'oidc-provider';

const env = (name, fallback) => process.env[name] ?? fallback;
const PORT = Number(env('PORT'));
if (!PORT) throw new Error('PORT is required');
const ISSUER = `http://127.0.0.1:${PORT}`;
const EMAIL = env('EMAIL', 'bench@example.com');
const ACCOUNT_ID = 'bench-account';

// The password is hashed once here and verified on every login, at trohet's cost:
// Argon2id (algorithm 2), m = 19456 KiB, t = 2, p = 1. @node-rs/argon2 2.0.2 wraps the same
// RustCrypto `argon2` 0.5.3 crate trohet uses (2.2.1 ships the faster `argon2-rust` instead).
const PASSWORD_HASH = await hash(env('PASSWORD', 'bench-password-2026'), {
  algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1,
});
if (!PASSWORD_HASH.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')) {
  throw new Error(`unexpected Argon2 parameters: ${PASSWORD_HASH}`);
}

// An RS256 signing key (trohet's default id_token algorithm), exported as a private JWK.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', use: 'sig', alg: 'RS256' };

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: env('CLIENT_ID', 'bench'),
    client_secret: env('CLIENT_SECRET', 'bench-secret'),
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [env('REDIRECT_URI', 'http://127.0.0.1:1/cb')],
  }],
  jwks: { keys: [signingKey] },
  cookies: {
    keys: [crypto.randomBytes(32).toString('base64url')],
    long: { signed: true }, short: { signed: true },
  },
  pkce: { methods: ['S256'], required: () => true }, // 8.8.1's default, spelled out
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  features: { devInteractions: { enabled: false } }, // our own pages below
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // Refresh tokens for code flows that asked for offline_access (8.8.1's default policy,
  // which is trohet's too), rotated on every use; reusing a rotated one revokes the grant.
  issueRefreshToken: async (ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  rotateRefreshToken: true,
  // Lifetimes set only to silence oidc-provider's notices; access tokens live 5 min as in trohet.
  ttl: {
    AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600,
    Grant: 14 * 86400, Session: 14 * 86400, RefreshToken: 14 * 86400,
  },
  findAccount: async (ctx, id) => (id !== ACCOUNT_ID ? undefined : {
    accountId: ACCOUNT_ID,
    claims: async () => ({ sub: ACCOUNT_ID, name: 'Bench', email: EMAIL, email_verified: true }),
  }),
});

// Consent is granted automatically (first-party client, as in trohet): a grant for every
// requested scope, handed in together with the login result so no consent page is shown.
async function grantAll(details, accountId) {
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  return grant.save();
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const loginPage = (uid) => `<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${escape(uid)}/login">
<input name="email" type="email" required><input name="password" type="password" required>
<button>Sign in</button></form>`;

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// The interaction routes, in front of the provider (which serves everything else).
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const { name } = details.prompt;
  if (req.method === 'GET' && !action && name === 'login') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    return res.end(loginPage(uid));
  }
  if (req.method === 'GET' && !action && name === 'consent') { // only with an existing session
    const grantId = await grantAll(details, details.session.accountId);
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'POST' && action === 'login' && name === 'login') {
    const form = await readForm(req);
    const ok = form.get('email') === EMAIL
      && await verify(PASSWORD_HASH, form.get('password') ?? ''); // Argon2id, off the event loop
    if (!ok) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(loginPage(uid));
    }
    const grantId = await grantAll(details, ACCOUNT_ID);
    return provider.interactionFinished(req, res, {
      login: { accountId: ACCOUNT_ID }, consent: { grantId },
    }, { mergeWithLastSubmission: false });
  }
  res.writeHead(400).end('unexpected interaction step');
}

provider.on('server_error', (ctx, err) => console.error('server_error:', err));
const callback = provider.callback();
http.createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(\w+))?$/.exec(req.url);
  if (!match) return callback(req, res);
  interaction(req, res, match[1], match[2]).catch((err) => {
    console.error('interaction failed:', err.message);
    if (!res.headersSent) res.writeHead(400);
    res.end();
  });
}).listen(PORT, '127.0.0.1', () => console.log(`oidc-provider 8.8.1 on ${ISSUER}`));
