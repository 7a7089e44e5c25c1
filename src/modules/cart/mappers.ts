// What each GraphQL type of this module resolves from, for codegen (paths are
// relative to src/generated/graphql.ts). Read by codegen.ts, not at run time.
export const mappers = {
  Cart: './prisma/client#Cart as CartModel',
  CartItem: './prisma/client#CartItem as CartItemModel',
};
