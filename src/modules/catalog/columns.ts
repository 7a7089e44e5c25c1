import { fieldColumns } from '../../graphql/field-columns';
import { Prisma, type Product } from '../../generated/prisma/client';

/** What each field of Product reads of its row (resolvers.ts), for pages read ahead with only those columns. */
export const productFieldColumns = fieldColumns<Product>(Prisma.ProductScalarFieldEnum, {
  // The policy reads `published` (canReadProduct); the row's id is its key.
  always: ['id', 'published'],
  fields: {
    price: ['priceCents', 'currency'],
    costPrice: ['costCents', 'currency'],
    inStock: ['stockQuantity'],
    averageRating: ['averageRating', 'reviewCount'],
    category: ['categoryId'],
    // Its totalCount is the product's counter.
    reviews: ['reviewCount'],
  },
});
