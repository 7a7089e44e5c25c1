import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

/**
 * A minimal OpenID Connect provider that can lie: the attacker (or a broken
 * provider) the gateway must not believe. It speaks the real protocol
 * (discovery, authorization with PKCE, token endpoint with client
 * authentication, JWKS), signs in whoever comes without asking, and issues
 * ID tokens that are correct, or wrong in exactly one way. `honest` is the
 * control: the gateway accepts it, so a refusal of the others is the forgery's
 * doing. The development provider cannot be made to lie; this one exists for that.
 */
export type Forgery =
  | 'honest'
  /** Signed with another key under the published key's `kid`. */
  | 'foreign-key'
  /** Signed with a key the JWKS does not have. */
  | 'unknown-key'
  /** Issued to another client. */
  | 'wrong-audience'
  /** Not the nonce of this browser's attempt. */
  | 'wrong-nonce'
  /** Expired an hour ago. */
  | 'expired'
  /** Claims another issuer. */
  | 'wrong-issuer'
  /** The email without email_verified. */
  | 'unverified-email';

export const FORGED_CLIENT = { id: 'gateway-under-test', secret: 'a-client-secret-for-tests' };
export const FORGED_EMAIL = 'mallory@example.com';

export interface ForgingProvider {
  issuer: string;
  forgery: Forgery;
  /** Token requests it answered, for asserting that none was made. */
  tokenRequests: number;
  close(): Promise<void>;
}

interface Pending {
  nonce: string;
  challenge: string;
  redirectUri: string;
}

async function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startForgingProvider(): Promise<ForgingProvider> {
  const published = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'published', alg: 'RS256', use: 'sig' };
  const pending = new Map<string, Pending>();
  let issuer = '';

  async function idToken(state: ForgingProvider, attempt: Pending): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const forgery = state.forgery;
    const claims: Record<string, unknown> = {
      email: FORGED_EMAIL,
      email_verified: forgery !== 'unverified-email',
      name: 'Mallory',
      nonce: forgery === 'wrong-nonce' ? 'a-nonce-of-another-attempt' : attempt.nonce,
    };
    let key: CryptoKey = published.privateKey;
    let kid = 'published';
    if (forgery === 'foreign-key') key = other.privateKey;
    if (forgery === 'unknown-key') {
      key = other.privateKey;
      kid = 'not-published';
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(forgery === 'wrong-issuer' ? 'https://accounts.example.org' : issuer)
      .setSubject('mallory-at-forging-provider')
      .setAudience(forgery === 'wrong-audience' ? 'some-other-client' : FORGED_CLIENT.id)
      .setIssuedAt(forgery === 'expired' ? now - 7200 : now)
      .setExpirationTime(forgery === 'expired' ? now - 3600 : now + 300)
      .sign(key);
  }

  const state: ForgingProvider = {
    issuer: '',
    forgery: 'honest',
    tokenRequests: 0,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    void (async () => {
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_post'],
        });
      }
      if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
      if (url.pathname === '/authorize') {
        const query = url.searchParams;
        const code = randomBytes(16).toString('hex');
        pending.set(code, { nonce: query.get('nonce') ?? '', challenge: query.get('code_challenge') ?? '', redirectUri: query.get('redirect_uri') ?? '' });
        const back = new URL(query.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', query.get('state') ?? '');
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        state.tokenRequests += 1;
        const form = await readBody(req);
        const attempt = pending.get(form.get('code') ?? '');
        pending.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (form.get('client_id') !== FORGED_CLIENT.id || form.get('client_secret') !== FORGED_CLIENT.secret) return json(res, 401, { error: 'invalid_client' });
        if (!attempt || attempt.challenge !== challenge || attempt.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
        return json(res, 200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: await idToken(state, attempt) });
      }
      json(res, 404, { error: 'not_found' });
    })().catch(() => json(res, 500, { error: 'server_error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.issuer = issuer;
  return state;
}

/** A port nothing listens on: a provider that is down. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A provider that accepts connections and never answers: only the gateway's timeout ends the wait. */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(() => {
    // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
