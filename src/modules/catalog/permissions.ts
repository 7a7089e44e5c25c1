import { allow } from 'graphql-shield';
import type { RuleMap } from '../../graphql/permissions/engine';
import { isAuthenticated, isStaff } from '../../graphql/permissions/rules';

// Every field is listed, no wildcards: a new field stays unreadable (and the
// rule-coverage test fails) until someone decides who may read it.
// The catalog is public, except what the store paid and holds: stock and cost are for staff.
export const catalogPermissions: RuleMap = {
  Query: {
    product: allow,
    products: allow,
    category: allow,
    categories: allow,
  },
  Category: { id: allow, slug: allow, name: allow, description: allow, products: allow },
  Product: {
    id: allow,
    slug: allow,
    name: allow,
    description: allow,
    price: allow,
    inStock: allow,
    stockQuantity: isStaff,
    costPrice: isStaff,
    category: allow,
    reviews: allow,
    averageRating: allow,
    createdAt: allow,
  },
  Review: { id: allow, rating: allow, body: allow, author: allow, product: allow, createdAt: allow },
  ProductConnection: { edges: allow, nodes: allow, pageInfo: allow, totalCount: allow },
  ProductEdge: { cursor: allow, node: allow },
  ReviewConnection: { edges: allow, nodes: allow, pageInfo: allow, totalCount: allow },
  ReviewEdge: { cursor: allow, node: allow },
  ReviewPayload: { review: allow, userErrors: allow },
  ProductPayload: { product: allow, userErrors: allow },
  Mutation: { createReview: isAuthenticated, createProduct: isStaff, updateProduct: isStaff, adjustStock: isStaff },
  ReviewUserError: { field: allow, message: allow, code: allow },
  ProductUserError: { field: allow, message: allow, code: allow },
};
