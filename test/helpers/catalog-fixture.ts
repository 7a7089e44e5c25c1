import type { Db } from '../../src/db/prisma';
import { Prisma } from '../../src/generated/prisma/client';

/** The small, fully known catalog the catalog tests assert against. */
export const FIXTURE = {
  categories: [
    { slug: 'kitchen', name: 'Kitchen' },
    { slug: 'garden', name: 'Garden' },
    { slug: 'office', name: 'Office' },
  ],
  /** 30 published products (10 per category) plus one unpublished one. */
  productCount: 30,
  reviewers: 6,
};

const BASE_TIME = Date.UTC(2026, 0, 1);

/**
 * Creates 3 categories, 30 published products and 1 unpublished one, 6 users,
 * and reviews: product i (1-based) gets i % 6 reviews, one per reviewer.
 * Product i: name "Product NN <Category>", price i × 100 + 99 cents,
 * stock 0 when i is a multiple of 5, created i minutes after the base time.
 */
export async function seedCatalogFixture(prisma: Db): Promise<void> {
  await prisma.category.createMany({ data: FIXTURE.categories.map((c) => ({ ...c, description: `All things ${c.name}` })) });
  const categories = await prisma.category.findMany({ orderBy: { id: 'asc' } });
  await prisma.user.createMany({
    data: Array.from({ length: FIXTURE.reviewers }, (_, i) => ({
      email: `reviewer${i + 1}@example.com`,
      name: `Reviewer ${i + 1}`,
      passwordHash: '!',
    })),
  });
  const users = await prisma.user.findMany({ orderBy: { id: 'asc' } });

  const products = Array.from({ length: FIXTURE.productCount }, (_, index) => {
    const i = index + 1;
    const category = categories[index % categories.length]!;
    return {
      slug: `product-${String(i).padStart(2, '0')}`,
      name: `Product ${String(i).padStart(2, '0')} ${category.name}`,
      description: i === 7 ? 'A rare Teapot of fine porcelain' : `Description of product ${i}`,
      priceCents: i * 100 + 99,
      costCents: i * 50,
      stockQuantity: i % 5 === 0 ? 0 : i,
      categoryId: category.id,
      createdAt: new Date(BASE_TIME + i * 60_000),
    };
  });
  products.push({
    slug: 'hidden-product',
    name: 'Hidden Product',
    description: 'Not published yet',
    priceCents: 999,
    costCents: 500,
    stockQuantity: 3,
    categoryId: categories[0]!.id,
    createdAt: new Date(BASE_TIME + 99 * 60_000),
  });
  await prisma.product.createMany({ data: products.map((p) => ({ ...p, published: p.slug !== 'hidden-product' })) });
  const created = await prisma.product.findMany({ orderBy: { id: 'asc' } });

  const reviews = created.slice(0, FIXTURE.productCount).flatMap((product, index) =>
    Array.from({ length: (index + 1) % FIXTURE.reviewers }, (_, r) => ({
      productId: product.id,
      authorId: users[r]!.id,
      rating: ((index + r) % 5) + 1,
      body: `Review ${r + 1} of ${product.name}`,
      createdAt: new Date(BASE_TIME + (index + 1) * 60_000 + (r + 1) * 1_000),
    })),
  );
  await prisma.review.createMany({ data: reviews });
  await recomputeRatings(prisma);
}

/**
 * Sets averageRating and reviewCount from the reviews in the database, of
 * every product or only of `productId`: fixtures write reviews directly, past
 * the review service that keeps these counters. A product without reviews
 * gets 0 and 0, its column defaults.
 */
export async function recomputeRatings(prisma: Db, productId?: number): Promise<void> {
  const only = productId === undefined ? Prisma.empty : Prisma.sql`AND p."id" = ${productId}`;
  await prisma.$executeRaw`
    UPDATE "Product" p SET "averageRating" = COALESCE(r.avg, 0), "reviewCount" = COALESCE(r.count, 0)
    FROM "Product" q
    LEFT JOIN (SELECT "productId", AVG("rating")::float AS avg, COUNT(*)::int AS count FROM "Review" GROUP BY 1) r ON r."productId" = q."id"
    WHERE q."id" = p."id" ${only}`;
}
