import type { ServiceContext } from '../../context';
import { money, type MoneyModel } from '../../core/money';
import { fail, ok } from '../../core/result';
import { required } from '../../core/required';
import { transactionalResult } from '../../db/transaction';
import type { Cart, CartItem, Prisma, Product } from '../../generated/prisma/client';
import type { CartResult } from './errors';

export const MAX_LINE_QUANTITY = 99;
export const MAX_CART_LINES = 100;

type Tx = Prisma.TransactionClient;

function invalidQuantity(quantity: number): CartResult<never> | null {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    return fail('INVALID_QUANTITY', `The quantity must be a whole number from 1 to ${MAX_LINE_QUANTITY}.`, ['input', 'quantity']);
  }
  return null;
}

function viewerId(ctx: ServiceContext): number {
  // A cart belongs to a signed-in customer: callers (the shield rule on every cart mutation) make sure there is one.
  return required(ctx.viewer, 'Viewer', 0).id;
}

/**
 * Locks the viewer's cart row, creating the cart on first use. Every change
 * of a cart runs under this lock, so concurrent requests of one customer
 * cannot push a line past its limits.
 */
async function lockCart(tx: Tx, userId: number): Promise<Cart> {
  await tx.$executeRaw`INSERT INTO "Cart" ("userId", "updatedAt") VALUES (${userId}, now()) ON CONFLICT ("userId") DO NOTHING`;
  const [cart] = await tx.$queryRaw<Cart[]>`SELECT * FROM "Cart" WHERE "userId" = ${userId} FOR UPDATE`;
  return required(cart, 'Cart of user', userId);
}

/** After a change, this unit of work's cached lines of the cart are stale. */
function changed(ctx: ServiceContext, result: CartResult<Cart>): CartResult<Cart> {
  if (result.ok) ctx.loaders.cart.itemsByCart.clear(result.value.id);
  return result;
}

function stockCheck(product: Product, quantity: number): CartResult<never> | null {
  if (product.stockQuantity < quantity) {
    return fail('OUT_OF_STOCK', `Only ${Math.max(product.stockQuantity, 0)} of "${product.name}" in stock.`, ['input', 'quantity']);
  }
  return null;
}

/** Adds units of a published product to the viewer's cart. */
export async function addToCart(ctx: ServiceContext, input: { productId: number; quantity: number }): Promise<CartResult<Cart>> {
  const { productId } = input;
  const bad = invalidQuantity(input.quantity);
  if (bad) return bad;
  const userId = viewerId(ctx);
  const result = await transactionalResult(ctx.db, async (tx): Promise<CartResult<Cart>> => {
    const product = await tx.product.findUnique({ where: { id: productId } });
    if (!product?.published) return fail('PRODUCT_NOT_FOUND', 'No product has this ID.', ['input', 'productId']);
    const cart = await lockCart(tx, userId);
    const line = await tx.cartItem.findUnique({ where: { cartId_productId: { cartId: cart.id, productId } } });
    const quantity = (line?.quantity ?? 0) + input.quantity;
    if (quantity > MAX_LINE_QUANTITY) {
      return fail('QUANTITY_LIMIT', `A cart line holds at most ${MAX_LINE_QUANTITY} units.`, ['input', 'quantity']);
    }
    if (!line && (await tx.cartItem.count({ where: { cartId: cart.id } })) >= MAX_CART_LINES) {
      return fail('CART_FULL', `A cart holds at most ${MAX_CART_LINES} lines.`, ['input', 'productId']);
    }
    const noStock = stockCheck(product, quantity);
    if (noStock) return noStock;
    await tx.cartItem.upsert({
      where: { cartId_productId: { cartId: cart.id, productId } },
      create: { cartId: cart.id, productId, quantity },
      update: { quantity },
    });
    return ok(cart);
  });
  return changed(ctx, result);
}

/** Finds a line of the viewer's own cart; another customer's line is "not found", never revealed. */
async function ownLine(tx: Tx, userId: number, id: number): Promise<{ cart: Cart; line: CartItem } | null> {
  const cart = await lockCart(tx, userId);
  const line = await tx.cartItem.findUnique({ where: { id } });
  return line && line.cartId === cart.id ? { cart, line } : null;
}

const LINE_NOT_FOUND = 'No line of your cart has this ID.';

/** Sets the quantity of a line of the viewer's cart. */
export async function updateCartItem(ctx: ServiceContext, input: { cartItemId: number; quantity: number }): Promise<CartResult<Cart>> {
  const bad = invalidQuantity(input.quantity);
  if (bad) return bad;
  const userId = viewerId(ctx);
  const result = await transactionalResult(ctx.db, async (tx): Promise<CartResult<Cart>> => {
    const found = await ownLine(tx, userId, input.cartItemId);
    if (!found) return fail('CART_ITEM_NOT_FOUND', LINE_NOT_FOUND, ['input', 'cartItemId']);
    const product = await tx.product.findUniqueOrThrow({ where: { id: found.line.productId } });
    const noStock = stockCheck(product, input.quantity);
    if (noStock) return noStock;
    await tx.cartItem.update({ where: { id: found.line.id }, data: { quantity: input.quantity } });
    return ok(found.cart);
  });
  return changed(ctx, result);
}

/** Removes a line from the viewer's cart. */
export async function removeFromCart(ctx: ServiceContext, input: { cartItemId: number }): Promise<CartResult<Cart>> {
  const userId = viewerId(ctx);
  const result = await transactionalResult(ctx.db, async (tx): Promise<CartResult<Cart>> => {
    const found = await ownLine(tx, userId, input.cartItemId);
    if (!found) return fail('CART_ITEM_NOT_FOUND', LINE_NOT_FOUND, ['input', 'cartItemId']);
    await tx.cartItem.delete({ where: { id: found.line.id } });
    return ok(found.cart);
  });
  return changed(ctx, result);
}

/** The lines of a cart with their products, through the loaders. */
export async function cartLines(ctx: ServiceContext, cart: Cart): Promise<Array<{ line: CartItem; product: Product }>> {
  const lines = await ctx.loaders.cart.itemsByCart.load(cart.id);
  const products = await ctx.loaders.catalog.productById.loadMany(lines.map((line) => line.productId));
  return lines.map((line, index) => {
    const product = products[index];
    if (!product || product instanceof Error) throw product ?? new Error(`Product ${line.productId} of cart line ${line.id} is missing`);
    return { line, product };
  });
}

export async function cartSubtotal(ctx: ServiceContext, cart: Cart): Promise<MoneyModel> {
  const lines = await cartLines(ctx, cart);
  const currency = lines[0]?.product.currency ?? 'USD';
  return money(lines.reduce((sum, { line, product }) => sum + line.quantity * product.priceCents, 0), currency);
}
