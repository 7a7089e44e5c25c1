import type { Context } from '../../context';
import type { Cart } from '../../generated/prisma/client';
import type { Resolvers } from '../../generated/graphql';
import { toGlobalId } from '../../graphql/global-id';
import { money } from '../../graphql/money';
import { required } from '../../graphql/required';
import type { ServiceResult } from '../../graphql/result';
import * as carts from './service';

/** A cart payload read after the change: the request's cached lines of that cart are dropped first. */
function cartPayload(ctx: Context, result: ServiceResult<Cart>) {
  if (!result.ok) return { cart: null, userErrors: result.userErrors };
  ctx.loaders.cart.itemsByCart.clear(result.value.id);
  return { cart: result.value, userErrors: [] };
}

export const cartResolvers: Resolvers = {
  User: {
    cart: async (user, _, ctx) => {
      const cart = await ctx.loaders.cart.cartByUser.load(user.id);
      // The ownership rule of each line looks its cart up by id: it is this one.
      if (cart) ctx.loaders.cart.cartById.prime(cart.id, cart);
      return cart;
    },
  },
  Cart: {
    id: (cart) => toGlobalId('Cart', cart.id),
    items: (cart, _, ctx) => ctx.loaders.cart.itemsByCart.load(cart.id),
    subtotal: (cart, _, ctx) => carts.cartSubtotal(ctx, cart),
    itemCount: async (cart, _, ctx) => (await ctx.loaders.cart.itemsByCart.load(cart.id)).reduce((sum, line) => sum + line.quantity, 0),
  },
  CartItem: {
    id: (item) => toGlobalId('CartItem', item.id),
    product: async (item, _, ctx) => required(await ctx.loaders.catalog.productById.load(item.productId), 'Product', item.productId),
    lineTotal: async (item, _, ctx) => {
      const product = required(await ctx.loaders.catalog.productById.load(item.productId), 'Product', item.productId);
      return money(product.priceCents * item.quantity, product.currency);
    },
  },
  Mutation: {
    addToCart: async (_, { input }, ctx) => cartPayload(ctx, await carts.addToCart(ctx, input)),
    updateCartItem: async (_, { input }, ctx) => cartPayload(ctx, await carts.updateCartItem(ctx, input)),
    removeFromCart: async (_, { input }, ctx) => cartPayload(ctx, await carts.removeFromCart(ctx, input)),
  },
};
