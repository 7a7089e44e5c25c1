import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors';
import { classifyError, UNAVAILABLE_MESSAGE } from '../faults';

/**
 * Apollo's `formatError`. Client errors keep their message and get their code
 * (Apollo's uncoded 4xx errors get BAD_REQUEST); faults become
 * INTERNAL_SERVER_ERROR. In production a fault's message is replaced and
 * nothing internal (stack, SQL, driver message) reaches the client; the
 * original is logged with the request id, which the client receives to quote.
 */
export function createErrorFormatter(options: { mask: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const verdict = classifyError(error ?? formatted);
    if (!verdict.fault && verdict.code === ErrorCode.SERVICE_UNAVAILABLE) {
      // The driver's message names hosts and databases: never shown, in any environment.
      return { message: UNAVAILABLE_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: verdict.code } };
    }
    if (!verdict.fault) {
      const { stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, ...(options.mask ? {} : { stacktrace }), code: verdict.code } };
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
