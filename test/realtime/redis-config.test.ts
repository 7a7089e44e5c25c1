import { ConfigError, loadConfig } from '../../src/config';

describe('REDIS_URL', () => {
  it('is optional: without it the gateway keeps pub/sub in process', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).redisUrl).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test', REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://user:secret@cache.example.com:6380/2'])('accepts %s', (url) => {
    expect(loadConfig({ NODE_ENV: 'test', REDIS_URL: url }).redisUrl).toBe(url);
  });

  it.each(['127.0.0.1:6379', 'http://cache.example.com', 'redis://', 'redis:///0'])('refuses %s with one line naming the variable, without echoing it', (url) => {
    const attempt = () => loadConfig({ NODE_ENV: 'test', REDIS_URL: url });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('Invalid configuration: REDIS_URL must be a redis:// or rediss:// URL');
  });
});
