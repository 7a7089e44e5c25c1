import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { hostOf, isPublicAddress, publicOnlyLookup } from './destination';

/** How one attempt went: the answer's status (null when none came), how long it took, and what failed. */
export interface AttemptOutcome {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivateAddresses: boolean;
}

/**
 * POSTs one delivery. A 2xx answer is success; anything else is a failure to
 * retry, redirects included (they are never followed: a redirect could lead
 * anywhere, a private address too). The whole attempt, connecting included,
 * has `timeoutMs`. The answer's body is not read.
 */
export function postDelivery(rawUrl: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const fail = (error: string, status: number | null = null) => resolve({ ok: false, status, latencyMs: elapsed(), error });
    const url = new URL(rawUrl);
    const host = hostOf(url);
    // An address literal is connected to without any lookup, so it is checked here.
    if (!options.allowPrivateAddresses && isIP(host) && !isPublicAddress(host)) return fail(`${host} is not a public address`);
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'storefront-gateway-webhooks/1', ...headers },
      ...(options.allowPrivateAddresses ? {} : { lookup: publicOnlyLookup }),
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('response', (response) => {
      clearTimeout(timer);
      const status = response.statusCode ?? 0;
      response.destroy();
      if (status >= 200 && status < 300) resolve({ ok: true, status, latencyMs: elapsed(), error: null });
      else fail(status >= 300 && status < 400 ? `answered ${status} (redirects are not followed)` : `answered ${status}`, status);
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      fail(error.message || String(error));
    });
    request.end(body);
  });
}
