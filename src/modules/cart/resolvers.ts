import { money } from '../../core/money';
import type { Resolvers } from '../../generated/graphql';
import { fromGlobalId, toGlobalId } from '../../graphql/global-id';
import { payload } from '../../graphql/payload';
import * as carts from './service';
import { loadReferenced } from '../../db/batch';

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
    product: (item, _, ctx) => loadReferenced(ctx.loaders.catalog.productById, item.productId, 'Product'),
    lineTotal: async (item, _, ctx) => {
      const product = await loadReferenced(ctx.loaders.catalog.productById, item.productId, 'Product');
      return money(product.priceCents * item.quantity, product.currency);
    },
  },
  Mutation: {
    addToCart: async (_, { input }, ctx) => {
      const productId = fromGlobalId(input.productId, 'Product', 'input.productId');
      return payload('cart', await carts.addToCart(ctx, { productId, quantity: input.quantity }));
    },
    updateCartItem: async (_, { input }, ctx) => {
      const cartItemId = fromGlobalId(input.cartItemId, 'CartItem', 'input.cartItemId');
      return payload('cart', await carts.updateCartItem(ctx, { cartItemId, quantity: input.quantity }));
    },
    removeFromCart: async (_, { input }, ctx) => {
      const cartItemId = fromGlobalId(input.cartItemId, 'CartItem', 'input.cartItemId');
      return payload('cart', await carts.removeFromCart(ctx, { cartItemId }));
    },
  },
};
