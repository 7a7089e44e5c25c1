import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logger';

/**
 * Errors raised before GraphQL sees the request (unparsable JSON, a body over
 * the limit) answered in the GraphQL-over-HTTP error shape, never as HTML.
 */
export function httpErrorHandler(log: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number; statusCode?: number }, req, res, _next) => {
    const status = error.status ?? error.statusCode ?? 500;
    let message = 'Internal server error';
    if (error.type === 'entity.parse.failed') message = 'The request body is not valid JSON.';
    else if (error.type === 'entity.too.large') message = 'The request body is too large.';
    else if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') message = 'The request body encoding is not supported.';
    else if (status < 500) message = 'The request is malformed.';
    else log.error({ err: error, requestId: res.locals.requestId }, 'unhandled HTTP error');
    res
      .status(status)
      .type('application/json')
      .json({ errors: [{ message, extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR', requestId: res.locals.requestId } }] });
  };
}
