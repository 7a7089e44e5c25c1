import express, { Router } from 'express';
import type { Db } from '../../db/prisma';
import { verifySignature } from '../../integrations/payments/signature';
import type { Logger } from '../../logger';
import type { WebhookOutcome } from '../../observability/metrics';
import { handleProviderEvent, parseProviderEvent, type EventHandling } from '../../modules/payment/events';

/** The largest webhook body accepted; a provider event is a few hundred bytes. */
export const WEBHOOK_BODY_LIMIT = 64 * 1024;

export interface PaymentWebhookOptions {
  db: Db;
  log: Logger;
  /** The current signing secrets (several during a rotation). */
  secrets: () => string[];
  /** Hears of every event that moved an order, after its transaction committed. */
  onOrderStatusChanged: (change: { orderId: number; status: NonNullable<EventHandling['statusChanged']> }) => void;
  /** Hears what became of every delivery (metrics). */
  onOutcome?: (outcome: WebhookOutcome) => void;
}

function refuse(res: express.Response, status: number, message: string): void {
  res.status(status).json({ error: message });
}

/**
 * `POST /webhooks/payments`: the provider's signed events. The raw body is
 * kept (the signature covers its exact bytes) and verified before anything
 * else, in constant time; an unsigned, stale or tampered delivery, a body
 * that is not an event, or one over 64 KB is refused with no side effect.
 * A valid event is processed exactly once (see handleProviderEvent) and
 * answered 200 at once, duplicates included, so the provider stops retrying.
 */
export function paymentWebhookRoutes(options: PaymentWebhookOptions): Router {
  const router = Router();
  router.post(
    '/webhooks/payments',
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (req, res, next) => {
      try {
        const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const check = verifySignature(req.get('payment-signature'), body, options.secrets());
        if (!check.ok) {
          options.log.warn({ reason: check.reason, requestId: res.locals.requestId }, 'payment webhook refused: bad signature');
          options.onOutcome?.('bad_signature');
          refuse(res, 400, `Invalid signature (${check.reason}).`);
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          options.onOutcome?.('bad_body');
          refuse(res, 400, 'The body is not JSON.');
          return;
        }
        const event = parseProviderEvent(parsed);
        if (!event) {
          options.onOutcome?.('bad_body');
          refuse(res, 400, 'The body is not a payment event.');
          return;
        }
        const handled = await handleProviderEvent(options.db, event);
        options.log.info(
          { eventId: event.id, type: event.type, duplicate: handled.duplicate, outcome: handled.outcome, orderId: handled.orderId, requestId: res.locals.requestId },
          'payment webhook processed',
        );
        options.onOutcome?.(handled.duplicate ? 'duplicate' : ((handled.outcome?.toLowerCase() ?? 'error') as WebhookOutcome));
        if (handled.statusChanged && handled.orderId !== null) {
          options.onOrderStatusChanged({ orderId: handled.orderId, status: handled.statusChanged });
        }
        res.json({ received: true, duplicate: handled.duplicate });
      } catch (error) {
        options.onOutcome?.('error');
        next(error);
      }
    },
  );
  return router;
}
