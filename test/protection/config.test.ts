import { ConfigError, loadConfig } from '../../src/config';

// The settings of the limits and rate limits: their defaults, and a bad value
// refused with one line naming the variable.

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ NODE_ENV: 'development', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('no ConfigError');
}

describe('limits and rate limits in the configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-at-least-32-bytes', PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9', PAYMENT_API_KEY: 'k', PAYMENT_WEBHOOK_SECRET: 'whsec_0123456789abcdef' });
    expect(config.queryLimits).toEqual({ maxDepth: 12, maxAliases: 30, maxTokens: 5000, maxDirectives: 50, maxCost: 1000 });
    expect(config.rateLimit).toEqual({
      enabled: true,
      bucketSize: 2000,
      restoreRate: 100,
      signInAttemptsPerAccount: 10,
      signInAttemptsPerAddress: 30,
      signInWindowSeconds: 900,
      redisPrefix: 'storefront:rate-limit:',
    });
    expect(config.trustProxy).toBe(false);
  });

  it.each([
    [{ TRUST_PROXY: '1' }, 1],
    [{ TRUST_PROXY: 'false' }, false],
    [{ TRUST_PROXY: 'loopback, 10.0.0.0/8, 2001:db8::1' }, ['loopback', '10.0.0.0/8', '2001:db8::1']],
  ])('reads TRUST_PROXY %j', (env, trustProxy) => {
    expect(loadConfig({ NODE_ENV: 'development', ...env }).trustProxy).toEqual(trustProxy);
  });

  it.each([
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY must be false, the number of proxies in front of the gateway, or their addresses'],
    [{ TRUST_PROXY: 'proxy.example.com' }, 'TRUST_PROXY must be false'],
    [{ MAX_QUERY_DEPTH: '0' }, 'MAX_QUERY_DEPTH must be an integer from 1 to 1000 (got "0")'],
    [{ MAX_QUERY_COST: 'lots' }, 'MAX_QUERY_COST must be an integer'],
    [{ MAX_QUERY_COST: '5000' }, 'RATE_LIMIT_POINTS must be at least MAX_QUERY_COST (5000)'],
    [{ RATE_LIMIT_ENABLED: 'maybe' }, 'RATE_LIMIT_ENABLED must be true or false'],
    [{ SIGN_IN_ATTEMPTS_PER_ACCOUNT: '0' }, 'SIGN_IN_ATTEMPTS_PER_ACCOUNT must be an integer from 1'],
  ])('refuses %j', (env, message) => {
    expect(configError(env)).toContain(message);
  });

  it('accepts any cost limit when rate limiting is off', () => {
    expect(loadConfig({ NODE_ENV: 'development', MAX_QUERY_COST: '5000', RATE_LIMIT_ENABLED: 'false' }).queryLimits.maxCost).toBe(5000);
  });
});
