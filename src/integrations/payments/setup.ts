import { randomBytes } from 'node:crypto';
import type { PaymentConfig } from '../../config';
import type { Logger } from '../../logger';
import { createPaymentProvider, type PaymentProvider } from './client';

/** The payment provider as the gateway process runs it: a client, the webhook secrets, and the in-process sandbox when there is one. */
export interface PaymentsRuntime {
  provider: PaymentProvider;
  /** The secrets webhook signatures are checked against. */
  webhookSecrets: string[];
  /** Where the in-process sandbox delivers its webhooks: the gateway's origin, known once it listens. */
  attachGateway(origin: string): void;
  /** The in-process sandbox's API URL, when it runs (for logs and for tests' switches). */
  sandboxUrl: string | null;
  /** The in-process sandbox's API key, when it runs. */
  sandboxApiKey: string | null;
  stop(): Promise<void>;
}

/**
 * Connects to the configured provider, or, in sandbox mode (outside
 * production with no provider configured), starts the repository's sandbox
 * provider in this process on a loopback port and wires the client to it.
 * The sandbox signs with PAYMENT_WEBHOOK_SECRET when set (so a captured event
 * can be replayed by hand), else with a fresh random secret.
 */
export async function startPayments(config: PaymentConfig, log: Logger): Promise<PaymentsRuntime> {
  const timeoutMs = config.requestTimeoutMs;
  if (config.mode === 'provider') {
    const provider = createPaymentProvider({ baseUrl: config.providerUrl ?? '', apiKey: config.apiKey ?? '', log, timeoutMs });
    return { provider, webhookSecrets: config.webhookSecrets, attachGateway() {}, sandboxUrl: null, sandboxApiKey: null, async stop() {} };
  }
  // Loaded only here: production never starts (or imports) the sandbox.
  const { startSandboxProvider } = await import('../../../sandbox/payment-provider/server');
  const webhookSecrets = config.webhookSecrets.length > 0 ? config.webhookSecrets : [`whsec_${randomBytes(24).toString('hex')}`];
  const apiKey = config.apiKey ?? `sk_test_${randomBytes(16).toString('hex')}`;
  const sandbox = await startSandboxProvider({ port: 0, host: '127.0.0.1', apiKey, webhookSecret: webhookSecrets, log: log.child({ component: 'payment-sandbox' }) });
  log.info({ url: sandbox.url }, 'payment sandbox running in-process');
  return {
    provider: createPaymentProvider({ baseUrl: sandbox.url, apiKey, log, timeoutMs }),
    webhookSecrets,
    attachGateway(origin) {
      sandbox.setWebhookUrl(`${origin}/webhooks/payments`);
    },
    sandboxUrl: sandbox.url,
    sandboxApiKey: apiKey,
    stop: () => sandbox.stop(),
  };
}
