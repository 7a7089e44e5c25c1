// The catalog's read side at the GraphQL edge: decodes filters, orderings,
// IDs and cursors, reads through the loaders (or one indexed statement for a
// root list) and builds Relay connections.
import type { Context, ServiceContext } from '../../context';
import { parseAmount } from '../../core/money';
import type { ProductFilter, ProductOrder, ProductSortField } from '../../generated/graphql';
import { Prisma, type Category, type Product, type Review } from '../../generated/prisma/client';
import {
  buildConnection,
  childConnection,
  parsePageArgs,
  type ConnectionModel,
  type CursorValue,
  type PageArgs,
} from '../../graphql/connection';
import { badUserInput } from '../../graphql/errors';
import { fromGlobalId } from '../../graphql/global-id';
import { connectionItems, lookahead } from '../../graphql/lookahead';
import type { GraphQLResolveInfo } from 'graphql';
import { canReadProduct } from './policy';
import { NO_CHILDREN, productChildren, readProducts } from './product-page';

const MAX_SEARCH_LENGTH = 100;
const MAX_SLUG_LENGTH = 200;
const MAX_PRICE_CENTS = 2_147_483_647;

type SortColumn = 'name' | 'priceCents' | 'createdAt' | 'averageRating';
const SORT_COLUMNS: Record<ProductSortField, SortColumn> = {
  NAME: 'name',
  PRICE: 'priceCents',
  CREATED_AT: 'createdAt',
  RATING: 'averageRating',
};
const DEFAULT_ORDER: ProductOrder = { field: 'CREATED_AT', direction: 'DESC' };

/** The cursor value of a product for a sort column (dates travel as ISO strings). */
function sortValue(product: Product, column: SortColumn): CursorValue[0] {
  const value = product[column];
  return value instanceof Date ? value.toISOString() : value;
}

/** Turns a cursor's sort value back into the column's type, rejecting cursors made for another ordering. */
function cursorSortValue(value: CursorValue[0], column: SortColumn, argument: string): string | number | Date {
  const invalid = () => badUserInput(`"${argument}" is not a valid cursor for this ordering.`, argument);
  if (column === 'name') {
    if (typeof value !== 'string') throw invalid();
    return value;
  }
  if (column === 'createdAt') {
    const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw invalid();
    return date;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid();
  return value;
}

function decodeAmount(amount: string, argument: string): number {
  const cents = parseAmount(amount);
  if (cents === null) throw badUserInput(`"${argument}" must be a decimal amount such as "12.50".`, argument);
  return cents;
}

/** The conditions of a product filter on the table aliased `p`, published products only. */
function filterConditions(filter: ProductFilter | null | undefined): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [Prisma.sql`p."published"`];
  if (!filter) return conditions;
  if (filter.categorySlug != null) {
    if (filter.categorySlug.length > MAX_SLUG_LENGTH) throw badUserInput('"filter.categorySlug" is too long.', 'filter.categorySlug');
    conditions.push(Prisma.sql`p."categoryId" IN (SELECT c."id" FROM "Category" c WHERE c."slug" = ${filter.categorySlug})`);
  }
  if (filter.search != null) {
    const search = filter.search.trim();
    if (search.length > MAX_SEARCH_LENGTH) {
      throw badUserInput(`"filter.search" must be at most ${MAX_SEARCH_LENGTH} characters.`, 'filter.search');
    }
    if (search) {
      // LIKE wildcards in the text are meant literally (backslash is ILIKE's escape character).
      const pattern = `%${search.replace(/[\\%_]/g, '\\$&')}%`;
      conditions.push(Prisma.sql`(p."name" ILIKE ${pattern} OR p."description" ILIKE ${pattern})`);
    }
  }
  const min = filter.minPrice != null ? decodeAmount(filter.minPrice, 'filter.minPrice') : undefined;
  const max = filter.maxPrice != null ? decodeAmount(filter.maxPrice, 'filter.maxPrice') : undefined;
  if (min !== undefined && max !== undefined && min > max) {
    throw badUserInput('"filter.minPrice" must not be above "filter.maxPrice".', 'filter.minPrice');
  }
  // Prices are 32-bit cents: a bound beyond that is as good as the largest price.
  if (min !== undefined) conditions.push(Prisma.sql`p."priceCents" >= ${Math.min(min, MAX_PRICE_CENTS)}`);
  if (max !== undefined) conditions.push(Prisma.sql`p."priceCents" <= ${Math.min(max, MAX_PRICE_CENTS)}`);
  if (filter.inStock != null) conditions.push(filter.inStock ? Prisma.sql`p."stockQuantity" > 0` : Prisma.sql`p."stockQuantity" <= 0`);
  return conditions;
}

/** Rows after (or, `ascending` false, before) the cursor's position in (column, id) order. */
function afterCursor(column: SortColumn, value: string | number | Date, id: number, ascending: boolean): Prisma.Sql {
  const col = Prisma.raw(`p."${column}"`);
  const op = Prisma.raw(ascending ? '>' : '<');
  // A timestamp(3) column holds UTC; the cursor's instant is compared as such, whatever the session's time zone.
  const at = value instanceof Date ? Prisma.sql`(${value.toISOString()}::timestamptz AT TIME ZONE 'UTC')` : Prisma.sql`${value}`;
  return Prisma.sql`(${col} ${op} ${at} OR (${col} = ${at} AND p."id" ${op} ${id}))`;
}

async function countProducts(ctx: ServiceContext, where: Prisma.Sql): Promise<number> {
  const [row] = await ctx.db.$queryRaw<Array<{ count: number }>>`SELECT count(*)::int AS "count" FROM "Product" p WHERE ${where}`;
  return row?.count ?? 0;
}

/**
 * The catalog's published products as a Relay connection, with keyset
 * pagination on (sort column, id): every page is one indexed statement,
 * however deep, with the children the client selected on its products
 * (categories, first reviews, authors) read in the same statement;
 * `totalCount` is a second one only when asked for.
 * @throws BAD_USER_INPUT for invalid pagination, cursors or filters.
 */
export async function productsConnection(
  ctx: Context,
  args: PageArgs & { filter?: ProductFilter | null; orderBy?: ProductOrder | null },
  info?: GraphQLResolveInfo,
): Promise<ConnectionModel<Product>> {
  const order = args.orderBy ?? DEFAULT_ORDER;
  const column = SORT_COLUMNS[order.field];
  // The direction is not part of the key: a cursor stays valid when the client flips it.
  const page = parsePageArgs(args, order.field);
  const conditions = filterConditions(args.filter);
  const where = Prisma.join(conditions, ' AND ');

  // Reading backwards is reading the reversed order forwards.
  const ascending = (order.direction === 'ASC') === (page.direction === 'forward');
  const pageConditions = [...conditions];
  if (page.cursor) {
    const argument = page.direction === 'forward' ? 'after' : 'before';
    pageConditions.push(afterCursor(column, cursorSortValue(page.cursor[0], column, argument), page.cursor[1], ascending));
  }
  const children = info ? productChildren(connectionItems(lookahead(info)), info) : NO_CHILDREN;
  const rows =
    page.size === 0
      ? []
      : await readProducts(
          ctx,
          { where: Prisma.join(pageConditions, ' AND '), sortColumn: column, descending: !ascending, take: page.size + 1, shown: page.size },
          children,
        );
  return buildConnection(rows, page, (row) => [sortValue(row, column), row.id], () => countProducts(ctx, where));
}

/**
 * A published product by global ID or slug (exactly one must be given).
 * @throws BAD_USER_INPUT when neither or both are given, or the ID is invalid.
 */
export async function findProduct(ctx: Context, args: { id?: string | null; slug?: string | null }, info?: GraphQLResolveInfo): Promise<Product | null> {
  if ((args.id == null) === (args.slug == null)) {
    throw badUserInput('Give exactly one of "id" and "slug".', args.id == null ? 'id' : 'slug');
  }
  const slug = args.slug ?? '';
  if (args.id == null && slug.length > MAX_SLUG_LENGTH) return null;
  const where = args.id != null ? Prisma.sql`p."id" = ${fromGlobalId(args.id, 'Product')}` : Prisma.sql`p."slug" = ${slug}`;
  // The product and the children its client selected, in one statement.
  const children = info ? productChildren(lookahead(info), info) : NO_CHILDREN;
  const [product] = await readProducts(ctx, { where, sortColumn: 'id', descending: false, take: 1, shown: 1 }, children);
  return product && canReadProduct(ctx.viewer, product) ? product : null;
}

/** Loads a product for a node lookup; unpublished products are visible to staff only. */
export async function loadVisibleProduct(ctx: ServiceContext, id: number): Promise<Product | null> {
  const product = await ctx.loaders.catalog.productById.load(id);
  return product && canReadProduct(ctx.viewer, product) ? product : null;
}

export function findCategoryBySlug(ctx: Context, slug: string): Promise<Category | null> {
  if (slug.length > MAX_SLUG_LENGTH) return Promise.resolve(null);
  return ctx.db.category.findUnique({ where: { slug } });
}

export function listCategories(ctx: Context): Promise<Category[]> {
  return ctx.db.category.findMany({ orderBy: [{ name: 'asc' }, { id: 'asc' }] });
}

/** A product's reviews, newest first (at once when read ahead); the count is the product's own counter (no query). */
export function productReviews(ctx: Context, product: Product, args: PageArgs): ConnectionModel<Review> | Promise<ConnectionModel<Review>> {
  return childConnection(ctx.loaders.catalog.reviewPageByProduct, product.id, args, () => product.reviewCount);
}

/** A category's published products, newest first. */
export function categoryProducts(ctx: Context, category: Category, args: PageArgs): ConnectionModel<Product> | Promise<ConnectionModel<Product>> {
  return childConnection(ctx.loaders.catalog.productPageByCategory, category.id, args, () =>
    ctx.loaders.catalog.publishedProductCountByCategory.load(category.id),
  );
}
