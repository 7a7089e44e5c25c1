import type http from 'node:http';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { ErrorCode } from '../graphql/errors';
import type { Logger } from '../logger';

// Where Apollo's landing page (the Sandbox) loads its code, styles, fonts and
// frames from. The page carries its own nonce-based policy in a <meta> tag; a
// browser enforces both that one and the header's, so allowing inline code
// here still lets only the page's nonce-tagged scripts and styles run.
const APOLLO_CDNS = [
  'https://embeddable-sandbox.cdn.apollographql.com',
  'https://embeddable-explorer.cdn.apollographql.com',
  'https://apollo-server-landing-page.cdn.apollographql.com',
];
const APOLLO_FRAMES = ['https://sandbox.embed.apollographql.com', 'https://explorer.embed.apollographql.com'];

/** For an API that serves only JSON: nothing may be loaded, framed or submitted. */
const API_POLICY = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** For the Sandbox page outside production: its CDN code, its embedded frame, and requests back to this origin. */
const SANDBOX_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'unsafe-inline'", ...APOLLO_CDNS],
  styleSrc: ["'self'", "'unsafe-inline'", ...APOLLO_CDNS, 'https://fonts.googleapis.com'],
  fontSrc: ["'self'", 'https://fonts.gstatic.com'],
  imgSrc: ["'self'", 'data:', ...APOLLO_CDNS],
  manifestSrc: ["'self'", ...APOLLO_CDNS],
  frameSrc: APOLLO_FRAMES,
  connectSrc: ["'self'", 'https://*.apollographql.com'],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Security headers on every response (helmet): no MIME sniffing, no framing,
 * no referrer, HSTS, and a content security policy. The policy is the
 * strictest one when there is no landing page (production); with the
 * Sandbox on, it allows exactly what the Sandbox page needs.
 */
export function securityHeaders(options: { sandbox: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: options.sandbox ? SANDBOX_POLICY : API_POLICY },
  });
}

/** Headers must arrive within this (or REQUEST_TIMEOUT_MS when shorter): a legitimate client sends them at once. */
const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node looks for requests past their timeout; its default (30 s) would let a stalled upload hold a socket that much longer. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Options for `http.createServer`: a request must be received completely
 * within `timeoutMs` (Node answers 408 and closes the connection otherwise),
 * which stops slow uploads (slowloris) from holding sockets.
 */
export function serverTimeouts(timeoutMs: number): http.ServerOptions {
  return {
    requestTimeout: timeoutMs,
    headersTimeout: Math.min(timeoutMs, HEADERS_TIMEOUT_MS),
    connectionsCheckingInterval: Math.min(timeoutMs, TIMEOUT_CHECK_INTERVAL_MS),
  };
}

/** After a timeout answer, whatever the handler still writes is dropped: the client already has its answer. */
function discardLateWrites(res: Response): void {
  Object.assign(res, {
    setHeader: () => res,
    removeHeader: () => undefined,
    writeHead: () => res,
    write: () => true,
    end: () => res,
  });
}

/**
 * An answer within `timeoutMs` of a request's body being read: if the
 * operation has not answered by then, the client gets HTTP 503 with
 * SERVICE_UNAVAILABLE (a GraphQL-over-HTTP error body) and may retry. The
 * work already under way cannot be cancelled (graphql-js 16 has no abort), so
 * it runs to its end and its result is dropped.
 */
export function requestDeadline(timeoutMs: number, log: Logger): RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const requestId = res.locals.requestId as string | undefined;
      log.warn({ requestId, timeoutMs }, 'request timed out');
      res.status(503).json({
        errors: [{ message: `The request did not complete within ${timeoutMs} ms.`, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, requestId } }],
      });
      discardLateWrites(res);
    }, timeoutMs);
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}
