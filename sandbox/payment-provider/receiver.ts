import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEvent } from './server';

/**
 * A throwaway webhook endpoint for tests and for watching the sandbox by hand: it records every
 * delivery with its raw body (signatures are over the exact bytes, so a parsed-and-reserialised body
 * would not verify) and answers with scripted statuses, to exercise the sandbox's retries.
 */

export interface ReceivedWebhook {
  signature: string | undefined;
  rawBody: Buffer;
  /** The parsed body, or null when it was not JSON. */
  event: WebhookEvent | null;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The statuses to answer to the next deliveries, in order; then 200 again. */
  respondWith(...statuses: number[]): void;
  /** Resolves once `count` deliveries have arrived in total; rejects after timeoutMs (default 5000). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const script: number[] = [];
  const waiters = new Set<() => void>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let event: WebhookEvent | null = null;
      try {
        event = JSON.parse(rawBody.toString('utf8')) as WebhookEvent;
      } catch {
        event = null;
      }
      const header = req.headers['payment-signature'];
      received.push({ signature: Array.isArray(header) ? header.join(',') : header, rawBody, event });
      const status = script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: status < 300 }));
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhooks/payments`,
    received,
    respondWith(...statuses) {
      script.push(...statuses);
    },
    waitFor(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve([...received]);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          done();
          resolve([...received]);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`Expected ${count} webhook deliveries, got ${received.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
