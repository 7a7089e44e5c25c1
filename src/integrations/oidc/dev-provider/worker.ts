/**
 * The development identity provider: a real OpenID Connect provider
 * (oidc-provider) on a loopback port, with one client (the gateway) and a
 * sign-in page instead of passwords. It runs in a worker thread of the
 * gateway's process: oidc-provider is an ES module with its own dependency
 * tree, loaded here by Node itself, apart from the gateway's modules.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import Provider, { type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import { MemoryAdapter } from './memory-adapter';
import { errorPage, signInPage } from './pages';
import type { DevProviderWorkerData, FromDevProvider, ToDevProvider } from './protocol';

const data = workerData as DevProviderWorkerData;
const port = parentPort!;
const FORM_LIMIT_BYTES = 16 * 1024;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

function send(message: FromDevProvider): void {
  port.postMessage(message);
}

function log(level: 'info' | 'warn' | 'error', message: string, details: Record<string, unknown> = {}): void {
  send({ type: 'log', level, message, details });
}

/** Who signed in here, by subject: what the ID token will say about them. */
const people = new Map<string, { email: string; emailVerified: boolean; name: string | undefined }>();

/** A stable subject per address, as a real provider keeps one per person. */
function subjectOf(email: string): string {
  return `dev-${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 24)}`;
}

function signingKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/**
 * Requests reach the provider without its session cookies: it keeps no
 * session between sign-ins, so the sign-in page is shown every time and one
 * can switch accounts (with a session, a new account would first end the
 * previous one through a self-submitting page).
 */
function withoutSession(req: http.IncomingMessage): void {
  const cookies = req.headers.cookie?.split(';').filter((cookie) => !/^\s*_session(\.legacy)?(\.sig)?=/.test(cookie));
  req.headers.cookie = cookies?.join(';');
}

function createProvider(issuer: string, redirectUri: string): Provider {
  const configuration: Configuration = {
    adapter: MemoryAdapter,
    clients: [
      {
        client_id: data.clientId,
        client_secret: data.clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The claims go in the ID token itself, as Google puts them there.
    conformIdTokenClaims: false,
    scopes: ['openid', 'email', 'profile'],
    findAccount: (_ctx, sub) => {
      const person = people.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: person.email, email_verified: person.emailVerified, ...(person.name ? { name: person.name } : {}) }),
      };
    },
    // The gateway is the only client and a first party: no consent screen.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [signingKey()] },
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage('Sign-in failed', `${out.error}: ${out.error_description ?? ''}`);
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (_ctx, error: Error) => log('error', 'development identity provider: server error', { err: error.message }));
  return provider;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function html(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: browsers apply it to the redirects after a submission too, and those lead back to the gateway.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}

/** The sign-in page (GET), a choice of account (POST …/login), or a refusal (POST …/abort). */
async function interaction(provider: Provider, req: http.IncomingMessage, res: http.ServerResponse, uid: string, action: string | undefined): Promise<void> {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    html(res, 400, errorPage('This sign-in has expired', 'Go back to the store and start again.'));
    return;
  }
  if (details.uid !== uid) {
    html(res, 400, errorPage('This sign-in has expired', 'Go back to the store and start again.'));
    return;
  }
  if (req.method === 'GET' && action === undefined) {
    html(res, 200, signInPage({ uid, accounts: data.accounts }));
    return;
  }
  if (req.method !== 'POST' || (action !== 'login' && action !== 'abort')) {
    html(res, 405, errorPage('Not allowed', 'Use the buttons of the sign-in page.'));
    return;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
    return;
  }
  const form = await readForm(req);
  const email = form?.get('email')?.trim() ?? '';
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) {
    html(res, 400, signInPage({ uid, accounts: data.accounts, error: 'Enter an email address like someone@example.com.', email }));
    return;
  }
  const accountId = subjectOf(email);
  const name = form?.get('name')?.trim().slice(0, 100) || undefined;
  people.set(accountId, { email, emailVerified: form?.get('email_verified') === 'true', name });
  await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
}

let provider: Provider | null = null;
let handle: ReturnType<Provider['callback']> | null = null;

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|abort))?$/.exec(path);
  if (!provider || !handle) {
    html(res, 503, errorPage('Not ready', 'The development identity provider is starting.'));
    return;
  }
  if (match) {
    interaction(provider, req, res, match[1]!, match[2]).catch((error: unknown) => {
      log('error', 'development identity provider: interaction failed', { err: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) html(res, 500, errorPage('Sign-in failed', 'The development identity provider failed; see the gateway log.'));
    });
    return;
  }
  withoutSession(req);
  handle(req, res);
});

let issuer = '';

port.on('message', (message: ToDevProvider) => {
  if (message.type === 'configure') {
    provider = createProvider(issuer, message.redirectUri);
    handle = provider.callback();
    send({ type: 'configured' });
  } else if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => send({ type: 'stopped' }));
  }
});

server.listen(data.port, data.host, () => {
  const address = server.address() as AddressInfo;
  issuer = `http://${data.host}:${address.port}`;
  send({ type: 'listening', issuer });
});
