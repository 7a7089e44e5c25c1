import type { GatewayModule, NodeTypes } from '../../graphql/module';
import { createCatalogLoaders } from './loaders';
import { catalogPermissions } from './permissions';
import { loadVisibleProduct } from './queries';
import { catalogResolvers } from './resolvers';

const nodeTypes: NodeTypes = {
  Category: (ctx, id) => ctx.loaders.catalog.categoryById.load(id),
  // An unpublished product reads like a missing one, except to staff.
  Product: (ctx, id) => loadVisibleProduct(ctx, id),
  // A review of an unpublished product is hidden with its product, except from staff.
  Review: async (ctx, id) => {
    const review = await ctx.loaders.catalog.reviewById.load(id);
    return review && (await loadVisibleProduct(ctx, review.productId)) ? review : null;
  },
};

/** The catalog: categories, products, reviews, and the staff's product writes. */
export const catalogModule = {
  name: 'catalog',
  resolvers: catalogResolvers,
  permissions: catalogPermissions,
  createLoaders: createCatalogLoaders,
  nodeTypes,
} satisfies GatewayModule;
