import * as oidc from 'openid-client';

/**
 * How an exchange with a provider failed:
 * - `unavailable`: it could not be reached, timed out, or answered with something that is not OAuth (5xx, HTML);
 * - `denied`: the person refused (or cancelled) at the provider;
 * - `provider_error`: the provider refused the request (an OAuth error such as `invalid_grant`);
 * - `invalid_response`: its answer failed validation (state, issuer, signature, audience, expiry, nonce…).
 */
export type OidcFailureKind = 'unavailable' | 'denied' | 'provider_error' | 'invalid_response';

export class OidcFailure extends Error {
  constructor(
    readonly kind: OidcFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OidcFailure';
  }
}

const UNAVAILABLE_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON']);

/**
 * A request that never got an answer: `fetch` failing to connect (a
 * TypeError "fetch failed") or a timeout. Recognised by name, not
 * `instanceof`, since they may come from another realm than this module's,
 * and also as the cause openid-client wrapped them in.
 */
function isTransportFailure(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 3; depth++) {
    const { name, message } = current as Error;
    if ((name === 'TypeError' && message === 'fetch failed') || name === 'TimeoutError' || name === 'AbortError') return true;
    current = (current as Error).cause;
  }
  return false;
}

/**
 * Sorts an error of openid-client into an OidcFailure. Anything else (a
 * programming error) is rethrown as it is: a fault, not the provider's doing.
 */
export function classifyOidcError(error: unknown): OidcFailure {
  if (error instanceof OidcFailure) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    return new OidcFailure(error.error === 'access_denied' ? 'denied' : 'provider_error', `the provider answered ${error.error}`, { cause: error });
  }
  if (error instanceof oidc.ResponseBodyError) {
    const kind = error.status >= 500 ? 'unavailable' : 'provider_error';
    return new OidcFailure(kind, `the provider refused the request: ${error.error} (HTTP ${error.status})`, { cause: error });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    return new OidcFailure('provider_error', `the provider refused the access token (HTTP ${error.status})`, { cause: error });
  }
  if (isTransportFailure(error)) return new OidcFailure('unavailable', 'the provider could not be reached in time', { cause: error });
  if (error instanceof oidc.ClientError) {
    const kind = error.code && UNAVAILABLE_CODES.has(error.code) ? 'unavailable' : 'invalid_response';
    const cause = (error.cause as Error | undefined)?.message;
    const detail = cause && cause !== error.message ? `: ${cause}` : '';
    return new OidcFailure(kind, `${error.message}${detail}`, { cause: error });
  }
  throw error;
}
