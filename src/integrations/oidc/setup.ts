import type { AuthConfig } from '../../config';
import type { Logger } from '../../logger';
import { DEMO_ACCOUNTS } from '../../seed/generate';
import { createOidcClient, OidcFailure, type OidcClient } from './client';
import type { DevIdentityProvider } from './dev-provider';

/** The development provider's name, in URLs and in `User.identities { provider }`. */
export const DEV_PROVIDER_NAME = 'dev';

/** The sign-in providers as the gateway process runs them. */
export interface IdentityProvidersRuntime {
  /** The usable providers, by name. */
  providers: ReadonlyMap<string, OidcClient>;
  /**
   * In dev mode: the development identity provider's URL, starting it if it
   * is not running yet (it otherwise starts at the first sign-in). Null when
   * real providers are configured.
   */
  devProvider(): Promise<string | null>;
  /** The gateway's public origin, known once it listens: the development provider accepts only its callback URL. */
  attachGateway(publicUrl: string): Promise<void>;
  stop(): Promise<void>;
}

/** The callback URL of a provider, as registered with it. */
export function callbackUrl(publicUrl: string, provider: string): string {
  return `${publicUrl}/auth/${encodeURIComponent(provider)}/callback`;
}

/**
 * The configured providers, or, in `dev` mode (outside production with none
 * configured), the development identity provider under the name `dev`. That
 * one runs in this process (a worker thread on a loopback port), started at
 * the first sign-in or by `devProvider()`, so a gateway that nobody signs in
 * to does not pay for it.
 */
export function startIdentityProviders(config: AuthConfig, log: Logger): IdentityProvidersRuntime {
  const { timeoutMs } = config;
  if (config.mode === 'providers') {
    const providers = new Map(config.providers.map((provider) => [provider.name, createOidcClient(provider, { timeoutMs })]));
    return { providers, devProvider: async () => null, async attachGateway() {}, async stop() {} };
  }

  let redirectUri: string | null = null;
  let running: Promise<{ dev: DevIdentityProvider; client: OidcClient }> | null = null;
  const start = () => {
    if (running) return running;
    const starting = (async () => {
      // Loaded only here: production never starts (or imports) the development provider.
      const { startDevIdentityProvider } = await import('./dev-provider');
      const dev = await startDevIdentityProvider({ accounts: DEMO_ACCOUNTS, log });
      // If it crashes, the next sign-in starts a new one.
      dev.onExit(() => {
        if (running === starting) running = null;
      });
      if (redirectUri) await dev.configure(redirectUri).catch(async (error: unknown) => {
        await dev.stop();
        throw error;
      });
      const client = createOidcClient({ name: DEV_PROVIDER_NAME, issuer: dev.issuer, clientId: dev.clientId, clientSecret: dev.clientSecret }, { timeoutMs });
      return { dev, client };
    })();
    running = starting;
    starting.catch(() => {
      if (running === starting) running = null;
    });
    return starting;
  };
  const client = async () => {
    try {
      return (await start()).client;
    } catch (error) {
      log.error({ err: error }, 'the development identity provider could not start');
      throw new OidcFailure('unavailable', 'the development identity provider could not start', { cause: error });
    }
  };
  const lazy: OidcClient = {
    name: DEV_PROVIDER_NAME,
    authorizationUrl: async (uri, secrets) => (await client()).authorizationUrl(uri, secrets),
    exchange: async (url, secrets) => (await client()).exchange(url, secrets),
  };
  return {
    providers: new Map([[DEV_PROVIDER_NAME, lazy]]),
    devProvider: async () => (await start()).dev.issuer,
    async attachGateway(publicUrl) {
      redirectUri = callbackUrl(publicUrl, DEV_PROVIDER_NAME);
      if (running) await (await running).dev.configure(redirectUri);
    },
    async stop() {
      const current = running;
      running = null;
      const started = await current?.catch(() => null);
      await started?.dev.stop();
    },
  };
}
