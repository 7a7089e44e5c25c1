import pino from 'pino';
import type { Logger } from '../../src/logger';

/** One structured log line, parsed. */
export interface LogEntry {
  level: number;
  msg?: string;
  requestId?: string;
  err?: { type?: string; message?: string; stack?: string };
  [key: string]: unknown;
}

export interface CapturedLog {
  /** A logger writing JSON lines here instead of to stdout, for a gateway or a service context under test. */
  log: Logger;
  /** Every line written so far, parsed. */
  entries(): LogEntry[];
}

/** pino's numeric level of `error`. */
export const ERROR_LEVEL = 50;

/** A logger (at `level`, info by default) whose output the test can read back. */
export function captureLog(level: pino.LevelWithSilent = 'info'): CapturedLog {
  const lines: string[] = [];
  const log = pino({ level, base: { service: 'storefront-gateway' } }, { write: (line: string) => void lines.push(line) });
  return {
    log,
    entries: () => lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as LogEntry),
  };
}
