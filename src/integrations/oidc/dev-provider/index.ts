import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../../logger';
import type { DevProviderWorkerData, FromDevProvider, ToDevProvider } from './protocol';

/** The development identity provider as the gateway sees it: a provider like any other, plus its lifecycle. */
export interface DevIdentityProvider {
  /** Its issuer URL (http://127.0.0.1:<port>), which is also where browsers reach it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers the gateway's callback URL as its client's only redirect URI (known once the gateway listens). */
  configure(redirectUri: string): Promise<void>;
  /** Called once if its worker ends (stopped, or crashed). */
  onExit(listener: () => void): void;
  stop(): Promise<void>;
}

export interface DevIdentityProviderOptions {
  /** The accounts its sign-in page offers with one click. */
  accounts: ReadonlyArray<{ email: string; name: string }>;
  log: Logger;
  /** Loopback by default: it has no passwords, so it must not be reachable from elsewhere. */
  host?: string;
  port?: number;
}

const START_TIMEOUT_MS = 30_000;

// The worker runs TypeScript: it registers tsx's CommonJS hook first, then loads the provider.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
require(workerData.tsx).register();
require(workerData.entry);
`;

/**
 * Starts the development identity provider in a worker thread of this
 * process, listening on a loopback port. Outside production only: it signs
 * anyone in as whatever email they type.
 */
export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  const clientId = 'storefront-gateway';
  const clientSecret = randomBytes(24).toString('base64url');
  const workerData: DevProviderWorkerData & { tsx: string; entry: string } = {
    clientId,
    clientSecret,
    accounts: options.accounts.map(({ email, name }) => ({ email, name })),
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    tsx: require.resolve('tsx/cjs/api'),
    entry: path.join(__dirname, 'worker.ts'),
  };
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData });
  const log = options.log.child({ component: 'dev-identity-provider' });
  const waiting = new Map<FromDevProvider['type'], Array<(message: FromDevProvider) => void>>();
  let failure: Error | null = null;

  worker.on('message', (message: FromDevProvider) => {
    if (message.type === 'log') {
      log[message.level](message.details, message.message);
      return;
    }
    const resolvers = waiting.get(message.type) ?? [];
    waiting.delete(message.type);
    for (const resolve of resolvers) resolve(message);
  });
  worker.on('error', (error) => {
    failure = error;
    log.error({ err: error }, 'development identity provider failed');
  });

  function next<T extends FromDevProvider['type']>(type: T): Promise<Extract<FromDevProvider, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const timer = setTimeout(() => reject(new Error(`the development identity provider did not answer (${type})`)), START_TIMEOUT_MS);
      const onExit = () => reject(failure ?? new Error('the development identity provider stopped'));
      worker.once('exit', onExit);
      waiting.set(type, [
        ...(waiting.get(type) ?? []),
        (message) => {
          clearTimeout(timer);
          worker.off('exit', onExit);
          resolve(message as Extract<FromDevProvider, { type: T }>);
        },
      ]);
    });
  }
  const post = (message: ToDevProvider) => worker.postMessage(message);

  let issuer: string;
  try {
    ({ issuer } = await next('listening'));
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  log.info({ issuer }, 'development identity provider running in-process');

  return {
    issuer,
    clientId,
    clientSecret,
    async configure(redirectUri) {
      const configured = next('configured');
      post({ type: 'configure', redirectUri });
      await configured;
    },
    onExit(listener) {
      worker.once('exit', listener);
    },
    async stop() {
      const stopped = next('stopped').catch(() => undefined);
      post({ type: 'stop' });
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await worker.terminate();
    },
  };
}
