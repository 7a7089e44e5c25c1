import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver types generated from the SDL in schema/ (the baseline is a printed
// copy for schema:check, not a source). Each GraphQL object type is mapped to
// the value its resolvers receive as parent: a Prisma model or a small model
// type of ours, so resolvers are typed end to end without `any`.
const config: CodegenConfig = {
  schema: ['schema/*.graphql', '!schema/baseline.graphql'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        contextType: '../context#Context',
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'Date' },
        mappers: {
          User: './prisma/client#User as UserModel',
          Category: './prisma/client#Category as CategoryModel',
          Product: './prisma/client#Product as ProductModel',
          Review: './prisma/client#Review as ReviewModel',
          Cart: './prisma/client#Cart as CartModel',
          CartItem: './prisma/client#CartItem as CartItemModel',
          Order: './prisma/client#Order as OrderModel',
          OrderItem: './prisma/client#OrderItem as OrderItemModel',
          Payment: './prisma/client#Payment as PaymentModel',
          OrderConnection: '../graphql/connection#ConnectionModel<OrderModel>',
          OrderEdge: '../graphql/connection#EdgeModel<OrderModel>',
          Money: '../graphql/money#MoneyModel',
          ProductConnection: '../graphql/connection#ConnectionModel<ProductModel>',
          ProductEdge: '../graphql/connection#EdgeModel<ProductModel>',
          ReviewConnection: '../graphql/connection#ConnectionModel<ReviewModel>',
          ReviewEdge: '../graphql/connection#EdgeModel<ReviewModel>',
          UserConnection: '../graphql/connection#ConnectionModel<UserModel>',
          UserEdge: '../graphql/connection#EdgeModel<UserModel>',
        },
      },
    },
  },
};

export default config;
