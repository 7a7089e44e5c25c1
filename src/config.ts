import path from 'node:path';

/** The gateway's configuration, parsed and validated once from the environment. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  /** PostgreSQL URL; when absent the embedded database under `dataDir` is used. */
  databaseUrl: string | undefined;
  /** Where the embedded database keeps its files. */
  dataDir: string;
  /** Connections per instance to DATABASE_URL (the embedded database always uses one). */
  databasePoolSize: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Origins allowed by CORS; empty means same-origin only. `*` allows any. */
  corsOrigins: string[];
  /** Whether introspection and the Sandbox landing page are served. */
  introspection: boolean;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** The HS256 key for access tokens. */
  jwtSecret: string;
  /** Lifetime of an access token. */
  accessTokenTtlSeconds: number;
  /** Lifetime of a refresh token (and so of a session without activity). */
  refreshTokenTtlDays: number;
  /** Redis for pub/sub between gateway instances (subscriptions); absent: in-process pub/sub, one instance only. */
  redisUrl: string | undefined;
  payments: PaymentConfig;
}

/**
 * The payment provider. `sandbox`: outside production with no provider
 * configured, the repository's sandbox provider runs in-process and is wired
 * up automatically (signing its webhooks with PAYMENT_WEBHOOK_SECRET when set,
 * so a captured event can be replayed by hand).
 */
export interface PaymentConfig {
  mode: 'provider' | 'sandbox';
  /** The provider's API base URL (absent in sandbox mode until the sandbox starts). */
  providerUrl: string | undefined;
  apiKey: string | undefined;
  /** Webhook signing secrets; several during a rotation (comma-separated in PAYMENT_WEBHOOK_SECRET). */
  webhookSecrets: string[];
  /** How long an order may stay unpaid before it expires and its stock returns. */
  orderPaymentTimeoutMs: number;
  /** How often this instance looks for expired orders. */
  expiryIntervalMs: number;
  /** Per-attempt timeout of a provider call. */
  requestTimeoutMs: number;
}

/** Outside production, without JWT_SECRET: a fixed key, so tokens survive restarts. Never valid in production. */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-do-not-use-in-production';
const MIN_SECRET_BYTES = 32;

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function jwtSecret(env: NodeJS.ProcessEnv, isProduction: boolean): string {
  const secret = env.JWT_SECRET;
  if (!secret) {
    if (isProduction) throw new ConfigError('JWT_SECRET', `is required in production (at least ${MIN_SECRET_BYTES} bytes)`);
    return DEVELOPMENT_JWT_SECRET;
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError('JWT_SECRET', `must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  if (isProduction && secret === DEVELOPMENT_JWT_SECRET) throw new ConfigError('JWT_SECRET', 'must not be the development secret in production');
  return secret;
}

function payments(env: NodeJS.ProcessEnv, isProduction: boolean): PaymentConfig {
  const providerUrl = env.PAYMENT_PROVIDER_URL || undefined;
  const apiKey = env.PAYMENT_API_KEY || undefined;
  const webhookSecrets = (env.PAYMENT_WEBHOOK_SECRET ?? '').split(',').map((secret) => secret.trim()).filter(Boolean);
  const mode = providerUrl === undefined && !isProduction ? 'sandbox' : 'provider';
  if (mode === 'provider') {
    if (!providerUrl) throw new ConfigError('PAYMENT_PROVIDER_URL', 'is required in production (the payment provider\'s API base URL)');
    if (!/^https?:\/\/[^/?#]+/.test(providerUrl)) throw new ConfigError('PAYMENT_PROVIDER_URL', 'must be an http:// or https:// URL');
    if (!apiKey) throw new ConfigError('PAYMENT_API_KEY', 'is required when PAYMENT_PROVIDER_URL is set');
    if (webhookSecrets.length === 0) throw new ConfigError('PAYMENT_WEBHOOK_SECRET', 'is required when PAYMENT_PROVIDER_URL is set');
  }
  if (webhookSecrets.some((secret) => Buffer.byteLength(secret, 'utf8') < 16)) {
    throw new ConfigError('PAYMENT_WEBHOOK_SECRET', 'must be at least 16 bytes per secret');
  }
  return {
    mode,
    providerUrl,
    apiKey,
    webhookSecrets,
    orderPaymentTimeoutMs: integer(env, 'ORDER_PAYMENT_TIMEOUT', 1800, 1, 7 * 86_400) * 1000,
    expiryIntervalMs: integer(env, 'ORDER_EXPIRY_INTERVAL_MS', 30_000, 100, 3_600_000),
    requestTimeoutMs: integer(env, 'PAYMENT_TIMEOUT_MS', 5000, 100, 60_000),
  };
}

/** Reads the configuration from `env`; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'production' && nodeEnv !== 'test') {
    throw new ConfigError('NODE_ENV', `must be development, production or test (got "${nodeEnv}")`);
  }
  const isProduction = nodeEnv === 'production';

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  }

  const logLevel = (env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info')) as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }

  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError('CORS_ORIGINS', `must be a comma-separated list of origins like https://shop.example.com (got "${origin}")`);
    }
  }

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/?#]/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }

  return {
    nodeEnv,
    isProduction,
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    logLevel,
    corsOrigins,
    introspection: boolean(env, 'GRAPHQL_INTROSPECTION', !isProduction),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1_000_000, 1_000, 100_000_000),
    jwtSecret: jwtSecret(env, isProduction),
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400),
    refreshTokenTtlDays: integer(env, 'REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
    redisUrl,
    payments: payments(env, isProduction),
  };
}

/** For entry points: the configuration, or the one-line ConfigError on stderr and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
