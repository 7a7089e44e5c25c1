import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

// The sign-in configuration: providers by name, their issuer, client ID and
// secret; PUBLIC_URL; AUTH_RETURN_URLS. A mistake stops start-up with one
// line naming the variable.

const ROOT = path.resolve(__dirname, '..', '..');
const GOOGLE = {
  OIDC_PROVIDERS: 'google',
  OIDC_GOOGLE_ISSUER: 'https://accounts.google.com',
  OIDC_GOOGLE_CLIENT_ID: 'client-id.apps.googleusercontent.com',
  OIDC_GOOGLE_CLIENT_SECRET: 'client-secret',
};
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-of-at-least-32-bytes',
  PAYMENT_PROVIDER_URL: 'https://payments.example.com',
  PAYMENT_API_KEY: 'sk_live_x',
  PAYMENT_WEBHOOK_SECRET: 'whsec_production_secret',
};

function problem(env: Record<string, string>): string {
  try {
    loadConfig({ NODE_ENV: 'test', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('sign-in configuration', () => {
  it('runs the development provider outside production when no provider is configured, and never in production', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).auth).toEqual(expect.objectContaining({ mode: 'dev', providers: [] }));
    expect(loadConfig({ NODE_ENV: 'test' }).auth.mode).toBe('dev');
    expect(loadConfig(PRODUCTION).auth).toEqual(expect.objectContaining({ mode: 'providers', providers: [] }));
  });

  it('reads each named provider', () => {
    const auth = loadConfig({ NODE_ENV: 'test', ...GOOGLE, OIDC_TIMEOUT_MS: '2500' }).auth;
    expect(auth).toEqual({
      mode: 'providers',
      providers: [{ name: 'google', issuer: 'https://accounts.google.com/', clientId: GOOGLE.OIDC_GOOGLE_CLIENT_ID, clientSecret: 'client-secret' }],
      publicUrl: undefined,
      returnUrls: [],
      timeoutMs: 2500,
    });
  });

  it.each([
    [{ ...GOOGLE, OIDC_GOOGLE_ISSUER: '' }, 'OIDC_GOOGLE_ISSUER is required'],
    [{ ...GOOGLE, OIDC_GOOGLE_CLIENT_ID: '' }, 'OIDC_GOOGLE_CLIENT_ID is required'],
    [{ ...GOOGLE, OIDC_GOOGLE_CLIENT_SECRET: '' }, 'OIDC_GOOGLE_CLIENT_SECRET is required'],
    [{ ...GOOGLE, OIDC_GOOGLE_ISSUER: 'accounts.google.com' }, 'OIDC_GOOGLE_ISSUER must be an absolute URL'],
    [{ ...GOOGLE, OIDC_GOOGLE_ISSUER: 'ftp://accounts.google.com' }, 'OIDC_GOOGLE_ISSUER must be an http:// or https:// URL'],
    [{ ...GOOGLE, OIDC_PROVIDERS: 'Google' }, 'OIDC_PROVIDERS must be comma-separated lower-case names'],
    [{ ...GOOGLE, OIDC_PROVIDERS: 'google,google' }, 'OIDC_PROVIDERS names a provider twice'],
    [{ PUBLIC_URL: 'localhost:4000' }, 'PUBLIC_URL must be an http:// or https:// URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL must be an absolute URL'],
    [{ AUTH_RETURN_URLS: 'https://shop.example.com/done#x' }, 'AUTH_RETURN_URLS must not have a query, a fragment or credentials'],
    [{ AUTH_RETURN_URLS: '//shop.example.com/done' }, 'AUTH_RETURN_URLS must hold absolute URLs or paths'],
    [{ OIDC_TIMEOUT_MS: '10' }, 'OIDC_TIMEOUT_MS must be an integer from 100 to 60000'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(problem(env)).toContain(`Invalid configuration: ${message}`);
  });

  it('wants https:// and PUBLIC_URL in production', () => {
    expect(problem({ ...PRODUCTION, ...GOOGLE, OIDC_GOOGLE_ISSUER: 'http://accounts.google.com' })).toContain('OIDC_GOOGLE_ISSUER must be an https:// URL in production');
    expect(problem({ ...PRODUCTION, ...GOOGLE })).toContain('PUBLIC_URL is required in production when OIDC_PROVIDERS is set');
    expect(loadConfig({ ...PRODUCTION, ...GOOGLE, PUBLIC_URL: 'https://api.shop.example.com/' }).auth.publicUrl).toBe('https://api.shop.example.com');
  });

  it('stops start-up with one line naming the variable', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...GOOGLE, OIDC_GOOGLE_CLIENT_SECRET: '', NODE_ENV: 'development' };
    delete env.NODE_OPTIONS;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'Invalid configuration: OIDC_GOOGLE_CLIENT_SECRET is required (the client secret the provider issued) because OIDC_PROVIDERS names google',
    ]);
  });
});

describe('SQL_STATEMENTS_PER_REQUEST', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-at-least-32-bytes!', PAYMENT_PROVIDER_URL: 'https://payments.example.com', PAYMENT_API_KEY: 'sk_live_x', PAYMENT_WEBHOOK_SECRET: 'whsec_production_secret' };

  it('counts per request by default outside production, and in production only when tracing is on or asked', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).statementsPerRequest).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).statementsPerRequest).toBe(true);
    expect(loadConfig(production).statementsPerRequest).toBe(false);
    expect(loadConfig({ ...production, OTEL_TRACES_EXPORTER: 'console' }).statementsPerRequest).toBe(true);
    expect(loadConfig({ ...production, SQL_STATEMENTS_PER_REQUEST: 'true' }).statementsPerRequest).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', SQL_STATEMENTS_PER_REQUEST: 'false' }).statementsPerRequest).toBe(false);
  });

  it('refuses a value that is not a boolean', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', SQL_STATEMENTS_PER_REQUEST: 'sometimes' })).toThrow(/SQL_STATEMENTS_PER_REQUEST/);
  });
});
