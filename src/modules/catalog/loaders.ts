import DataLoader from 'dataloader';
import type { Db } from '../../db/prisma';
import { Prisma, type Product, type Review } from '../../generated/prisma/client';
import { loaderByKey, namedBatch } from '../../db/batch';
import { childPageLoader, type ChildTable } from '../../db/child-page-loader';

const REVIEWS_OF_PRODUCT: ChildTable = {
  table: Prisma.raw('"Review"'),
  parentColumn: Prisma.raw('"productId"'),
  where: Prisma.sql`TRUE`,
};
const PUBLISHED_PRODUCTS_OF_CATEGORY: ChildTable = {
  table: Prisma.raw('"Product"'),
  parentColumn: Prisma.raw('"categoryId"'),
  where: Prisma.sql`"published"`,
};

export function createCatalogLoaders(db: Db) {
  return {
    productById: loaderByKey(
      (ids: readonly number[]) => db.product.findMany({ where: { id: { in: [...ids] } } }),
      (product) => product.id,
      { name: 'productById' },
    ),
    categoryById: loaderByKey(
      (ids: readonly number[]) => db.category.findMany({ where: { id: { in: [...ids] } } }),
      (category) => category.id,
      { name: 'categoryById' },
    ),
    reviewById: loaderByKey(
      (ids: readonly number[]) => db.review.findMany({ where: { id: { in: [...ids] } } }),
      (review) => review.id,
      { name: 'reviewById' },
    ),
    reviewPageByProduct: childPageLoader<Review>(db, REVIEWS_OF_PRODUCT, (review) => review.productId, { name: 'reviewPageByProduct' }),
    productPageByCategory: childPageLoader<Product>(db, PUBLISHED_PRODUCTS_OF_CATEGORY, (product) => product.categoryId, { name: 'productPageByCategory' }),
    publishedProductCountByCategory: new DataLoader<number, number>(namedBatch('publishedProductCountByCategory', async (categoryIds: readonly number[]) => {
      const counts = await db.product.groupBy({
        by: ['categoryId'],
        where: { categoryId: { in: [...categoryIds] }, published: true },
        _count: { _all: true },
      });
      const byCategory = new Map(counts.map((row) => [row.categoryId, row._count._all]));
      return categoryIds.map((id) => byCategory.get(id) ?? 0);
    })),
  };
}
