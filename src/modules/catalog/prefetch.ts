// A page of products and what a storefront shows with each (its category,
// its first reviews and their authors) in one statement instead of three, the
// loaders primed with the rows: the resolvers below then read them from the
// loaders as they always do, authorised field by field as always.
import type { Context } from '../../context';
import { parseNewestFirstPage } from '../../graphql/connection';
import { connectionItems, type Selected } from '../../graphql/lookahead';
import { Prisma, type Category, type Review, type User } from '../../generated/prisma/client';

/** What to fetch with a page of products; null: nothing worth a statement of its own. */
export interface ProductChildren {
  category: boolean;
  /** Rows per product for `reviews(first: n)` without `after` (n + 1, as the review loader asks). */
  reviewsTake: number;
  authors: boolean;
}

/**
 * Reads what the client selected on each product. Only the first page of
 * reviews, of one size, is fetched ahead (that is one loader key); anything
 * else (another size, `after`, arguments that do not parse) is left to the
 * loaders, which also report the errors.
 */
export function productChildren(product: Selected): ProductChildren | null {
  const reviews = product.field('reviews');
  if (reviews.length === 0) return null;
  const takes = new Set<number>();
  for (const selection of reviews) {
    if (!selection.args || selection.args.after != null) return null;
    try {
      takes.add(parseNewestFirstPage(selection.args).size + 1);
    } catch {
      return null;
    }
  }
  const [reviewsTake] = takes;
  if (takes.size !== 1 || reviewsTake === undefined || reviewsTake < 2) return null;
  return {
    category: product.field('category').length > 0,
    reviewsTake,
    authors: reviews.some((selection) => connectionItems(selection.below).field('author').length > 0),
  };
}

// Prisma's DateTime columns are `timestamp(3)`, which hold UTC: PostgreSQL writes them in JSON without a zone.
function utc(value: string): Date {
  return new Date(`${value}Z`);
}

function withDates<T>(row: Record<string, unknown>, fields: readonly string[]): T {
  for (const field of fields) if (typeof row[field] === 'string') row[field] = utc(row[field] as string);
  return row as T;
}

interface PrefetchRow {
  categories: Array<Record<string, unknown>> | null;
  reviews: Array<Record<string, unknown>> | null;
  authors: Array<Record<string, unknown>> | null;
}

/**
 * One statement for the categories, first reviews and review authors of
 * `products`, primed into the loaders. The review rows are chosen exactly as
 * the review page loader chooses them (src/modules/catalog/loaders.ts:
 * newest first by ("createdAt", "id"), per product).
 */
export async function prefetchProductChildren(
  ctx: Context,
  products: ReadonlyArray<{ id: number; categoryId: number }>,
  plan: ProductChildren,
): Promise<void> {
  if (products.length === 0) return;
  const productIds = products.map((product) => product.id);
  const categoryIds = [...new Set(products.map((product) => product.categoryId))];
  const [row] = await ctx.db.$queryRaw<PrefetchRow[]>`
    WITH page AS (
      SELECT * FROM (
        SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r."productId" ORDER BY r."createdAt" DESC, r."id" DESC) AS "rowNumber"
        FROM "Review" r
        WHERE r."productId" = ANY(${productIds}::int[])
      ) ranked
      WHERE "rowNumber" <= ${plan.reviewsTake}
    )
    SELECT
      ${plan.category ? Prisma.sql`(SELECT json_agg(c) FROM "Category" c WHERE c."id" = ANY(${categoryIds}::int[]))` : Prisma.sql`NULL::json`} AS "categories",
      (SELECT json_agg(page ORDER BY page."productId", page."rowNumber") FROM page) AS "reviews",
      ${plan.authors ? Prisma.sql`(SELECT json_agg(u) FROM "User" u WHERE u."id" IN (SELECT "authorId" FROM page))` : Prisma.sql`NULL::json`} AS "authors"`;
  if (!row) return;

  const { catalog, account } = ctx.loaders;
  for (const category of row.categories ?? []) {
    const model = withDates<Category>(category, ['createdAt']);
    catalog.categoryById.prime(model.id, model);
  }
  const pages = new Map<number, Review[]>(productIds.map((id) => [id, []]));
  for (const review of row.reviews ?? []) {
    const model = withDates<Review>(review, ['createdAt']);
    pages.get(model.productId)?.push(model);
  }
  for (const [parentId, reviews] of pages) catalog.reviewPageByProduct.prime({ parentId, take: plan.reviewsTake, after: null }, reviews);
  for (const author of row.authors ?? []) {
    const model = withDates<User>(author, ['createdAt', 'updatedAt']);
    account.userById.prime(model.id, model);
  }
}
