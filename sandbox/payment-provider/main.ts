import pino from 'pino';
import { parseSwitches, startSandboxProvider, type SandboxSwitches } from './server';

/**
 * `npm run payments:sandbox`: the sandbox payment provider as its own process, for development.
 * Configured from the environment; see README.md in this folder.
 */

class EnvError extends Error {}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new EnvError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return value;
}

function flag(name: string): boolean | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new EnvError(`${name} must be true or false (got "${raw}")`);
}

function count(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  return integer(name, 0, 0, 1_000_000);
}

function switchesFromEnv(): Partial<SandboxSwitches> {
  const duplicateRaw = process.env.SANDBOX_DUPLICATE_WEBHOOKS;
  let duplicateWebhooks: boolean | number | undefined;
  if (duplicateRaw === 'true' || duplicateRaw === 'false') duplicateWebhooks = duplicateRaw === 'true';
  else if (duplicateRaw !== undefined && duplicateRaw !== '') duplicateWebhooks = Number(duplicateRaw);
  const candidate = {
    failNext: count('SANDBOX_FAIL_NEXT'),
    down: flag('SANDBOX_DOWN'),
    timeoutNext: count('SANDBOX_TIMEOUT_NEXT'),
    delayMs: count('SANDBOX_DELAY_MS'),
    webhookDelayMs: count('SANDBOX_WEBHOOK_DELAY_MS'),
    duplicateWebhooks,
    reorderWebhooks: flag('SANDBOX_REORDER_WEBHOOKS'),
    dropWebhooks: flag('SANDBOX_DROP_WEBHOOKS'),
  };
  const defined = Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined));
  try {
    return parseSwitches(defined);
  } catch (error) {
    throw new EnvError(`SANDBOX_* switch invalid: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function main(): Promise<void> {
  const port = integer('PAYMENT_SANDBOX_PORT', 4100, 0, 65535);
  const host = process.env.PAYMENT_SANDBOX_HOST || '127.0.0.1';
  const apiKey = process.env.PAYMENT_API_KEY || 'sk_test_sandbox';
  // Comma-separated: several secrets sign every webhook, as during a rotation.
  const webhookSecret = (process.env.PAYMENT_WEBHOOK_SECRET || 'whsec_sandbox_development').split(',').map((s) => s.trim()).filter(Boolean);
  const webhookUrl = process.env.PAYMENT_WEBHOOK_URL || 'http://localhost:4000/webhooks/payments';
  const slowMs = integer('SANDBOX_SLOW_MS', 5000, 0, 600_000);
  const switches = switchesFromEnv();
  const log = pino({ level: process.env.LOG_LEVEL || 'info', base: { service: 'payment-sandbox' } });

  const sandbox = await startSandboxProvider({ port, host, apiKey, webhookSecret, webhookUrl, slowMs, log });
  Object.assign(sandbox.switches, switches);
  process.stdout.write(`\nPayment sandbox listening at ${sandbox.url}\nWebhooks go to ${webhookUrl}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'payment sandbox stopping');
    await sandbox.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Payment sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
