import type { ServiceContext } from '../../context';
import { fail, ok } from '../../core/result';
import { hasRole } from '../../core/viewer';
import type { Order } from '../../generated/prisma/client';
import { PaymentProviderError, type PaymentProvider } from '../../integrations/payments/client';
import { findVisibleOrder } from '../order/service';
import { statesAllowing } from '../order/state-machine';
import type { PaymentResult } from './errors';
import { canPayOrder } from './policy';

/** Payment services call the provider, so they need it on top of the usual service context. */
export interface PaymentContext extends ServiceContext {
  payments: PaymentProvider;
}

const PAYMENT_METHOD = /^pm_[A-Za-z0-9_]{1,64}$/;
const REASON_MAX = 500;
const UNAVAILABLE = 'The payment provider cannot be reached right now. Try again shortly: retrying is safe and never charges twice.';

/**
 * Asks the provider to confirm the payment of one of the viewer's pending
 * orders. The order's state does not change here: it changes when the
 * provider's signed webhook says the money was taken. A decline reported at
 * once is PAYMENT_DECLINED, and the order stays payable with another method.
 */
export async function confirmPayment(ctx: PaymentContext, input: { orderId: number; paymentMethod: string }): Promise<PaymentResult<Order>> {
  const order = await findVisibleOrder(ctx, input.orderId);
  if (!order || !canPayOrder(ctx.viewer, order)) return fail('ORDER_NOT_FOUND', 'No order of yours has this ID.', ['input', 'orderId']);
  if (!PAYMENT_METHOD.test(input.paymentMethod)) {
    return fail('INVALID_PAYMENT_METHOD', 'The payment method must be a provider payment method id such as "pm_card_visa".', ['input', 'paymentMethod']);
  }
  const payment = await ctx.db.payment.findUnique({ where: { orderId: order.id } });
  if (order.status !== 'PENDING_PAYMENT' || !payment?.providerReference || payment.status === 'SUCCEEDED') {
    return fail('ORDER_NOT_PAYABLE', `This order is ${order.status.toLowerCase().replace('_', ' ')} and cannot be paid.`, ['input', 'orderId']);
  }
  // The key changes when the payment changes (a decline recorded by the webhook), so a new attempt
  // after a decline is a new confirmation, while a network retry of this request replays the first.
  const idempotencyKey = `confirm:${payment.id}:${payment.updatedAt.getTime()}:${input.paymentMethod}`;
  try {
    const intent = await ctx.payments.confirmIntent(payment.providerReference, { paymentMethod: input.paymentMethod }, idempotencyKey);
    if (intent.status === 'payment_failed') {
      return fail('PAYMENT_DECLINED', intent.lastPaymentError ?? 'The payment was declined. Try another payment method.', ['input', 'paymentMethod']);
    }
    return ok(order);
  } catch (error) {
    if (!(error instanceof PaymentProviderError)) throw error;
    if (error.kind === 'rejected') {
      return fail('INVALID_PAYMENT_METHOD', 'The payment provider refused this payment method.', ['input', 'paymentMethod']);
    }
    return fail('PAYMENT_PROVIDER_UNAVAILABLE', UNAVAILABLE);
  }
}

/**
 * Refunds a paid order through the provider (staff). The order turns
 * REFUNDED when the provider's `charge.refunded` webhook arrives.
 */
export async function refundOrder(ctx: PaymentContext, input: { orderId: number; reason?: string | null }): Promise<PaymentResult<Order>> {
  const order = await findVisibleOrder(ctx, input.orderId);
  if (!order || !hasRole(ctx.viewer, 'STAFF')) return fail('ORDER_NOT_FOUND', 'No order has this ID.', ['input', 'orderId']);
  if (input.reason != null && input.reason.length > REASON_MAX) {
    return fail('INVALID_REASON', `The reason must be at most ${REASON_MAX} characters.`, ['input', 'reason']);
  }
  const payment = await ctx.db.payment.findUnique({ where: { orderId: order.id } });
  if (!statesAllowing('REFUNDED').includes(order.status) || payment?.status !== 'SUCCEEDED' || !payment.providerReference) {
    return fail('NOT_REFUNDABLE', `This order is ${order.status.toLowerCase().replace('_', ' ')} and has no settled payment to refund.`, ['input', 'orderId']);
  }
  try {
    await ctx.payments.refundIntent(payment.providerReference, { reason: input.reason ?? null }, `refund:${payment.id}`);
    ctx.log.info({ orderId: order.id, by: ctx.viewer?.id }, 'refund requested');
    return ok(order);
  } catch (error) {
    if (!(error instanceof PaymentProviderError)) throw error;
    if (error.kind === 'rejected') return fail('NOT_REFUNDABLE', 'The payment provider refused the refund.', ['input', 'orderId']);
    return fail('PAYMENT_PROVIDER_UNAVAILABLE', UNAVAILABLE);
  }
}
