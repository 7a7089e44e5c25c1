import type { GatewayModule, NodeTypes } from '../../graphql/module';
import { createCartLoaders } from './loaders';
import { cartPermissions } from './permissions';
import { canReadCart } from './policy';
import { cartResolvers } from './resolvers';

const nodeTypes: NodeTypes = {
  // Another customer's cart reads exactly like a missing one.
  Cart: async (ctx, id) => {
    const cart = await ctx.loaders.cart.cartById.load(id);
    return cart && canReadCart(ctx.viewer, cart) ? cart : null;
  },
  CartItem: async (ctx, id) => {
    const item = await ctx.loaders.cart.cartItemById.load(id);
    const cart = item ? await ctx.loaders.cart.cartById.load(item.cartId) : null;
    return item && cart && canReadCart(ctx.viewer, cart) ? item : null;
  },
};

/** The viewer's cart: lines, quantities, subtotal. */
export const cartModule = {
  name: 'cart',
  resolvers: cartResolvers,
  permissions: cartPermissions,
  createLoaders: createCartLoaders,
  nodeTypes,
} satisfies GatewayModule;
