/**
 * The deterministic demo data seed (`npm run db:seed`): a catalog of N products
 * with categories, users, reviews and orders. The rows come from a pure plan
 * (generate.ts, seeded PRNG, fixed dates), so the same N gives the same data,
 * and on an empty (or reset) database the same ids.
 */
import { hashPassword, DISABLED_PASSWORD_HASH } from '../modules/account/password';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { DEMO_PASSWORD, planDemoData, type DemoPlan } from './generate';

export { DEMO_ACCOUNTS, DEMO_ACCOUNTS_BY_KEY, DEMO_PASSWORD, type DemoAccount } from './generate';

/** Rows per createMany call: large enough to be fast, small enough to stay under PostgreSQL's 65,535 bind parameters. */
const CHUNK = { users: 1_000, products: 1_000, reviews: 5_000, orderItems: 5_000 } as const;

/** A transaction client or the client itself: everything here works inside the seed's transaction. */
type Db = Prisma.TransactionClient;

export interface SeedOptions {
  /** How many products to create. */
  products: number;
  /** Average reviews per product (each gets 0 to twice this many); default 10. */
  reviewsPerProduct?: number;
  /** Delete all existing data first (and restart ids at 1); otherwise a non-empty database is refused. */
  reset?: boolean;
  /**
   * Create the demo accounts (admin, staff, alice, bob) with DEMO_PASSWORD; default true.
   * Pass false in production, where an account with a published password must not exist.
   */
  demoAccounts?: boolean;
  /** Called after each chunk: `done` of `total` rows of `stage` written. */
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** How many rows of each kind were created. */
export interface SeedSummary {
  categories: number;
  products: number;
  users: number;
  reviews: number;
  orders: number;
}

/** Thrown when seeding would mix demo data into existing data; `reset` is the way out. */
export class DatabaseNotEmptyError extends Error {
  constructor() {
    super('The database already has users or products; seeding needs an empty database (or the reset option, which deletes all data).');
    this.name = 'DatabaseNotEmptyError';
  }
}

/** True when the database has no users and no products. */
export async function isDatabaseEmpty(db: Db): Promise<boolean> {
  const [user, product] = await Promise.all([db.user.findFirst({ select: { id: true } }), db.product.findFirst({ select: { id: true } })]);
  return user === null && product === null;
}

function checkCount(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max} (got ${value})`);
  }
}

/** Inserts `rows` in chunks with `insert`, reporting progress after each. */
async function inChunks<T>(
  rows: readonly T[],
  size: number,
  report: (done: number) => void,
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  if (rows.length === 0) report(0);
  for (let start = 0; start < rows.length; start += size) {
    const chunk = rows.slice(start, start + size);
    await insert(chunk);
    report(start + chunk.length);
  }
}

/** Looks up the id of every planned row by its unique key, in plan order. */
function idsInPlanOrder<K>(planned: readonly K[], returned: Map<K, number>, what: string): number[] {
  return planned.map((key) => {
    const id = returned.get(key);
    if (id === undefined) throw new Error(`Seed: the database returned no id for ${what} ${String(key)}`);
    return id;
  });
}

function idAt(ids: readonly number[], index: number): number {
  const id = ids[index];
  if (id === undefined) throw new Error(`Seed: no row at plan index ${index}`);
  return id;
}

/**
 * Deletes every row of every model table in one statement and restarts the id
 * sequences, so the next seed gets the same ids. Tables are named after the
 * models (the schema has no @@map); `_prisma_migrations` is left alone.
 */
async function truncateAll(db: Db): Promise<void> {
  const tables = Object.values(Prisma.ModelName)
    .map((name) => `"${name}"`)
    .join(', ');
  await db.$executeRawUnsafe(`TRUNCATE TABLE ${tables} RESTART IDENTITY CASCADE`);
}

async function writePlan(db: Db, plan: DemoPlan, hashes: Map<string, string>, progress: SeedOptions['onProgress']): Promise<void> {
  const report = (stage: string, total: number) => (done: number) => progress?.(stage, done, total);

  const categoryIds = new Map<string, number>();
  await inChunks(plan.categories, CHUNK.products, report('categories', plan.categories.length), async (chunk) => {
    for (const row of await db.category.createManyAndReturn({ data: chunk, select: { id: true, slug: true } })) categoryIds.set(row.slug, row.id);
  });
  const categoryIdList = idsInPlanOrder(plan.categories.map((c) => c.slug), categoryIds, 'category');

  const userIds = new Map<string, number>();
  await inChunks(plan.users, CHUNK.users, report('users', plan.users.length), async (chunk) => {
    const data = chunk.map(({ email, name, role, demo, createdAt }) => ({
      email,
      name,
      role,
      passwordHash: demo ? (hashes.get(email) ?? DISABLED_PASSWORD_HASH) : DISABLED_PASSWORD_HASH,
      createdAt,
      updatedAt: createdAt,
    }));
    for (const row of await db.user.createManyAndReturn({ data, select: { id: true, email: true } })) userIds.set(row.email, row.id);
  });
  const userIdList = idsInPlanOrder(plan.users.map((u) => u.email), userIds, 'user');

  const productIds = new Map<string, number>();
  await inChunks(plan.products, CHUNK.products, report('products', plan.products.length), async (chunk) => {
    const data = chunk.map(({ categoryIndex, ...product }) => ({
      ...product,
      categoryId: idAt(categoryIdList, categoryIndex),
      updatedAt: product.createdAt,
    }));
    for (const row of await db.product.createManyAndReturn({ data, select: { id: true, slug: true } })) productIds.set(row.slug, row.id);
  });
  const productIdList = idsInPlanOrder(plan.products.map((p) => p.slug), productIds, 'product');

  await inChunks(plan.reviews, CHUNK.reviews, report('reviews', plan.reviews.length), async (chunk) => {
    const data = chunk.map(({ productIndex, userIndex, rating, body, createdAt }) => ({
      productId: idAt(productIdList, productIndex),
      authorId: idAt(userIdList, userIndex),
      rating,
      body,
      createdAt,
    }));
    await db.review.createMany({ data });
  });

  // The review service keeps these in step one review at a time; for bulk
  // inserts one aggregate UPDATE is far cheaper than a statement per product.
  await db.$executeRaw`
    UPDATE "Product" AS p
    SET "averageRating" = r.average, "reviewCount" = r.count
    FROM (SELECT "productId", AVG("rating")::float8 AS average, COUNT(*)::int AS count FROM "Review" GROUP BY 1) AS r
    WHERE p."id" = r."productId"`;
  progress?.('ratings', 1, 1);

  await writeOrders(db, plan, userIdList, productIdList, report('orders', plan.orders.length));
}

async function writeOrders(db: Db, plan: DemoPlan, userIds: number[], productIds: number[], report: (done: number) => void): Promise<void> {
  const orderIds = new Map<string, number>();
  const created = await db.order.createManyAndReturn({
    data: plan.orders.map((order) => ({
      userId: idAt(userIds, order.userIndex),
      status: order.status,
      totalCents: order.totalCents,
      idempotencyKey: order.idempotencyKey,
      createdAt: order.createdAt,
      updatedAt: order.createdAt,
    })),
    select: { id: true, idempotencyKey: true },
  });
  for (const row of created) orderIds.set(row.idempotencyKey, row.id);
  const orderIdList = idsInPlanOrder(plan.orders.map((o) => o.idempotencyKey), orderIds, 'order');

  const items = plan.orders.flatMap((order, o) =>
    order.items.map((item) => ({
      orderId: idAt(orderIdList, o),
      productId: idAt(productIds, item.productIndex),
      productName: item.productName,
      unitPriceCents: item.unitPriceCents,
      quantity: item.quantity,
    })),
  );
  for (let start = 0; start < items.length; start += CHUNK.orderItems) {
    await db.orderItem.createMany({ data: items.slice(start, start + CHUNK.orderItems) });
  }
  const payments = plan.orders.flatMap((order, o) => {
    if (order.paymentReference === null) return [];
    const paidAt = new Date(order.createdAt.getTime() + 60_000);
    return [
      {
        orderId: idAt(orderIdList, o),
        status: 'SUCCEEDED' as const,
        amountCents: order.totalCents,
        providerReference: order.paymentReference,
        createdAt: paidAt,
        updatedAt: paidAt,
      },
    ];
  });
  if (payments.length > 0) await db.payment.createMany({ data: payments });
  report(plan.orders.length);
}

/**
 * Fills an empty database with deterministic demo data: ~10 categories,
 * `products` products, the demo accounts plus generated customers (who cannot
 * sign in), on average `reviewsPerProduct` reviews per product (with each
 * product's averageRating and reviewCount set), and up to 200 orders.
 *
 * Everything is written in one transaction, so a failure leaves the database
 * as it was. Rows are inserted with createMany in chunks, which takes seconds
 * for 10,000 products and 100,000 reviews on PostgreSQL.
 *
 * @throws DatabaseNotEmptyError when there are users or products and `reset` is not set.
 * @throws RangeError for a negative or non-integer count.
 */
export async function seedDemoData(db: PrismaClient, options: SeedOptions): Promise<SeedSummary> {
  const { products, reviewsPerProduct = 10, reset = false, demoAccounts = true, onProgress } = options;
  checkCount('products', products, 10_000_000);
  checkCount('reviewsPerProduct', reviewsPerProduct, 1_000);
  // Fail before the slow password hashing when the answer is already known.
  if (!reset && !(await isDatabaseEmpty(db))) throw new DatabaseNotEmptyError();

  const plan = planDemoData({ products, reviewsPerProduct, demoAccounts });

  // scrypt is slow by design: one hash per demo account, computed in parallel
  // (libuv's thread pool) before the transaction opens.
  const demoUsers = plan.users.filter((user) => user.demo);
  let hashed = 0;
  const hashes = new Map(
    await Promise.all(
      demoUsers.map(async (user) => {
        const hash = await hashPassword(DEMO_PASSWORD);
        onProgress?.('passwords', (hashed += 1), demoUsers.length);
        return [user.email, hash] as const;
      }),
    ),
  );

  await db.$transaction(
    async (tx) => {
      if (reset) await truncateAll(tx);
      else if (!(await isDatabaseEmpty(tx))) throw new DatabaseNotEmptyError();
      await writePlan(tx, plan, hashes, onProgress);
    },
    // Bulk work: Prisma's 5 s default would abort a large seed midway.
    { maxWait: 60_000, timeout: 30 * 60_000 },
  );

  return {
    categories: plan.categories.length,
    products: plan.products.length,
    users: plan.users.length,
    reviews: plan.reviews.length,
    orders: plan.orders.length,
  };
}
