import type { Resolvers } from '../../generated/graphql';
import { connectionResolvers } from '../../graphql/connection';
import { toGlobalId } from '../../graphql/global-id';
import { formatAmount, money } from '../../graphql/money';
import { required } from '../../graphql/required';
import * as catalog from './service';

export const catalogResolvers: Resolvers = {
  Query: {
    product: (_, args, ctx) => catalog.findProduct(ctx, args),
    products: (_, args, ctx) => catalog.listProducts(ctx, args),
    category: (_, { slug }, ctx) => catalog.findCategoryBySlug(ctx, slug),
    categories: (_, __, ctx) => catalog.listCategories(ctx),
  },
  Money: {
    amount: (value) => formatAmount(value.cents),
    currencyCode: (value) => value.currency,
  },
  Category: {
    id: (category) => toGlobalId('Category', category.id),
    products: (category, args, ctx) => catalog.categoryProducts(ctx, category, args),
  },
  Product: {
    id: (product) => toGlobalId('Product', product.id),
    price: (product) => money(product.priceCents, product.currency),
    costPrice: (product) => money(product.costCents, product.currency),
    inStock: (product) => product.stockQuantity > 0,
    averageRating: (product) => (product.reviewCount > 0 ? product.averageRating : null),
    category: async (product, _, ctx) =>
      required(await ctx.loaders.catalog.categoryById.load(product.categoryId), 'Category', product.categoryId),
    reviews: (product, args, ctx) => catalog.productReviews(ctx, product, args),
  },
  Review: {
    id: (review) => toGlobalId('Review', review.id),
    author: async (review, _, ctx) => required(await ctx.loaders.account.userById.load(review.authorId), 'User', review.authorId),
    product: async (review, _, ctx) =>
      required(await ctx.loaders.catalog.productById.load(review.productId), 'Product', review.productId),
  },
  ProductConnection: connectionResolvers,
  ReviewConnection: connectionResolvers,
};
