import { allow } from 'graphql-shield';
import type { Cart, CartItem } from '../../generated/prisma/client';
import type { RuleMap } from '../../graphql/permissions';
import { isAuthenticated, ownerOrStaff } from '../../graphql/rules';
import { selfOrStaff } from '../account/permissions';

const isCartOwnerOrStaff = ownerOrStaff<Cart>('isCartOwnerOrStaff', (cart) => cart.userId);
const isCartItemOwnerOrStaff = ownerOrStaff<CartItem>(
  'isCartItemOwnerOrStaff',
  async (item, ctx) => (await ctx.loaders.cart.cartById.load(item.cartId))?.userId ?? null,
);

export const cartPermissions: RuleMap = {
  User: { cart: selfOrStaff },
  Cart: { id: isCartOwnerOrStaff, items: isCartOwnerOrStaff, subtotal: isCartOwnerOrStaff, itemCount: isCartOwnerOrStaff },
  CartItem: { id: isCartItemOwnerOrStaff, product: isCartItemOwnerOrStaff, quantity: isCartItemOwnerOrStaff, lineTotal: isCartItemOwnerOrStaff },
  CartPayload: { cart: allow, userErrors: allow },
  Mutation: { addToCart: isAuthenticated, updateCartItem: isAuthenticated, removeFromCart: isAuthenticated },
};
