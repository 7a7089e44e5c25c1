import type { ServiceContext } from '../../context';
import { required } from '../../core/required';
import { fail, ok } from '../../core/result';
import { isUniqueViolation } from '../../db/errors';
import { transactionalResult } from '../../db/transaction';
import type { Order } from '../../generated/prisma/client';
import type { OrderResult } from './errors';

const KEY_MAX = 100;

/**
 * Places an order from the viewer's cart in one transaction: prices come from
 * the database, stock is reserved with conditional decrements (never read
 * then written, so concurrent checkouts cannot oversell), the cart is
 * emptied and the order left PENDING_PAYMENT. A refused checkout changes
 * nothing. Idempotent per (user, key): a repeated key returns the first
 * order, whether the first request finished long ago or is still running.
 */
export async function checkout(ctx: ServiceContext, input: { idempotencyKey: string }): Promise<OrderResult<Order>> {
  const key = input.idempotencyKey;
  if (key.length < 1 || key.length > KEY_MAX || key.trim() !== key) {
    return fail('INVALID_IDEMPOTENCY_KEY', `The idempotency key must be 1 to ${KEY_MAX} characters without surrounding spaces.`, ['input', 'idempotencyKey']);
  }
  const userId = required(ctx.viewer, 'Viewer', 0).id;
  const existing = await ctx.db.order.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey: key } } });
  if (existing) return ok(existing);

  try {
    return await transactionalResult(ctx.db, async (tx): Promise<OrderResult<Order>> => {
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
      const order = await tx.order.create({
        data: {
          userId,
          idempotencyKey: key,
          totalCents: items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0),
          currency: products[0]?.currency ?? 'USD',
          items: { create: items },
        },
      });
      await tx.cartItem.deleteMany({ where: { cartId: cart.id } });
      return ok(order);
    });
  } catch (error) {
    // The same key raced in without a cart row to queue on: the first order won.
    if (isUniqueViolation(error)) {
      const first = await ctx.db.order.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey: key } } });
      if (first) return ok(first);
    }
    throw error;
  }
}
