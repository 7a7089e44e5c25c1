// The servers a bench run compares, and how each is started: the gateway
// exactly as a user starts it (`npm start`, production), the same without
// shield, the naive baseline, and optionally the gateway of another checkout.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, LOAD_CORE, SERVER_CORE, startProcess, waitUntilReady, type RunningProcess } from './processes';

export const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export type ServerId = 'gateway' | 'no-shield' | 'naive' | 'reference';

export const SERVER_TITLES: Record<ServerId, string> = {
  gateway: 'gateway',
  'no-shield': 'no shield',
  naive: 'naive N+1',
  reference: 'reference',
};

export interface RunningServer {
  id: ServerId;
  /** The GraphQL endpoint. */
  url: string;
  /** How it was started, for the results. */
  command: string;
  process: RunningProcess;
}

/** Secrets and a payment provider for production mode; none of them protects anything real. */
export const BENCH_SECRETS = {
  JWT_SECRET: 'benchmark-only-secret-0123456789abcdef',
  PAYMENT_API_KEY: 'sk_test_bench',
  PAYMENT_WEBHOOK_SECRET: 'whsec_benchmark_only_secret',
} as const;

/**
 * A clean environment: what the shell needs, nothing of the caller's
 * configuration (a stray NODE_OPTIONS or REDIS_URL would change what is measured).
 */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'SHELL'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

export interface ServerOptions {
  databaseUrl: string;
  paymentProviderUrl: string;
  logDir: string;
  /** Node flags for the gateway, e.g. --cpu-prof (then it starts from its start script rather than through npm). */
  nodeFlags?: string;
  /** Settings on top of the load-test ones (e.g. SQL_STATEMENTS_PER_REQUEST for a statement-counting twin). */
  env?: Record<string, string>;
  /** The log file's name without extension (default: the server's id). */
  logName?: string;
}

/**
 * Production settings, except where one load generator on one address is not
 * what they were made for: the rate limits stay in the path but with budgets
 * it cannot exhaust, responses are not cached (the figures are for serving a
 * page, not for replaying one), and the cost limit admits the 100 × 10 page
 * (2,401 points against a default of 1,000). Settings an older checkout does
 * not know are ignored by it.
 */
const LOAD_TEST_SETTINGS = {
  RESPONSE_CACHE: 'false',
  MAX_QUERY_COST: '10000',
  RATE_LIMIT_POINTS: '1000000000',
  RATE_LIMIT_RESTORE_RATE: '1000000000',
  SIGN_IN_ATTEMPTS_PER_ACCOUNT: '1000000',
  SIGN_IN_ATTEMPTS_PER_ADDRESS: '1000000',
  // Nothing routes traffic by readiness here: stop at once instead of serving through a grace period.
  SHUTDOWN_GRACE_MS: '0',
  // Jobs that poll the database every 30 s would blur PostgreSQL's own transaction counts (--pg-stats).
  ORDER_EXPIRY_INTERVAL_MS: '3600000',
  EVENTS_SWEEP_INTERVAL_MS: '3600000',
} as const;

function gatewayEnv(options: ServerOptions, port: number): NodeJS.ProcessEnv {
  return baseEnv({
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: 'info',
    PAYMENT_PROVIDER_URL: options.paymentProviderUrl,
    ...BENCH_SECRETS,
    ...LOAD_TEST_SETTINGS,
    ...options.env,
  });
}

/**
 * The start script of the checkout in `dir`, rewritten: the no-shield gateway
 * runs bench/serve.ts the way `npm start` runs src/server.ts (so node flags
 * added to the start script apply to both), and a profiled gateway gets node
 * flags in front of its entry point (NODE_OPTIONS may not carry --cpu-prof).
 */
function startScript(dir: string, change: { entry?: string; nodeFlags?: string }): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  let script = pkg.scripts?.start ?? '';
  const match = /^((?:exec\s+)?(?:node|tsx))\s.*src\/server\.ts/.exec(script);
  const runner = match?.[1];
  if (!runner) {
    throw new Error(`the start script ("${script}") is not "[exec] node|tsx … src/server.ts"; teach bench/lib/servers.ts to rewrite it`);
  }
  if (change.entry) script = script.replace('src/server.ts', change.entry);
  if (change.nodeFlags) script = `${runner} ${change.nodeFlags}${script.slice(runner.length)}`;
  return script;
}

function runScript(name: string, script: string, dir: string, env: NodeJS.ProcessEnv, logFile: string): RunningProcess {
  const withBin = { ...env, PATH: `${path.join(dir, 'node_modules', '.bin')}${path.delimiter}${env.PATH ?? ''}` };
  return startProcess({ name, command: 'sh', args: ['-c', script], cwd: dir, env: withBin, core: SERVER_CORE, logFile });
}

export async function startServer(id: ServerId, options: ServerOptions, referenceDir?: string): Promise<RunningServer> {
  const port = await freePort();
  const logFile = path.join(options.logDir, `${options.logName ?? id}.log`);
  const name = SERVER_TITLES[id];
  let child: RunningProcess;
  let command: string;
  if ((id === 'gateway' || id === 'reference') && !options.nodeFlags) {
    const dir = id === 'reference' ? path.resolve(referenceDir ?? '') : ROOT;
    command = dir === ROOT ? 'npm start' : 'npm start (in the reference checkout)';
    child = startProcess({ name, command: 'npm', args: ['start'], cwd: dir, env: gatewayEnv(options, port), core: SERVER_CORE, logFile });
  } else if (id === 'gateway') {
    command = startScript(ROOT, { nodeFlags: options.nodeFlags });
    child = runScript(name, command, ROOT, gatewayEnv(options, port), logFile);
  } else if (id === 'no-shield') {
    command = startScript(ROOT, { entry: 'bench/serve.ts --no-permissions' });
    child = runScript(name, command, ROOT, gatewayEnv(options, port), logFile);
  } else if (id === 'naive') {
    command = 'tsx bench/baselines/naive-server.ts';
    const env = baseEnv({ NODE_ENV: 'production', PORT: String(port), DATABASE_URL: options.databaseUrl, LOG_LEVEL: 'info' });
    child = startProcess({ name, command: process.execPath, args: [TSX, 'bench/baselines/naive-server.ts'], cwd: ROOT, env, core: SERVER_CORE, logFile });
  } else {
    throw new Error(`${id} cannot be started with node flags`);
  }
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${origin}/readyz`);
  return { id, url: `${origin}/graphql`, command, process: child };
}

/** The repository's sandbox payment provider, for checkout (on the load generator's core: it is the outside world). */
export async function startPaymentSandbox(logDir: string): Promise<{ url: string; process: RunningProcess }> {
  const port = await freePort();
  const child = startProcess({
    name: 'payment sandbox',
    command: process.execPath,
    args: [TSX, 'sandbox/payment-provider/main.ts'],
    cwd: ROOT,
    core: LOAD_CORE,
    logFile: path.join(logDir, 'payment-sandbox.log'),
    env: baseEnv({
      PAYMENT_SANDBOX_PORT: String(port),
      PAYMENT_API_KEY: BENCH_SECRETS.PAYMENT_API_KEY,
      PAYMENT_WEBHOOK_SECRET: BENCH_SECRETS.PAYMENT_WEBHOOK_SECRET,
      LOG_LEVEL: 'warn',
      // Checkout only creates intents; nothing is confirmed, so there is nothing to tell a gateway.
      SANDBOX_DROP_WEBHOOKS: 'true',
    }),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForTcp(child, port);
  return { url, process: child };
}

async function waitForTcp(child: RunningProcess, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new Error(`${child.name} exited:\n${child.logTail()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then((response) => response.arrayBuffer());
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${child.name} did not listen on ${port}:\n${child.logTail()}`);
}
