import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { createServiceContext } from '../../context';
import type { Db } from '../../db/prisma';
import { newAttemptSecrets, OidcFailure, type OidcClient, type OidcFailureKind } from '../../integrations/oidc/client';
import { callbackUrl } from '../../integrations/oidc/setup';
import type { Logger } from '../../logger';
import { recordSignInAttempt, takeSignInAttempt } from '../../modules/identity/attempts';
import { resolveExternalIdentity } from '../../modules/identity/service';
import { issueSignInCode } from '../../modules/identity/sign-in-code';
import { completionPage } from './completion-page';
import { isSignInErrorCode, type SignInErrorCode } from './errors';
import { withOutcome, type ReturnUrls } from './return-url';
import { clearStateCookie, setStateCookie, stateMatchesCookie } from './state-cookie';

export interface AuthRoutesOptions {
  db: Db;
  log: Logger;
  /** The usable providers, by name. */
  providers: ReadonlyMap<string, OidcClient>;
  returnUrls: ReturnUrls;
  /** The gateway's origin as browsers reach it (PUBLIC_URL, or where it listens). */
  publicUrl: () => string;
}

const FAILURE_CODES: Record<OidcFailureKind, SignInErrorCode> = {
  unavailable: 'provider_unavailable',
  denied: 'access_denied',
  provider_error: 'provider_error',
  invalid_response: 'invalid_response',
};

/** One value of a query parameter; a repeated parameter counts as none. */
function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Redirects that carry sign-in state are never cached, and send no Referer onwards. */
function redirect(res: Response, location: string): void {
  res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.redirect(302, location);
}

/**
 * The browser's side of "Sign in with …" (OpenID Connect, authorization
 * code flow with PKCE):
 *
 * - `GET /auth/<provider>/start?returnTo=…` checks `returnTo` against the
 *   allow-list, stores a new attempt (state, nonce, PKCE verifier; the state
 *   hashed), sets the state cookie and redirects to the provider;
 * - `GET /auth/<provider>/callback` takes the attempt its state names (once,
 *   and only with the matching cookie), exchanges the code, validates the ID
 *   token, finds or creates the account, and redirects to `returnTo` with a
 *   one-time sign-in code, or with `error=<code>`;
 * - `GET /auth/complete` is the gateway's own return page.
 *
 * No token ever travels in a URL: the sign-in code is exchanged for tokens by
 * `completeExternalSignIn`. A failure creates no account, identity or code.
 */
export function authRoutes(options: AuthRoutesOptions): Router {
  const { db, providers, returnUrls, publicUrl } = options;
  const log = options.log.child({ component: 'sign-in' });
  const router = Router();

  router.get('/auth/complete', (req, res) => {
    const nonce = randomBytes(16).toString('base64');
    const error = single(req.query.error);
    res.set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self' ${new URL(publicUrl()).origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    });
    res.send(
      completionPage({
        code: single(req.query.code)?.slice(0, 200),
        error: isSignInErrorCode(error) ? error : error === undefined ? undefined : 'server_error',
        providers: [...providers.keys()],
        graphqlUrl: `${publicUrl()}/graphql`,
        nonce,
      }),
    );
  });

  router.get('/auth/:provider/start', async (req: Request<{ provider: string }>, res) => {
    const name = req.params.provider;
    const provider = providers.get(name);
    if (!provider) return redirect(res, withOutcome(returnUrls.completionPage(), { error: 'unknown_provider' }));
    const requested = req.query.returnTo;
    const returnTo = requested === undefined || typeof requested === 'string' ? returnUrls.resolve(requested) : null;
    if (!returnTo) return redirect(res, withOutcome(returnUrls.completionPage(), { error: 'return_to_not_allowed' }));
    const requestId = res.locals.requestId as string | undefined;
    try {
      const secrets = newAttemptSecrets();
      const redirectUri = callbackUrl(publicUrl(), name);
      const authorizationUrl = await provider.authorizationUrl(redirectUri, secrets);
      await recordSignInAttempt(createServiceContext(db, log), { provider: name, returnTo, ...secrets });
      setStateCookie(res, name, redirectUri, secrets.state);
      redirect(res, authorizationUrl.href);
    } catch (error) {
      if (!(error instanceof OidcFailure)) {
        log.error({ err: error, provider: name, requestId }, 'sign-in start failed');
        return redirect(res, withOutcome(returnTo, { error: 'server_error' }));
      }
      log.warn({ provider: name, reason: error.message, requestId }, 'sign-in start failed: provider unavailable');
      redirect(res, withOutcome(returnTo, { error: FAILURE_CODES[error.kind] }));
    }
  });

  router.get('/auth/:provider/callback', async (req: Request<{ provider: string }>, res) => {
    const name = req.params.provider;
    const provider = providers.get(name);
    if (!provider) return redirect(res, withOutcome(returnUrls.completionPage(), { error: 'unknown_provider' }));
    const redirectUri = callbackUrl(publicUrl(), name);
    clearStateCookie(res, name, redirectUri);
    const requestId = res.locals.requestId as string | undefined;
    const fail = (returnTo: string, code: SignInErrorCode, reason: string) => {
      log.warn({ provider: name, error: code, reason, requestId }, 'sign-in refused');
      redirect(res, withOutcome(returnTo, { error: code }));
    };

    const state = single(req.query.state) ?? '';
    if (!stateMatchesCookie(req, name, state)) return fail(returnUrls.completionPage(), 'invalid_state', 'the state is missing or not this browser’s');
    let returnTo = returnUrls.completionPage();
    try {
      const ctx = createServiceContext(db, log);
      const attempt = await takeSignInAttempt(ctx, { provider: name, state });
      if (!attempt) return fail(returnTo, 'invalid_state', 'no pending attempt has this state');
      returnTo = attempt.returnTo;

      const current = new URL(redirectUri);
      current.search = new URL(req.originalUrl, 'http://callback.invalid').search;
      let identity;
      try {
        identity = await provider.exchange(current, { state, nonce: attempt.nonce, codeVerifier: attempt.codeVerifier });
      } catch (error) {
        if (!(error instanceof OidcFailure)) throw error;
        return fail(returnTo, FAILURE_CODES[error.kind], error.message);
      }
      const user = await resolveExternalIdentity(ctx, { provider: name, ...identity });
      if (!user.ok) return fail(returnTo, user.userErrors[0]!.code, user.userErrors[0]!.message);
      const code = await issueSignInCode(ctx, { userId: user.value.id, provider: name });
      log.info({ provider: name, userId: user.value.id, requestId }, 'signed in through provider');
      redirect(res, withOutcome(returnTo, { code }));
    } catch (error) {
      log.error({ err: error, provider: name, requestId }, 'sign-in callback failed');
      redirect(res, withOutcome(returnTo, { error: 'server_error' }));
    }
  });

  return router;
}
