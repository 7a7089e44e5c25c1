// A page of products and what a storefront shows with each (its category,
// its first reviews and their authors) in ONE statement: PostgreSQL builds
// the page and its children as one JSON document, and the loaders are primed
// with the rows. The resolvers then read them from the loaders as they
// always do, authorised field by field as always; anything not read ahead
// (another page size, `after`, other fields) is left to the loaders.
// Products and authors are read with only the columns the operation's
// fields read (src/graphql/field-columns.ts): a storefront's product card
// has no description and its reviewers no email or password hash.
import type { ServiceContext } from '../../context';
import type { RowLoader } from '../../db/batch';
import { jsonRows } from '../../db/json-rows';
import { parseNewestFirstPage } from '../../graphql/connection';
import { connectionItems, type Selected } from '../../graphql/lookahead';
import { selectedFields, type OperationInfo } from '../../graphql/selected-fields';
import { Prisma, type Category, type Product, type Review, type User } from '../../generated/prisma/client';
import { userFieldColumns } from '../account/columns';
import { productFieldColumns } from './columns';

const PRODUCT_ROWS = jsonRows<Product>(Prisma.ProductScalarFieldEnum, ['createdAt', 'updatedAt']);
const CATEGORY_ROWS = jsonRows<Category>(Prisma.CategoryScalarFieldEnum, ['createdAt']);
const REVIEW_ROWS = jsonRows<Review>(Prisma.ReviewScalarFieldEnum, ['createdAt']);
const USER_ROWS = jsonRows<User>(Prisma.UserScalarFieldEnum, ['createdAt', 'updatedAt']);

/** What to read with a page of products, from what the client selected on each. */
export interface ProductChildren {
  category: boolean;
  /** `reviews(first: n)` without `after`: n + 1 rows per product (one loader key), and whether their authors are selected. */
  reviews: { take: number; authors: boolean } | null;
  /**
   * The columns of products and of authors that the operation reads
   * anywhere (null: all). Categories and reviews are read whole: they are
   * small, and a review page is shared by key with every other reader.
   */
  columns: { product: ReadonlyArray<keyof Product & string> | null; author: ReadonlyArray<keyof User & string> | null };
}

export const NO_CHILDREN: ProductChildren = { category: false, reviews: null, columns: { product: null, author: null } };

/**
 * Reads what the client selected on each product. Only the first page of
 * reviews, of one size, is read ahead; another size, `after`, or arguments
 * that do not parse are left to the loaders, which also report the errors.
 */
export function productChildren(product: Selected, operation: OperationInfo): ProductChildren {
  // Only a query's rows are read in part: a mutation's services may read any column of a row in a loader.
  const fields = operation.operation.operation === 'query' ? selectedFields(operation) : null;
  const columns = fields
    ? { product: productFieldColumns.of(fields.get('Product')), author: userFieldColumns.of(fields.get('User')) }
    : NO_CHILDREN.columns;
  return { category: product.field('category').length > 0, reviews: reviewsAhead(product), columns };
}

function reviewsAhead(product: Selected): ProductChildren['reviews'] {
  const selections = product.field('reviews');
  if (selections.length === 0) return null;
  const takes = new Set<number>();
  for (const selection of selections) {
    if (!selection.args || selection.args.after != null) return null;
    try {
      takes.add(parseNewestFirstPage(selection.args).size + 1);
    } catch {
      return null;
    }
  }
  const [take] = takes;
  if (takes.size !== 1 || take === undefined || take < 2) return null;
  const authors = selections.some((selection) => connectionItems(selection.below).field('author').length > 0);
  return { take, authors };
}

const PRODUCT_COLUMNS = Object.values(Prisma.ProductScalarFieldEnum);

/** The product columns to read: those the operation reads, and the one the page is sorted by (its cursors), in the model's order. */
function withSortColumn(columns: ReadonlyArray<keyof Product & string> | null, sortColumn: keyof Product & string) {
  if (!columns || columns.includes(sortColumn)) return columns;
  return PRODUCT_COLUMNS.filter((column) => column === sortColumn || columns.includes(column));
}

/**
 * Primes a loader with rows read ahead. A row with only some columns never
 * replaces one already there (the whole row may have been read for someone
 * else); a whole row does, as any fresh row does.
 */
function primeRows<T extends { id: number }>(loader: RowLoader<number, T | null>, rows: readonly T[], partial: boolean): void {
  for (const row of rows) if (!partial || loader.peek(row.id) === undefined) loader.prime(row.id, row);
}

/** Which products, in which order: conditions on the table aliased `p`, a column to sort by (then by id), how many. */
export interface ProductSelection {
  where: Prisma.Sql;
  /** A column of Product, fixed in code (never input). */
  sortColumn: keyof Product & string;
  descending: boolean;
  /** Rows to read (a connection asks for one more than it shows). */
  take: number;
  /** How many of them are shown, and so have their children read. */
  shown: number;
}

/**
 * A row count written into the SQL text rather than sent as a parameter: with
 * its limits known, PostgreSQL plans the statement the same for every page of
 * that size and keeps the plan (a generic plan of a prepared statement),
 * where a parameter made it plan every execution anew (~0.2 ms of its ~0.5).
 * Only whole numbers of the validated page sizes reach here.
 */
function limit(rows: number): Prisma.Sql {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new Error(`not a row count: ${rows}`);
  return Prisma.raw(String(rows));
}

/** The review page loader's order: newest first by ("createdAt", "id"). */
function newestFirst(a: Review, b: Review): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id;
}

function inOrder(reviews: readonly Review[]): boolean {
  for (let index = 1; index < reviews.length; index += 1) if (newestFirst(reviews[index - 1]!, reviews[index]!) > 0) return false;
  return true;
}

interface PageDocument {
  products: unknown[][] | null;
  categories: unknown[][] | null;
  reviews: unknown[][] | null;
  authors: unknown[][] | null;
}

/**
 * The products `selection` picks, with the `children` selected, in one
 * statement; the products, categories, review pages and authors are primed
 * into the request's loaders. The review rows are those the review page
 * loader would read (src/modules/catalog/loaders.ts: newest first by
 * ("createdAt", "id"), per product).
 */
export async function readProducts(ctx: ServiceContext, selection: ProductSelection, children: ProductChildren): Promise<Product[]> {
  const { where, sortColumn } = selection;
  const take = limit(selection.take);
  const shown = limit(selection.shown);
  const direction = Prisma.raw(selection.descending ? 'DESC' : 'ASC');
  const column = Prisma.raw(`"${sortColumn}"`);
  const { reviews } = children;
  const productColumns = withSortColumn(children.columns.product, sortColumn);
  const productRows = PRODUCT_ROWS.only(productColumns);
  const authorRows = USER_ROWS.only(children.columns.author);
  const [document] = await ctx.db.$queryRaw<PageDocument[]>`
    WITH page AS (
      SELECT p.* FROM "Product" p WHERE ${where} ORDER BY p.${column} ${direction}, p."id" ${direction} LIMIT ${take}
    )${
      reviews
        ? Prisma.sql`, reviews AS (
      SELECT r.* FROM (SELECT * FROM page ORDER BY page.${column} ${direction}, page."id" ${direction} LIMIT ${shown}) shown
      CROSS JOIN LATERAL (
        SELECT * FROM "Review" x WHERE x."productId" = shown."id" ORDER BY x."createdAt" DESC, x."id" DESC LIMIT ${limit(reviews.take)}
      ) r
    )`
        : Prisma.empty
    }
    SELECT
      (SELECT json_agg(${productRows.row('page')} ORDER BY page.${column} ${direction}, page."id" ${direction}) FROM page) AS "products",
      ${children.category ? Prisma.sql`(SELECT json_agg(${CATEGORY_ROWS.row('c')}) FROM "Category" c WHERE c."id" IN (SELECT "categoryId" FROM page))` : Prisma.sql`NULL::json`} AS "categories",
      ${reviews ? Prisma.sql`(SELECT json_agg(${REVIEW_ROWS.row('reviews')}) FROM reviews)` : Prisma.sql`NULL::json`} AS "reviews",
      ${reviews?.authors ? Prisma.sql`(SELECT json_agg(${authorRows.row('u')}) FROM "User" u WHERE u."id" IN (SELECT "authorId" FROM reviews))` : Prisma.sql`NULL::json`} AS "authors"`;
  if (!document) return [];

  const { catalog, account } = ctx.loaders;
  const products = productRows.decode(document.products);
  primeRows(catalog.productById, products, productColumns !== null);
  for (const category of CATEGORY_ROWS.decode(document.categories)) catalog.categoryById.prime(category.id, category);
  if (reviews) {
    const pages = new Map<number, Review[]>(products.slice(0, selection.shown).map((product) => [product.id, []]));
    for (const review of REVIEW_ROWS.decode(document.reviews)) pages.get(review.productId)?.push(review);
    // Put in order here: ordering the aggregate made PostgreSQL sort every review of the page (a fifth of
    // its time on a 100 × 10 page), where each product's handful are sorted here in microseconds. They
    // mostly arrive in order (as each product's index scan read them): then nothing is sorted.
    for (const page of pages.values()) if (!inOrder(page)) page.sort(newestFirst);
    for (const [parentId, page] of pages) catalog.reviewPageByProduct.prime({ parentId, take: reviews.take, after: null }, page);
  }
  primeRows(account.userById, authorRows.decode(document.authors), children.columns.author !== null);
  return products;
}
