import { isDatabaseUnavailable } from '../db/errors';
import { ErrorCode } from './errors';

// Codes that describe the client's request, not our faults: their messages
// are written for clients and pass through. Apollo Server and graphql-js add their own.
const CLIENT_CODES = new Set<unknown>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'INTROSPECTION_DISABLED',
  'MAX_RECURSIVE_SELECTIONS_EXCEEDED',
]);

/** The code a client gets for Apollo's own request errors that carry an HTTP 4xx status but no code. */
export const UNCODED_CLIENT_ERROR_CODE = 'BAD_REQUEST';

export type ErrorVerdict = { fault: false; code: string } | { fault: true };

/** What a client is told when a dependency (the database) is down: nothing internal, and to retry. */
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable. Retry shortly.';
/** Seconds a client should wait before retrying a SERVICE_UNAVAILABLE answer. */
export const RETRY_AFTER_SECONDS = 5;

interface ErrorLike {
  extensions?: { code?: unknown; http?: { status?: unknown } } | undefined;
  originalError?: unknown;
}

/**
 * The one place that decides whether an error is the client's or ours: masking
 * (what the client sees) and logging (what is logged as a fault) both ask here.
 *
 * - A known client code (BAD_USER_INPUT, FORBIDDEN, GRAPHQL_PARSE_FAILED, …) is the client's.
 * - Apollo raises a few request errors with an HTTP 4xx status and no code
 *   (a persisted-query hash that does not match its query, an unsupported
 *   persisted-query version): those are the client's too, as BAD_REQUEST.
 * - The database being unreachable is neither the client's fault nor a bug:
 *   SERVICE_UNAVAILABLE (503, retry later), never INTERNAL_SERVER_ERROR.
 * - Anything else is a fault: an exception from a resolver or a rule, a code
 *   nobody declared, INTERNAL_SERVER_ERROR itself.
 */
export function classifyError(error: unknown): ErrorVerdict {
  const { extensions, originalError } = (error ?? {}) as ErrorLike;
  if (originalError !== undefined && isDatabaseUnavailable(originalError)) return { fault: false, code: ErrorCode.SERVICE_UNAVAILABLE };
  const code = extensions?.code;
  if (code !== undefined) {
    return CLIENT_CODES.has(code) ? { fault: false, code: String(code) } : { fault: true };
  }
  const status = extensions?.http?.status;
  if (originalError === undefined && typeof status === 'number' && status >= 400 && status < 500) {
    return { fault: false, code: UNCODED_CLIENT_ERROR_CODE };
  }
  return { fault: true };
}
