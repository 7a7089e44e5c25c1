import { hkdfSync } from 'node:crypto';
import { isIP } from 'node:net';
import fs from 'node:fs';
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
  /** Statements prepared by name, so PostgreSQL can keep their plans; off behind a pooler that cannot keep them (DATABASE_PREPARED_STATEMENTS). */
  databasePreparedStatements: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `json` (one object per line; the default in production and tests) or `pretty` (readable lines; the default in development). */
  logFormat: 'json' | 'pretty';
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
  /** Limits an operation must keep to before it runs (docs/api.md, "Query cost and rate limits"). */
  queryLimits: QueryLimits;
  rateLimit: RateLimitConfig;
  /** Whose X-Forwarded-For to believe for the client's address: no one (false), the nearest N proxies, or proxies at these addresses. */
  trustProxy: false | number | string[];
  /** Sign-in through OpenID Connect providers (docs/sign-in.md). */
  auth: AuthConfig;
  events: EventsConfig;
  webhooks: WebhookConfig;
  /** After SIGTERM: how long /readyz says 503 while requests are still served, so a load balancer stops routing here. */
  shutdownGraceMs: number;
  /** After the grace period: how long requests already received may take to finish before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** How long a request may take to arrive, and then to be answered (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  persistedOperations: PersistedOperationsConfig;
  /** Prometheus metrics: where /metrics is served and what it asks for. */
  metrics: MetricsConfig;
  /** OpenTelemetry tracing, from the standard OTEL_* variables; null (the default): off, and no tracing code runs. */
  tracing: TracingConfig | null;
  responseCache: ResponseCacheConfig;
  /**
   * SQL_STATEMENTS_PER_REQUEST: count each request's SQL statements for its
   * log line, the statements histogram and its trace span. Counting follows
   * the async context (AsyncLocalStorage), which puts a hook on every promise
   * of the process: measured at 14-16% of throughput, so it is on by default
   * only outside production and when tracing is on.
   */
  statementsPerRequest: boolean;
}

/** The shared cache of anonymous public query results (docs/operations.md, "Response cache"). */
export interface ResponseCacheConfig {
  /** RESPONSE_CACHE: on by default, except in tests (they write to their database behind the gateway's back). */
  enabled: boolean;
  /** Response text one process keeps without Redis (RESPONSE_CACHE_MEMORY_MB); the least recently used goes first. */
  memoryBytes: number;
}

/**
 * Persisted operations. `apq` (default): automatic persisted queries, any
 * valid operation runs; `only`: trusted documents, only the operations of the
 * manifest run; `off`: no persisted queries at all.
 */
export interface PersistedOperationsConfig {
  mode: 'apq' | 'only' | 'off';
  /** The trusted-documents manifest (hash → document) that `only` mode runs. */
  manifestFile: string;
  /** How long an automatically persisted query stays stored without being registered again, in seconds. */
  apqTtlSeconds: number;
}

/** The manifest `npm run documents:manifest` writes from the storefront client's operations. */
export const DEFAULT_MANIFEST_FILE = path.resolve(__dirname, '..', 'clients', 'storefront', 'persisted-documents.json');
const PERSISTED_OPERATION_MODES = ['apq', 'only', 'off'] as const;

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

/** Domain events (docs/events.md): where they are published, and when the relay looks for them. */
export interface EventsConfig {
  /** RabbitMQ (amqp:// or amqps://); absent: events are dispatched to their consumers in process. */
  amqpUrl: string | undefined;
  /** The durable topic exchange events are published to; the gateway's own queues are named after it. */
  amqpExchange: string;
  /** `product.stock_low` is recorded when a product's stock falls below this many units. */
  stockLowThreshold: number;
  /** How often each instance looks for events nobody told it about (another instance's, or retries that fell due). */
  sweepIntervalMs: number;
  /** The first retry delay of an event the broker did not take; doubled per attempt, up to 5 minutes. */
  retryBaseMs: number;
}

/** Outgoing webhooks to merchants' endpoints (docs/events.md). */
export interface WebhookConfig {
  /** The delays between attempts of a delivery; a delivery is tried once more than it has delays, then given up. */
  retryScheduleMs: number[];
  /** How long one attempt may take, connecting included. */
  timeoutMs: number;
  /** Whether endpoints may reach loopback, private or link-local addresses (never in production unless set). */
  allowPrivateAddresses: boolean;
  /** Whether endpoints must be https:// (in production). */
  requireHttps: boolean;
  /** The AES-256-GCM key that keeps endpoints' signing secrets encrypted at rest. */
  secretKey: Buffer;
}

/** One OpenID Connect provider: named in OIDC_PROVIDERS, configured by OIDC_<NAME>_ISSUER, _CLIENT_ID and _CLIENT_SECRET. */
export interface OidcProviderConfig {
  /** Lower case, as it appears in URLs (`/auth/google/start`) and in `User.identities { provider }`. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Third-party sign-in. `dev`: outside production with no provider configured,
 * the local development identity provider runs in-process under the name `dev`.
 */
export interface AuthConfig {
  mode: 'providers' | 'dev';
  providers: OidcProviderConfig[];
  /** The gateway's origin as browsers reach it (PUBLIC_URL), without a trailing slash; absent: http://localhost:<port>, known once it listens. */
  publicUrl: string | undefined;
  /** Where a sign-in may return (AUTH_RETURN_URLS), besides the gateway's own /auth/complete; entries starting with `/` are on the public origin. */
  returnUrls: string[];
  /** Per-request timeout of every call to a provider (discovery, keys, token). */
  timeoutMs: number;
}

/** Limits on one operation, each refused with QUERY_TOO_COMPLEX naming it. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  /** Enforced by the parser: a longer document is never parsed to the end. */
  maxTokens: number;
  maxDirectives: number;
  /** The most an operation's requested cost may be (see schema/cost.graphql). */
  maxCost: number;
}

/** Rate limits: a cost budget per client (user, else address) and sign-in attempts per account and address. */
export interface RateLimitConfig {
  enabled: boolean;
  /** Points a client's cost budget holds when full. */
  bucketSize: number;
  /** Points per second a budget refills. */
  restoreRate: number;
  signInAttemptsPerAccount: number;
  signInAttemptsPerAddress: number;
  signInWindowSeconds: number;
  /** Put before every rate-limit key in Redis, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
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

function persistedOperations(env: NodeJS.ProcessEnv): PersistedOperationsConfig {
  const mode = (env.PERSISTED_OPERATIONS || 'apq') as PersistedOperationsConfig['mode'];
  if (!PERSISTED_OPERATION_MODES.includes(mode)) {
    throw new ConfigError('PERSISTED_OPERATIONS', `must be one of ${PERSISTED_OPERATION_MODES.join(', ')} (got "${env.PERSISTED_OPERATIONS}")`);
  }
  const manifestFile = env.PERSISTED_OPERATIONS_MANIFEST ? path.resolve(env.PERSISTED_OPERATIONS_MANIFEST) : DEFAULT_MANIFEST_FILE;
  if (mode === 'only' && !fs.existsSync(manifestFile)) {
    throw new ConfigError('PERSISTED_OPERATIONS_MANIFEST', `names no file (${manifestFile}); run \`npm run documents:manifest\``);
  }
  return { mode, manifestFile, apqTtlSeconds: integer(env, 'APQ_TTL_SECONDS', 86_400, 60, 30 * 86_400) };
}

function events(env: NodeJS.ProcessEnv): EventsConfig {
  const amqpUrl = env.AMQP_URL || undefined;
  if (amqpUrl !== undefined && !/^amqps?:\/\/[^/?#]/.test(amqpUrl)) throw new ConfigError('AMQP_URL', 'must be an amqp:// or amqps:// URL');
  const amqpExchange = env.AMQP_EXCHANGE || 'storefront.events';
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(amqpExchange)) throw new ConfigError('AMQP_EXCHANGE', 'must be 1 to 200 letters, digits or . _ : -');
  return {
    amqpUrl,
    amqpExchange,
    stockLowThreshold: integer(env, 'STOCK_LOW_THRESHOLD', 5, 0, 1_000_000),
    sweepIntervalMs: integer(env, 'EVENTS_SWEEP_INTERVAL_MS', 30_000, 100, 3_600_000),
    retryBaseMs: integer(env, 'EVENTS_RETRY_BASE_MS', 1000, 10, 600_000),
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function retrySchedule(env: NodeJS.ProcessEnv): number[] {
  const raw = env.WEBHOOK_RETRY_SCHEDULE || '10s,1m,10m,1h,6h,24h';
  const delays = raw.split(',').map((part) => {
    const match = /^(\d{1,9})(ms|s|m|h)$/.exec(part.trim());
    return match ? Number(match[1]) * DURATION_UNITS[match[2]!]! : Number.NaN;
  });
  if (delays.length > 20 || delays.some((delay) => !(delay >= 1 && delay <= 7 * 86_400_000))) {
    throw new ConfigError('WEBHOOK_RETRY_SCHEDULE', `must be up to 20 comma-separated delays like 10s,1m,1h (each from 1ms to 168h; got "${raw}")`);
  }
  return delays;
}

function webhooks(env: NodeJS.ProcessEnv, isProduction: boolean, signingKey: string): WebhookConfig {
  const configuredKey = env.WEBHOOK_SECRET_KEY || undefined;
  if (configuredKey !== undefined && Buffer.byteLength(configuredKey, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError('WEBHOOK_SECRET_KEY', `must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return {
    retryScheduleMs: retrySchedule(env),
    timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    allowPrivateAddresses: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES', !isProduction),
    requireHttps: isProduction,
    // Without a key of its own the key is derived from JWT_SECRET: rotating that then orphans the stored secrets.
    secretKey: Buffer.from(hkdfSync('sha256', configuredKey ?? signingKey, '', 'storefront webhook signing secrets', 32)),
  };
}

function logFormat(env: NodeJS.ProcessEnv, nodeEnv: Config['nodeEnv']): Config['logFormat'] {
  const raw = env.LOG_FORMAT || (nodeEnv === 'development' ? 'pretty' : 'json');
  if (raw !== 'json' && raw !== 'pretty') throw new ConfigError('LOG_FORMAT', `must be json or pretty (got "${raw}")`);
  return raw;
}

function httpUrl(raw: string, variable: string, requireHttps: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `must be an absolute URL (got "${raw}")`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !requireHttps)) {
    throw new ConfigError(variable, requireHttps ? 'must be an https:// URL in production' : 'must be an http:// or https:// URL');
  }
  if (url.search || url.hash || url.username || url.password) throw new ConfigError(variable, 'must not have a query, a fragment or credentials');
  return url;
}

const PROVIDER_NAME = /^[a-z][a-z0-9]{0,29}$/;

function auth(env: NodeJS.ProcessEnv, isProduction: boolean): AuthConfig {
  const names = (env.OIDC_PROVIDERS ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const providers = names.map((name): OidcProviderConfig => {
    if (!PROVIDER_NAME.test(name)) throw new ConfigError('OIDC_PROVIDERS', `must be comma-separated lower-case names like google (got "${name}")`);
    const prefix = `OIDC_${name.toUpperCase()}_`;
    const required = (suffix: string, what: string) => {
      const value = env[prefix + suffix]?.trim();
      if (!value) throw new ConfigError(prefix + suffix, `is required (${what}) because OIDC_PROVIDERS names ${name}`);
      return value;
    };
    const issuer = httpUrl(required('ISSUER', "the provider's issuer URL"), `${prefix}ISSUER`, isProduction).href;
    return { name, issuer, clientId: required('CLIENT_ID', 'the client ID the provider issued'), clientSecret: required('CLIENT_SECRET', 'the client secret the provider issued') };
  });
  if (new Set(names).size !== names.length) throw new ConfigError('OIDC_PROVIDERS', 'names a provider twice');

  const publicUrl = env.PUBLIC_URL ? httpUrl(env.PUBLIC_URL, 'PUBLIC_URL', isProduction).href.replace(/\/$/, '') : undefined;
  if (isProduction && providers.length > 0 && !publicUrl) {
    throw new ConfigError('PUBLIC_URL', "is required in production when OIDC_PROVIDERS is set (the gateway's https:// origin, for the providers' callback URL)");
  }
  const returnUrls = (env.AUTH_RETURN_URLS ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of returnUrls) {
    if (entry.startsWith('/')) {
      if (entry.startsWith('//') || /[?#\\]/.test(entry)) throw new ConfigError('AUTH_RETURN_URLS', `must hold absolute URLs or paths without a query (got "${entry}")`);
    } else {
      httpUrl(entry, 'AUTH_RETURN_URLS', isProduction);
    }
  }
  return {
    mode: providers.length === 0 && !isProduction ? 'dev' : 'providers',
    providers,
    publicUrl,
    returnUrls,
    timeoutMs: integer(env, 'OIDC_TIMEOUT_MS', 5000, 100, 60_000),
  };
}

function queryLimits(env: NodeJS.ProcessEnv): QueryLimits {
  return {
    maxDepth: integer(env, 'MAX_QUERY_DEPTH', 12, 1, 1000),
    maxAliases: integer(env, 'MAX_QUERY_ALIASES', 30, 0, 10_000),
    maxTokens: integer(env, 'MAX_QUERY_TOKENS', 5000, 100, 1_000_000),
    maxDirectives: integer(env, 'MAX_QUERY_DIRECTIVES', 50, 0, 10_000),
    maxCost: integer(env, 'MAX_QUERY_COST', 1000, 1, 1_000_000_000),
  };
}

function rateLimit(env: NodeJS.ProcessEnv, nodeEnv: Config['nodeEnv'], maxCost: number): RateLimitConfig {
  // The test suite sends bursts from one address; its gateways get budgets it does not exhaust unless a test sets them.
  const generous = nodeEnv === 'test';
  const config: RateLimitConfig = {
    enabled: boolean(env, 'RATE_LIMIT_ENABLED', true),
    bucketSize: integer(env, 'RATE_LIMIT_POINTS', generous ? 1_000_000_000 : 2000, 1, 1_000_000_000),
    restoreRate: integer(env, 'RATE_LIMIT_RESTORE_RATE', 100, 1, 1_000_000_000),
    signInAttemptsPerAccount: integer(env, 'SIGN_IN_ATTEMPTS_PER_ACCOUNT', generous ? 1_000_000 : 10, 1, 1_000_000),
    signInAttemptsPerAddress: integer(env, 'SIGN_IN_ATTEMPTS_PER_ADDRESS', generous ? 1_000_000 : 30, 1, 1_000_000),
    signInWindowSeconds: integer(env, 'SIGN_IN_ATTEMPTS_WINDOW_SECONDS', 900, 1, 86_400),
    redisPrefix: env.RATE_LIMIT_REDIS_PREFIX || 'storefront:rate-limit:',
  };
  if (config.enabled && config.bucketSize < maxCost) {
    throw new ConfigError('RATE_LIMIT_POINTS', `must be at least MAX_QUERY_COST (${maxCost}), or the costliest allowed operation could never run`);
  }
  return config;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(env: NodeJS.ProcessEnv): Config['trustProxy'] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (/^\d+$/.test(raw)) return integer(env, 'TRUST_PROXY', 0, 0, 100);
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const valid = PROXY_NAMES.has(entry) || (isIP(address ?? '') !== 0 && extra === undefined && (bits === undefined || /^\d{1,3}$/.test(bits)));
    if (!valid) {
      throw new ConfigError('TRUST_PROXY', `must be false, the number of proxies in front of the gateway, or their addresses (loopback, 10.0.0.0/8, …; got "${entry}")`);
    }
  }
  return entries;
}

/** Prometheus metrics (docs/operations.md, "Metrics and tracing"). */
export interface MetricsConfig {
  /** METRICS_PORT: /metrics is served on this port only, not on PORT; absent: on PORT (in production only with `token`). */
  port: number | undefined;
  /** METRICS_TOKEN: /metrics asks for `Authorization: Bearer <token>` wherever it is served. */
  token: string | undefined;
}

/**
 * OpenTelemetry tracing (docs/operations.md, "Metrics and tracing"). The
 * exporter reads its own standard variables besides these (the endpoint, its
 * headers and timeout), and the tracer provider the sampler's
 * (OTEL_TRACES_SAMPLER) and the batch processor's (OTEL_BSP_*).
 */
export interface TracingConfig {
  /** OTEL_TRACES_EXPORTER (otlp, console), or otlp when only an OTLP endpoint is set. */
  exporters: Array<'otlp' | 'console'>;
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (the standard's default) or http/json. */
  protocol: 'http/protobuf' | 'http/json';
}

function metricsConfig(env: NodeJS.ProcessEnv, port: number): MetricsConfig {
  const metricsPort = env.METRICS_PORT ? integer(env, 'METRICS_PORT', 0, 0, 65535) : undefined;
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError('METRICS_PORT', 'must differ from PORT (it keeps /metrics off the public port)');
  }
  const token = env.METRICS_TOKEN || undefined;
  if (token !== undefined && Buffer.byteLength(token, 'utf8') < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 bytes long');
  return { port: metricsPort, token };
}

const TRACE_EXPORTERS = ['otlp', 'console', 'none'] as const;

/** On when OTEL_TRACES_EXPORTER names an exporter, or an OTLP endpoint is set; off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. */
function tracingConfig(env: NodeJS.ProcessEnv): TracingConfig | null {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return null;
  const named = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  for (const name of named) {
    if (!(TRACE_EXPORTERS as readonly string[]).includes(name)) {
      throw new ConfigError('OTEL_TRACES_EXPORTER', `must be otlp, console or none, comma-separated (got "${name}")`);
    }
  }
  if (named.includes('none')) return null;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporters = (named.length > 0 ? [...new Set(named)] : endpoint ? ['otlp'] : []) as TracingConfig['exporters'];
  if (exporters.length === 0) return null;
  const protocolVariable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[protocolVariable] || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(protocolVariable, `must be http/protobuf or http/json (got "${protocol}"; for gRPC collectors use their OTLP/HTTP port, 4318)`);
  }
  return { exporters, protocol };
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
  const tracing = tracingConfig(env);

  return {
    nodeEnv,
    isProduction,
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    databasePreparedStatements: boolean(env, 'DATABASE_PREPARED_STATEMENTS', true),
    logLevel,
    logFormat: logFormat(env, nodeEnv),
    corsOrigins,
    introspection: boolean(env, 'GRAPHQL_INTROSPECTION', !isProduction),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1_000_000, 1_000, 100_000_000),
    jwtSecret: jwtSecret(env, isProduction),
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400),
    refreshTokenTtlDays: integer(env, 'REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
    redisUrl,
    payments: payments(env, isProduction),
    queryLimits: queryLimits(env),
    rateLimit: rateLimit(env, nodeEnv, queryLimits(env).maxCost),
    trustProxy: trustProxy(env),
    auth: auth(env, isProduction),
    events: events(env),
    webhooks: webhooks(env, isProduction, jwtSecret(env, isProduction)),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', isProduction ? 5000 : 0, 0, 600_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 30_000, 100, 600_000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
    persistedOperations: persistedOperations(env),
    metrics: metricsConfig(env, integer(env, 'PORT', 4000, 0, 65535)),
    tracing,
    statementsPerRequest: boolean(env, 'SQL_STATEMENTS_PER_REQUEST', !isProduction || tracing !== null),
    responseCache: {
      enabled: boolean(env, 'RESPONSE_CACHE', nodeEnv !== 'test'),
      memoryBytes: integer(env, 'RESPONSE_CACHE_MEMORY_MB', 32, 1, 16_384) * 1024 * 1024,
    },
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
