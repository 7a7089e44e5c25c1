// What each GraphQL type of this module resolves from, for codegen (paths are
// relative to src/generated/graphql.ts). Read by codegen.ts, not at run time.
export const mappers = {
  Order: './prisma/client#Order as OrderModel',
  OrderItem: './prisma/client#OrderItem as OrderItemModel',
  Payment: './prisma/client#Payment as PaymentModel',
  OrderConnection: '../graphql/connection#ConnectionModel<OrderModel>',
  OrderEdge: '../graphql/connection#EdgeModel<OrderModel>',
};
