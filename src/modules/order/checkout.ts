import type { ServiceContext } from '../../context';
import { encodeGlobalId } from '../../core/global-id';
import { required } from '../../core/required';
import { fail, ok } from '../../core/result';
import { isUniqueViolation } from '../../db/errors';
import { transactionalResult } from '../../db/transaction';
import type { Order } from '../../generated/prisma/client';
import { PaymentProviderError, type PaymentIntent, type PaymentProvider } from '../../integrations/payments/client';
import { MAX_LINE_QUANTITY } from '../cart/service';
import { orderMoved, orderPlaced } from '../events/catalogue';
import { outboxCommitted, recordEvent, recordEvents } from '../events/outbox';
import { stockLowEvents } from '../events/stock-low';
import type { OrderResult } from './errors';

const KEY_MAX = 100;

/** Checkout creates the payment intent, so it needs the provider on top of the usual service context. */
export interface CheckoutContext extends ServiceContext {
  payments: PaymentProvider;
}

/**
 * The order's transaction: prices come from the database, stock is reserved
 * with conditional decrements (never read then written, so concurrent
 * checkouts cannot oversell), the cart is emptied, the order left
 * PENDING_PAYMENT with a payment waiting for its intent. A refused checkout
 * changes nothing.
 */
function placeOrder(ctx: ServiceContext, userId: number, key: string): Promise<OrderResult<Order>> {
  return transactionalResult(ctx.db, async (tx): Promise<OrderResult<Order>> => {
    // One checkout per customer at a time: a retry waits here, then finds the order.
    const [cart] = await tx.$queryRaw<Array<{ id: number }>>`SELECT "id" FROM "Cart" WHERE "userId" = ${userId} FOR UPDATE`;
    const placed = await tx.order.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey: key } } });
    if (placed) return ok(placed);
    const lines = cart ? await tx.cartItem.findMany({ where: { cartId: cart.id }, orderBy: { productId: 'asc' } }) : [];
    if (!cart || lines.length === 0) return fail('EMPTY_CART', 'The cart is empty.');

    // Reserve in product-id order, so overlapping checkouts lock rows in the same order (no deadlocks).
    const unavailable: number[] = [];
    for (const line of lines) {
      const reserved = await tx.$executeRaw`
        UPDATE "Product" SET "stockQuantity" = "stockQuantity" - ${line.quantity}, "updatedAt" = now()
        WHERE "id" = ${line.productId} AND "published" AND "stockQuantity" >= ${line.quantity}`;
      if (reserved === 0) unavailable.push(line.productId);
    }
    const products = await tx.product.findMany({ where: { id: { in: lines.map((line) => line.productId) } } });
    const byId = new Map(products.map((product) => [product.id, product]));
    if (unavailable.length > 0) {
      const names = unavailable.map((id) => byId.get(id)?.name ?? `product ${id}`);
      // Returning a refusal rolls back the reservations already made.
      return fail('OUT_OF_STOCK', `Not enough stock for: ${names.join(', ')}. Update your cart and try again.`);
    }

    const items = lines.map((line) => {
      const product = required(byId.get(line.productId), 'Product', line.productId);
      return { productId: product.id, productName: product.name, unitPriceCents: product.priceCents, quantity: line.quantity };
    });
    const totalCents = items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
    const currency = products[0]?.currency ?? 'USD';
    const order = await tx.order.create({
      data: {
        userId,
        idempotencyKey: key,
        totalCents,
        currency,
        items: { create: items },
        payment: { create: { amountCents: totalCents, currency } },
      },
    });
    await tx.cartItem.deleteMany({ where: { cartId: cart.id } });
    const reserved = lines.map((line) => {
      const product = required(byId.get(line.productId), 'Product', line.productId);
      return { product, before: product.stockQuantity + line.quantity };
    });
    await recordEvents(tx, [orderPlaced(order, items), ...stockLowEvents(reserved)]);
    return ok(order);
  });
}

/**
 * Takes back an order whose payment intent could not be created: its stock
 * and cart lines return, and the order, its lines and payment are deleted,
 * so the customer can retry the same checkout key. Only an order still
 * pending and without an intent is taken back (once: the row lock and the
 * delete decide between concurrent attempts).
 */
async function undoCheckout(ctx: ServiceContext, orderId: number): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const [order] = await tx.$queryRaw<Array<{ id: number; userId: number }>>`
      SELECT o."id", o."userId" FROM "Order" o JOIN "Payment" p ON p."orderId" = o."id"
      WHERE o."id" = ${orderId} AND o."status" = 'PENDING_PAYMENT' AND p."providerReference" IS NULL
      FOR UPDATE OF o`;
    if (!order) return;
    // Its order.placed may be out already: consumers hear that it is gone.
    await recordEvent(tx, orderMoved({ ...(await tx.order.findUniqueOrThrow({ where: { id: orderId } })), status: 'CANCELLED' }));
    const items = await tx.orderItem.findMany({ where: { orderId }, orderBy: { productId: 'asc' } });
    await tx.$executeRaw`INSERT INTO "Cart" ("userId", "updatedAt") VALUES (${order.userId}, now()) ON CONFLICT ("userId") DO NOTHING`;
    const cart = await tx.cart.findUniqueOrThrow({ where: { userId: order.userId } });
    for (const item of items) {
      await tx.$executeRaw`UPDATE "Product" SET "stockQuantity" = "stockQuantity" + ${item.quantity}, "updatedAt" = now() WHERE "id" = ${item.productId}`;
      await tx.$executeRaw`
        INSERT INTO "CartItem" ("cartId", "productId", "quantity") VALUES (${cart.id}, ${item.productId}, ${item.quantity})
        ON CONFLICT ("cartId", "productId") DO UPDATE SET "quantity" = LEAST("CartItem"."quantity" + EXCLUDED."quantity", ${MAX_LINE_QUANTITY})`;
    }
    await tx.payment.deleteMany({ where: { orderId } });
    await tx.order.delete({ where: { id: orderId } });
  });
  outboxCommitted();
}

/**
 * Creates the order's payment intent at the provider (keyed by the order, so
 * a retry reuses it) and records it. A provider that cannot be reached takes
 * the order back: nothing half-made stays behind.
 */
async function attachIntent(ctx: CheckoutContext, order: Order): Promise<OrderResult<Order>> {
  const payment = await ctx.db.payment.findUnique({ where: { orderId: order.id } });
  if (!payment || payment.providerReference) return ok(order);
  let intent: PaymentIntent;
  try {
    intent = await ctx.payments.createIntent(
      { amount: order.totalCents, currency: order.currency.toLowerCase(), metadata: { orderId: encodeGlobalId('Order', order.id) } },
      `order:${order.id}:intent`,
    );
  } catch (error) {
    if (!(error instanceof PaymentProviderError)) throw error;
    ctx.log.warn({ orderId: order.id, kind: error.kind }, 'checkout undone: payment provider unavailable');
    await undoCheckout(ctx, order.id);
    return fail('PAYMENT_PROVIDER_UNAVAILABLE', 'Payments are unavailable right now; nothing was ordered or charged. Try again shortly with the same key.');
  }
  await ctx.db.payment.update({ where: { id: payment.id }, data: { providerReference: intent.id, clientSecret: intent.clientSecret } });
  ctx.loaders.order.paymentByOrder.clear(order.id);
  return ok(order);
}

/**
 * Places an order from the viewer's cart, then creates its payment intent at
 * the provider; a provider outage undoes the order (no half-made order, no
 * stranded stock) and the checkout can be retried with the same key.
 *
 * Idempotent per (user, key): a repeated key returns the first order,
 * whether the first request finished long ago or is still running.
 */
export async function checkout(ctx: CheckoutContext, input: { idempotencyKey: string }): Promise<OrderResult<Order>> {
  const key = input.idempotencyKey;
  if (key.length < 1 || key.length > KEY_MAX || key.trim() !== key) {
    return fail('INVALID_IDEMPOTENCY_KEY', `The idempotency key must be 1 to ${KEY_MAX} characters without surrounding spaces.`, ['input', 'idempotencyKey']);
  }
  const userId = required(ctx.viewer, 'Viewer', 0).id;
  const existing = await ctx.db.order.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey: key } } });
  if (existing) return attachIntent(ctx, existing);

  let placed: OrderResult<Order>;
  try {
    placed = await placeOrder(ctx, userId, key);
  } catch (error) {
    // The same key raced in without a cart row to queue on: the first order won.
    const first = isUniqueViolation(error)
      ? await ctx.db.order.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey: key } } })
      : null;
    if (!first) throw error;
    placed = ok(first);
  }
  if (placed.ok) outboxCommitted();
  return placed.ok ? attachIntent(ctx, placed.value) : placed;
}
