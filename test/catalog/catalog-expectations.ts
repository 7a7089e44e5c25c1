/**
 * What the catalog fixture (test/helpers/catalog-fixture.ts) holds, derived
 * independently from its documented rules, so tests can state expectations
 * without reading the database.
 */

export const CATEGORIES = [
  { slug: 'kitchen', name: 'Kitchen' },
  { slug: 'garden', name: 'Garden' },
  { slug: 'office', name: 'Office' },
] as const;

export type CategorySlug = (typeof CATEGORIES)[number]['slug'];

export const PRODUCT_COUNT = 30;
const BASE_TIME = Date.UTC(2026, 0, 1);

export interface FixtureProduct {
  /** 1-based position in the fixture (also the insertion order). */
  index: number;
  slug: string;
  name: string;
  categorySlug: CategorySlug;
  priceCents: number;
  /** The price as the API formats it, e.g. "7.99". */
  amount: string;
  inStock: boolean;
  createdAt: string;
  /** Ratings of the product's reviews, oldest first (review r + 1 is by "Reviewer r + 1"). */
  ratings: number[];
  /** The mean rating, or null without reviews. */
  averageRating: number | null;
}

function pad(i: number): string {
  return String(i).padStart(2, '0');
}

export function fixtureProduct(i: number): FixtureProduct {
  const category = CATEGORIES[(i - 1) % CATEGORIES.length]!;
  const priceCents = i * 100 + 99;
  const ratings = Array.from({ length: i % 6 }, (_, r) => ((i - 1 + r) % 5) + 1);
  return {
    index: i,
    slug: `product-${pad(i)}`,
    name: `Product ${pad(i)} ${category.name}`,
    categorySlug: category.slug,
    priceCents,
    amount: `${Math.floor(priceCents / 100)}.${pad(priceCents % 100)}`,
    inStock: i % 5 !== 0,
    createdAt: new Date(BASE_TIME + i * 60_000).toISOString(),
    ratings,
    averageRating: ratings.length ? ratings.reduce((sum, rating) => sum + rating, 0) / ratings.length : null,
  };
}

/** The 30 published products in fixture order (oldest, cheapest and first by name first). */
export const PRODUCTS: FixtureProduct[] = Array.from({ length: PRODUCT_COUNT }, (_, k) => fixtureProduct(k + 1));

/** The default order of `products`: newest first. */
export const NEWEST_FIRST: FixtureProduct[] = [...PRODUCTS].reverse();

export function namesOf(products: ReadonlyArray<{ name: string }>): string[] {
  return products.map((product) => product.name);
}

export const HIDDEN_PRODUCT = { slug: 'hidden-product', name: 'Hidden Product' } as const;

/** A global ID as the API makes them (base64url of `Type:id`); also used to forge invalid ones. */
export function globalId(type: string, id: number | string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
