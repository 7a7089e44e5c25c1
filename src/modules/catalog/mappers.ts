// What each GraphQL type of this module resolves from, for codegen (paths are
// relative to src/generated/graphql.ts). Read by codegen.ts, not at run time.
export const mappers = {
  Category: './prisma/client#Category as CategoryModel',
  Product: './prisma/client#Product as ProductModel',
  Review: './prisma/client#Review as ReviewModel',
  ProductConnection: '../graphql/connection#ConnectionModel<ProductModel>',
  ProductEdge: '../graphql/connection#EdgeModel<ProductModel>',
  ReviewConnection: '../graphql/connection#ConnectionModel<ReviewModel>',
  ReviewEdge: '../graphql/connection#EdgeModel<ReviewModel>',
};
