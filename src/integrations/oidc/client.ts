import * as oidc from 'openid-client';
import type { OidcProviderConfig } from '../../config';
import { classifyOidcError, OidcFailure } from './failure';

export { OidcFailure, type OidcFailureKind } from './failure';

/** Who the provider says signed in, once every check on its answer passed. */
export interface VerifiedIdentity {
  /** The provider's stable identifier of the person (`sub`). */
  subject: string;
  email: string | null;
  /** Whether the provider vouches that the person controls `email`. */
  emailVerified: boolean;
  name: string | null;
}

/** What a sign-in attempt keeps between the redirect to the provider and the callback. */
export interface AttemptSecrets {
  state: string;
  nonce: string;
  /** The PKCE verifier; only its S256 challenge goes to the provider. */
  codeVerifier: string;
}

/** One configured OpenID Connect provider, through `openid-client`. */
export interface OidcClient {
  name: string;
  /** Where to send the browser: the authorization-code flow with PKCE (S256), `state` and `nonce`. */
  authorizationUrl(redirectUri: string, secrets: AttemptSecrets): Promise<URL>;
  /**
   * Exchanges the callback's code and validates the answer: the `state` and
   * `iss` of the callback, then the ID token's signature (through the
   * provider's JWKS), issuer, audience, expiry and nonce.
   * @throws OidcFailure for every way the provider or its answer can fail.
   */
  exchange(callbackUrl: URL, secrets: AttemptSecrets): Promise<VerifiedIdentity>;
}

/** A fresh state, nonce and PKCE verifier. */
export function newAttemptSecrets(): AttemptSecrets {
  return { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
}

export const SCOPES = 'openid email profile';
/** How long a discovered configuration (and with it the cached JWKS) is used before discovery runs again. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

function claim(claims: Record<string, unknown>, name: string): string | null {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * A provider client. Discovery runs on first use and its result is kept for
 * an hour (a failure is not kept: the next sign-in tries again); openid-client
 * keeps the JWKS up to five minutes and reads it again when a token names a
 * key it does not have. Every request to the provider has `timeoutMs`. Plain
 * http:// issuers (only accepted outside production, by the configuration)
 * are allowed for local providers.
 */
export function createOidcClient(provider: OidcProviderConfig, options: { timeoutMs: number }): OidcClient {
  const timeout = options.timeoutMs / 1000;
  const insecure = new URL(provider.issuer).protocol === 'http:';
  let cached: { configuration: Promise<oidc.Configuration>; until: number } | null = null;

  async function discover(): Promise<oidc.Configuration> {
    try {
      return await oidc.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, {
        timeout,
        // Verify the ID token's signature even though it comes straight from the token endpoint.
        execute: [oidc.enableNonRepudiationChecks, ...(insecure ? [oidc.allowInsecureRequests] : [])],
      });
    } catch (error) {
      // Whatever makes discovery fail (unreachable, not an OpenID provider, another issuer), the provider cannot be used now.
      const failure = classifyOidcError(error);
      throw new OidcFailure('unavailable', `discovery failed: ${failure.message}`, { cause: error });
    }
  }

  function configuration(): Promise<oidc.Configuration> {
    if (cached && cached.until > Date.now()) return cached.configuration;
    const attempt = discover();
    const entry = { configuration: attempt, until: Date.now() + DISCOVERY_TTL_MS };
    cached = entry;
    attempt.catch(() => {
      if (cached === entry) cached = null;
    });
    return attempt;
  }

  return {
    name: provider.name,
    async authorizationUrl(redirectUri, secrets) {
      const config = await configuration();
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: SCOPES,
        state: secrets.state,
        nonce: secrets.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: 'S256',
      });
    },
    async exchange(callbackUrl, secrets) {
      const config = await configuration();
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: secrets.codeVerifier,
          expectedState: secrets.state,
          expectedNonce: secrets.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new OidcFailure('invalid_response', 'the token response has no ID token');
        let source: Record<string, unknown> = claims;
        if (claim(claims, 'email') === null) {
          // Some providers leave the email out of the ID token: ask UserInfo, for the same subject.
          source = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), sub: claims.sub };
        }
        const verified = source.email_verified;
        return {
          subject: claims.sub,
          email: claim(source, 'email'),
          emailVerified: verified === true || verified === 'true',
          name: claim(source, 'name') ?? claim(claims, 'name'),
        };
      } catch (error) {
        throw classifyOidcError(error);
      }
    },
  };
}
