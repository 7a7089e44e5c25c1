import { allow } from 'graphql-shield';
import type { Cart, CartItem } from '../../generated/prisma/client';
import type { RuleMap } from '../../graphql/permissions/engine';
import { isAuthenticated, visibleWhen } from '../../graphql/permissions/rules';
import { selfOrStaff } from '../account/permissions';
import { canReadCart } from './policy';

const canReadThisCart = visibleWhen<Cart>('canReadCart', (cart, ctx) => canReadCart(ctx.viewer, cart));
const canReadThisCartItem = visibleWhen<CartItem>('canReadCartItem', async (item, ctx) => {
  const cart = await ctx.loaders.cart.cartById.load(item.cartId);
  return cart !== null && canReadCart(ctx.viewer, cart);
});

export const cartPermissions: RuleMap = {
  User: { cart: selfOrStaff },
  Cart: { id: canReadThisCart, items: canReadThisCart, subtotal: canReadThisCart, itemCount: canReadThisCart },
  CartItem: { id: canReadThisCartItem, product: canReadThisCartItem, quantity: canReadThisCartItem, lineTotal: canReadThisCartItem },
  CartPayload: { cart: allow, userErrors: allow },
  CartUserError: { field: allow, message: allow, code: allow },
  Mutation: { addToCart: isAuthenticated, updateCartItem: isAuthenticated, removeFromCart: isAuthenticated },
};
