import type { GraphQLResponse } from '@apollo/server';

/**
 * How a GraphQL request ended, from the codes of the errors it answered with:
 * `success` (no error; user errors in a payload are answers too),
 * `client_error` (the client's mistake: validation, FORBIDDEN, RATE_LIMITED, …),
 * `unavailable` (a dependency was down: SERVICE_UNAVAILABLE),
 * `server_error` (a fault: INTERNAL_SERVER_ERROR).
 */
export type RequestOutcome = 'success' | 'client_error' | 'unavailable' | 'server_error';

/** The distinct `extensions.code` of the errors a response carries (formatted: every error has one). */
export function errorCodesOf(response: GraphQLResponse): string[] {
  if (response.body.kind !== 'single') return [];
  const errors = response.body.singleResult.errors;
  if (!errors || errors.length === 0) return [];
  return [...new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
}

export function outcomeOf(codes: readonly string[]): RequestOutcome {
  if (codes.length === 0) return 'success';
  if (codes.includes('INTERNAL_SERVER_ERROR')) return 'server_error';
  if (codes.includes('SERVICE_UNAVAILABLE')) return 'unavailable';
  return 'client_error';
}
