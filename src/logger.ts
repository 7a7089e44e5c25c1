import pino from 'pino';
import type { Config } from './config';

export type Logger = pino.Logger;

/**
 * Structured JSON logs. Credentials are redacted wherever they appear in a
 * logged object, so a careless `log.info({ req })` cannot leak them.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'storefront-gateway' },
    redact: {
      paths: [
        'password',
        '*.password',
        'accessToken',
        'refreshToken',
        '*.accessToken',
        '*.refreshToken',
        'headers.authorization',
        '*.headers.authorization',
        'headers.cookie',
        '*.headers.cookie',
        'variables.input.password',
        '*.variables.input.password',
      ],
      censor: '[redacted]',
    },
  });
}
