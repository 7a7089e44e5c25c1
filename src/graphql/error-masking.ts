import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from './errors';

// Codes that describe the client's request, not our faults: their messages
// are written for clients and pass through. Apollo Server adds its own.
const CLIENT_CODES = new Set<unknown>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export function isClientError(error: GraphQLFormattedError): boolean {
  return CLIENT_CODES.has(error.extensions?.code);
}

/**
 * Apollo's `formatError`: any error that is not a client error becomes
 * INTERNAL_SERVER_ERROR. In production its message is replaced and nothing
 * internal (stack, SQL, driver message) reaches the client; the original is
 * logged with the request id, which the client receives to quote.
 */
export function createErrorFormatter(options: { mask: boolean }) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    if (isClientError(formatted)) {
      if (!options.mask) return formatted;
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    if (!options.mask) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
