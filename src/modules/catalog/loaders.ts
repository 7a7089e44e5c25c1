import DataLoader from 'dataloader';
import type { Db } from '../../db/prisma';
import { Prisma, type Product, type Review } from '../../generated/prisma/client';
import { groupBy, loaderByKey } from '../../graphql/batch';
import type { CursorValue } from '../../graphql/connection';

/** A page of children for one parent: the first `size + 1` after `cursor`, newest first. */
export interface ChildPageKey {
  parentId: number;
  /** Rows to fetch (page size + 1, to tell whether there are more). */
  take: number;
  cursor: CursorValue | null;
}

type ChildTable = 'Review' | 'Product';

// Identifiers are fixed here, never taken from input.
const CHILD_QUERIES: Record<ChildTable, { table: Prisma.Sql; parent: Prisma.Sql; where: Prisma.Sql }> = {
  Review: { table: Prisma.raw('"Review"'), parent: Prisma.raw('"productId"'), where: Prisma.sql`TRUE` },
  Product: { table: Prisma.raw('"Product"'), parent: Prisma.raw('"categoryId"'), where: Prisma.sql`"published"` },
};

/**
 * The first rows of many parents in one statement (ROW_NUMBER over a
 * partition per parent), newest first. Keys that share page size and cursor
 * share a statement; in practice a whole page of parents asks the same.
 */
function childPageLoader<T>(db: Db, child: ChildTable, parentOf: (row: T) => number) {
  const { table, parent, where } = CHILD_QUERIES[child];
  return new DataLoader<ChildPageKey, T[], string>(
    async (keys) => {
      const groups = new Map<string, ChildPageKey[]>();
      for (const key of keys) {
        const groupKey = JSON.stringify([key.take, key.cursor]);
        groups.set(groupKey, [...(groups.get(groupKey) ?? []), key]);
      }
      const pages = new Map<ChildPageKey, T[]>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const [first] = group;
          if (!first) return;
          const ids = group.map((key) => key.parentId);
          const after = first.cursor
            ? Prisma.sql`AND ("createdAt", "id") < (${new Date(String(first.cursor[0]))}, ${first.cursor[1]})`
            : Prisma.empty;
          const rows = await db.$queryRaw<T[]>`
            SELECT * FROM (
              SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.${parent} ORDER BY c."createdAt" DESC, c."id" DESC) AS "rowNumber"
              FROM ${table} c
              WHERE c.${parent} = ANY(${ids}::int[]) AND ${where} ${after}
            ) ranked
            WHERE "rowNumber" <= ${first.take}
            ORDER BY ${parent}, "rowNumber"`;
          groupBy(ids, rows, parentOf).forEach((page, index) => pages.set(group[index]!, page));
        }),
      );
      return keys.map((key) => pages.get(key) ?? []);
    },
    { cacheKeyFn: (key) => JSON.stringify([key.parentId, key.take, key.cursor]) },
  );
}

export function createCatalogLoaders(db: Db) {
  return {
    productById: loaderByKey(
      (ids: readonly number[]) => db.product.findMany({ where: { id: { in: [...ids] } } }),
      (product) => product.id,
    ),
    categoryById: loaderByKey(
      (ids: readonly number[]) => db.category.findMany({ where: { id: { in: [...ids] } } }),
      (category) => category.id,
    ),
    reviewById: loaderByKey(
      (ids: readonly number[]) => db.review.findMany({ where: { id: { in: [...ids] } } }),
      (review) => review.id,
    ),
    reviewPageByProduct: childPageLoader<Review>(db, 'Review', (review) => review.productId),
    productPageByCategory: childPageLoader<Product>(db, 'Product', (product) => product.categoryId),
    publishedProductCountByCategory: new DataLoader<number, number>(async (categoryIds) => {
      const counts = await db.product.groupBy({
        by: ['categoryId'],
        where: { categoryId: { in: [...categoryIds] }, published: true },
        _count: { _all: true },
      });
      const byCategory = new Map(counts.map((row) => [row.categoryId, row._count._all]));
      return categoryIds.map((id) => byCategory.get(id) ?? 0);
    }),
  };
}
