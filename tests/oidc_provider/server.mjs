// A real OpenID provider for the OIDC sign-in tests (oidc-provider, MIT, see
// LICENSE-oidc-provider.md). Started by tests/oidc_server.py:
//
//   node server.mjs CONFIG.json
//
// CONFIG.json: {"port", "client_id", "client_secret", "redirect_uris", "post_logout_redirect_uris",
// "accounts_file"}. The accounts file ({"anna": {"password", "name", "given_name", "family_name",
// "email", "groups", "disabled"}}) is read again at every sign-in and every claims request, so a
// test changes a person's groups (or disables them) between two sign-ins by rewriting it.
//
// The sign-in page is a minimal form (user name, password); consent is implied (the office's own
// application). A disabled person cannot sign in, as with a directory's disabled account.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { URLSearchParams } from 'node:url';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const SCOPES = 'openid email profile groups';

function accounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  async findAccount(ctx, id) {
    const person = accounts()[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        const now = accounts()[id] || person;
        return {
          sub: id,
          preferred_username: id,
          name: now.name,
          given_name: now.given_name,
          family_name: now.family_name,
          email: now.email,
          email_verified: true,
          groups: now.groups || [],
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  scopes: SCOPES.split(' '),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          'Sign out',
          `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">` +
            'Yes, sign me out</button>',
        );
      },
    },
  },
  // The office's own application: no consent screen, every requested scope is granted.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['test-only-cookie-key'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600 },
});

function loginForm(uid, message = '') {
  return page(
    'Sign in at the test provider',
    `${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<p><label for="login">User name</label> <input id="login" name="login" autocomplete="username"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Sign in</button></p></form>`,
  );
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid) {
  await provider.interactionDetails(req, res); // refuses an unknown or expired interaction
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  if (req.method === 'GET') {
    res.end(loginForm(uid));
    return;
  }
  const form = await readForm(req);
  const login = form.get('login') || '';
  const person = accounts()[login];
  if (!person || person.disabled || person.password !== form.get('password')) {
    res.statusCode = 200;
    res.end(loginForm(uid, 'Wrong user name or password, or the account is disabled.'));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: login } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)/.exec(req.url);
  if (!match) {
    callback(req, res);
    return;
  }
  interaction(req, res, match[1]).catch((error) => {
    res.statusCode = 400;
    res.end(page('Error', escape(error.message)));
  });
});
server.listen(config.port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
