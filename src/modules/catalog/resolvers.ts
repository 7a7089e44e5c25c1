import type { Resolvers } from '../../generated/graphql';
import { connectionResolvers } from '../../graphql/connection';
import { toGlobalId } from '../../graphql/global-id';
import { formatAmount, money } from '../../graphql/money';
import { required } from '../../graphql/required';
import type { Product, Review } from '../../generated/prisma/client';
import type { ServiceResult } from '../../graphql/result';
import * as products from './product-writes';
import { createReview } from './review-service';
import * as catalog from './service';

function productPayload(result: ServiceResult<Product>) {
  return result.ok ? { product: result.value, userErrors: [] } : { product: null, userErrors: result.userErrors };
}

function reviewPayload(result: ServiceResult<Review>) {
  return result.ok ? { review: result.value, userErrors: [] } : { review: null, userErrors: result.userErrors };
}

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
  Mutation: {
    createReview: async (_, { input }, ctx) => reviewPayload(await createReview(ctx, input)),
    createProduct: async (_, { input }, ctx) => productPayload(await products.createProduct(ctx, input)),
    updateProduct: async (_, { input }, ctx) => productPayload(await products.updateProduct(ctx, input)),
    adjustStock: async (_, { input }, ctx) => productPayload(await products.adjustStock(ctx, input)),
  },
};
