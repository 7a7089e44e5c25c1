import pino from 'pino';
import pinoPretty from 'pino-pretty';
import type { Config } from './config';

export type Logger = pino.Logger;

/**
 * Structured JSON logs in production (one object per line, for a log
 * pipeline), human-readable lines in development (`LOG_FORMAT`). Credentials
 * are redacted wherever they appear in a logged object, so a careless
 * `log.info({ req })` cannot leak them, in either format.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'logFormat'>>,
  /** Where JSON lines go (stdout by default); tests pass a stream they read back. */
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
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
  };
  if (config.logFormat !== 'pretty') return destination ? pino(options, destination) : pino(options);
  // Synchronous, in-process formatting: no worker thread, and nothing lost when the process exits.
  return pino(options, pinoPretty({ colorize: Boolean(process.stdout.isTTY), ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l', sync: true }));
}
