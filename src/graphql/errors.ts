import { GraphQLError } from 'graphql';

/** Every `extensions.code` a client may see. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** The client sent something invalid; `argument` names the offending argument or input field. */
export function badUserInput(message: string, argument?: string): GraphQLError {
  return codedError(ErrorCode.BAD_USER_INPUT, message, argument ? { argument } : {});
}

export function notFound(message: string): GraphQLError {
  return codedError(ErrorCode.NOT_FOUND, message);
}

export function forbidden(message = 'You are not allowed to access this.'): GraphQLError {
  return codedError(ErrorCode.FORBIDDEN, message);
}

export function unauthenticated(message = 'You must be signed in to access this.'): GraphQLError {
  return codedError(ErrorCode.UNAUTHENTICATED, message);
}

/**
 * A dependency (the database) is down: the whole request is answered 503
 * with Retry-After, so clients and load balancers back off and retry.
 */
export function serviceUnavailable(message: string, retryAfterSeconds: number): GraphQLError {
  return codedError(ErrorCode.SERVICE_UNAVAILABLE, message, {
    http: { status: 503, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
  });
}
