import type http from 'node:http';
import type { RequestHandler } from 'express';

/**
 * The gateway's life as a load balancer sees it. On shutdown it first only
 * reports "not ready" (so the balancer stops routing here) while still
 * serving; then it stops accepting connections and waits until every request
 * it has received has been answered.
 */
export interface Lifecycle {
  /** Counts requests in flight; once stopping, tells keep-alive clients to reconnect elsewhere. */
  middleware: RequestHandler;
  /** True from the first moment of a shutdown: /readyz answers 503. */
  readonly stopping: boolean;
  inFlight(): number;
  beginShutdown(): void;
  /** Stops accepting connections and resolves when no request is in flight (true) or `timeoutMs` passed (false). */
  drain(server: http.Server, timeoutMs: number): Promise<boolean>;
}

export function createLifecycle(): Lifecycle {
  let stopping = false;
  let inFlight = 0;
  let onIdle: (() => void) | null = null;

  const middleware: RequestHandler = (_req, res, next) => {
    inFlight += 1;
    // A response that is already being answered when shutdown begins still gets its header in time.
    if (stopping) res.setHeader('connection', 'close');
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      inFlight -= 1;
      if (inFlight === 0) onIdle?.();
    };
    res.once('finish', finished);
    res.once('close', finished);
    next();
  };

  return {
    middleware,
    get stopping() {
      return stopping;
    },
    inFlight: () => inFlight,
    beginShutdown() {
      stopping = true;
    },
    async drain(server, timeoutMs) {
      stopping = true;
      // No new connections; idle keep-alive connections are closed now, busy ones once their response is sent.
      server.close();
      server.closeIdleConnections();
      const idle = new Promise<boolean>((resolve) => {
        if (inFlight === 0) resolve(true);
        else onIdle = () => resolve(true);
      });
      const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
      const drained = await Promise.race([idle, timer]);
      onIdle = null;
      server.closeIdleConnections();
      return drained;
    },
  };
}
