import type { Context } from '../../context';
import { money } from '../../core/money';
import { loadReferenced } from '../../db/batch';
import type { Resolvers } from '../../generated/graphql';
import { connectionResolvers } from '../../graphql/connection';
import { fromGlobalId, toGlobalId } from '../../graphql/global-id';
import { payload } from '../../graphql/payload';
import * as products from './product-service';
import * as catalog from './queries';
import { createReview } from './review-service';

/** A committed change to what the catalog shows drops the cached responses before the client hears of it. */
async function invalidating<T extends { ok: boolean }>(ctx: Context, result: T): Promise<T> {
  if (result.ok) await ctx.catalogChanged();
  return result;
}

/** An optional category ID of an update: absent stays absent, present must be a Category ID. */
function optionalCategoryId(globalId: string | null | undefined): number | null {
  return globalId == null ? null : fromGlobalId(globalId, 'Category', 'input.categoryId');
}

export const catalogResolvers: Resolvers = {
  Query: {
    product: (_, args, ctx, info) => catalog.findProduct(ctx, args, info),
    products: (_, args, ctx, info) => catalog.productsConnection(ctx, args, info),
    category: (_, { slug }, ctx) => catalog.findCategoryBySlug(ctx, slug),
    categories: (_, __, ctx) => catalog.listCategories(ctx),
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
    category: (product, _, ctx) => loadReferenced(ctx.loaders.catalog.categoryById, product.categoryId, 'Category'),
    reviews: (product, args, ctx) => catalog.productReviews(ctx, product, args),
  },
  Review: {
    id: (review) => toGlobalId('Review', review.id),
    author: (review, _, ctx) => loadReferenced(ctx.loaders.account.userById, review.authorId, 'User'),
    product: (review, _, ctx) => loadReferenced(ctx.loaders.catalog.productById, review.productId, 'Product'),
  },
  ProductConnection: connectionResolvers,
  ReviewConnection: connectionResolvers,
  Mutation: {
    createReview: async (_, { input }, ctx) => {
      const productId = fromGlobalId(input.productId, 'Product', 'input.productId');
      return payload('review', await invalidating(ctx, await createReview(ctx, { ...input, productId })));
    },
    createProduct: async (_, { input }, ctx) => {
      const categoryId = fromGlobalId(input.categoryId, 'Category', 'input.categoryId');
      return payload('product', await invalidating(ctx, await products.createProduct(ctx, { ...input, categoryId })));
    },
    updateProduct: async (_, { input }, ctx) => {
      const productId = fromGlobalId(input.productId, 'Product', 'input.productId');
      return payload('product', await invalidating(ctx, await products.updateProduct(ctx, { ...input, productId, categoryId: optionalCategoryId(input.categoryId) })));
    },
    adjustStock: async (_, { input }, ctx) => {
      const productId = fromGlobalId(input.productId, 'Product', 'input.productId');
      return payload('product', await invalidating(ctx, await products.adjustStock(ctx, { productId, delta: input.delta })));
    },
  },
};
