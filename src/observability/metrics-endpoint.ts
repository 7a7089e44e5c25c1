import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsConfig } from '../config';
import type { Metrics } from './metrics';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Whether `authorization` is `Bearer <token>`, compared in constant time. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/** Answers a scrape: the registry's text, or 401 when a token is configured and not presented. */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' });
      res.end('Unauthorized: /metrics needs Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Collecting metrics failed\n');
      },
    );
  };
}

/**
 * Where /metrics is served:
 * - METRICS_PORT set: on that port only (with METRICS_TOKEN, behind it too);
 * - else METRICS_TOKEN set: on the main port, behind the token;
 * - else outside production: on the main port, open;
 * - else (production, neither set): nowhere. Metrics name operations and
 *   reveal traffic, so they are not public by default.
 */
export type MetricsExposure = 'own-port' | 'main-port' | 'none';

export function metricsExposure(config: MetricsConfig, isProduction: boolean): MetricsExposure {
  if (config.port !== undefined) return 'own-port';
  if (config.token !== undefined || !isProduction) return 'main-port';
  return 'none';
}

/** A server for METRICS_PORT that answers GET /metrics and 404 to everything else. */
export function createMetricsServer(metrics: Metrics, token: string | undefined) {
  const handle = metricsHandler(metrics, token);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') {
      handle(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found. Metrics are at /metrics.\n');
  });
  return {
    async listen(port: number, host?: string): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      const shownHost = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
      return `http://${shownHost}:${address.port}/metrics`;
    },
    async close(): Promise<void> {
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
