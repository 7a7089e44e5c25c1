// The bench's database: created, migrated and seeded once (10,000 products,
// ~100,000 reviews), vacuumed and analysed before every run, plus what the
// workloads need in it (customers who can sign in, stock to sell) and the
// clean-up of what checkout leaves behind.
import { Client } from 'pg';
import { encodeGlobalId } from '../../src/core/global-id';
import { connectDatabase } from '../../src/db/database';
import { migrateDatabase } from '../../src/db/migrate';
import { hashPassword } from '../../src/modules/account/password';
import { DEMO_ACCOUNTS_BY_KEY, DEMO_PASSWORD, seedDemoData } from '../../src/seed/demo-data';
import { vacuumAnalyze } from '../../src/seed/vacuum';
import type { Fixtures } from './operations';

export const BENCH_PRODUCTS = 10_000;
const REVIEWS_PER_PRODUCT = 10;
const DATABASE_NAME = 'storefront_bench';
const SHOPPER_PASSWORD = 'bench-shopper-password';
/** Stock given to the products the shoppers buy, so that no run sells out. */
const AMPLE_STOCK = 100_000_000;

export interface BenchDatabase {
  url: string;
  /** Host, port and name (no credentials). */
  description: string;
  /** The database's name, for pg_stat_database. */
  name: string;
  /** A URL on the same server outside the bench database, to watch its statistics from. */
  maintenanceUrl: string;
  products: number;
  reviews: number;
  postgresVersion: string;
}

function describe(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** BENCH_DATABASE_URL, or storefront_bench on BENCH_POSTGRES_URL, created when missing. */
async function locate(): Promise<{ url: string; maintenanceUrl: string }> {
  const given = process.env.BENCH_DATABASE_URL;
  const server = new URL(process.env.BENCH_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432');
  server.pathname = '/postgres';
  if (given) {
    const maintenance = new URL(given);
    maintenance.pathname = '/postgres';
    return { url: given, maintenanceUrl: maintenance.toString() };
  }
  await withClient(server.toString(), async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  });
  const url = new URL(server.toString());
  url.pathname = `/${DATABASE_NAME}`;
  return { url: url.toString(), maintenanceUrl: server.toString() };
}

async function counts(url: string): Promise<{ products: number; reviews: number; users: number }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ products: number; reviews: number; users: number }>(
      'SELECT (SELECT count(*) FROM "Product")::int AS products, (SELECT count(*) FROM "Review")::int AS reviews, (SELECT count(*) FROM "User")::int AS users',
    );
    return rows[0] ?? { products: 0, reviews: 0, users: 0 };
  });
}

export interface PrepareOptions {
  reseed: boolean;
  say(line: string): void;
}

/**
 * Migrates the bench database, seeds it when it holds no bench catalog (or
 * with `reseed`), then vacuums and analyses it: every run starts from
 * planner statistics that match the data and no dead rows.
 */
export async function prepareDatabase({ reseed, say }: PrepareOptions): Promise<BenchDatabase> {
  const { url, maintenanceUrl } = await locate();
  say(`database ${describe(url)}: migrating`);
  await migrateDatabase(url);
  let current = await counts(url);
  const seeded = current.products === BENCH_PRODUCTS && current.reviews > 0;
  if (!seeded || reseed) {
    if (!reseed && (current.products > 0 || current.users > 0)) {
      throw new Error(
        `${describe(url)} holds other data (${current.products} products, ${current.users} users); ` +
          'pass --reseed to delete it and seed the bench catalog, or point BENCH_DATABASE_URL elsewhere',
      );
    }
    say(`seeding ${BENCH_PRODUCTS} products with ~${BENCH_PRODUCTS * REVIEWS_PER_PRODUCT} reviews (once; a minute or two)`);
    const database = connectDatabase(url, { poolSize: 2, embedded: false });
    try {
      let lastStage = '';
      await seedDemoData(database.prisma, {
        products: BENCH_PRODUCTS,
        reviewsPerProduct: REVIEWS_PER_PRODUCT,
        reset: reseed,
        onProgress: (stage, done, total) => {
          if (stage !== lastStage && done === total) say(`  ${stage} ${total}`);
          if (done === total) lastStage = stage;
        },
      });
    } finally {
      await database.close();
    }
    current = await counts(url);
  }
  say('VACUUM ANALYZE');
  const database = connectDatabase(url, { poolSize: 1, embedded: false });
  try {
    await vacuumAnalyze(database.prisma);
  } finally {
    await database.close();
  }
  const postgresVersion = await withClient(url, async (client) => (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?');
  return {
    url,
    description: describe(url),
    name: new URL(url).pathname.slice(1),
    maintenanceUrl,
    products: current.products,
    reviews: current.reviews,
    postgresVersion: postgresVersion.split(' ')[0] ?? postgresVersion,
  };
}

const shopperEmail = (n: number) => `bench-shopper-${String(n).padStart(4, '0')}@example.com`;

/**
 * What the workloads need: a product with reviews, a customer with orders
 * (the seed's demo customer), and `shoppers` customers who can sign in, each
 * buying a different product (so carts and stock rows are never contended).
 */
export async function loadFixtures(db: BenchDatabase, shoppers: number): Promise<Fixtures> {
  return withClient(db.url, async (client) => {
    const product = await client.query<{ slug: string }>(
      'SELECT "slug" FROM "Product" WHERE "published" AND "reviewCount" >= 10 ORDER BY "id" LIMIT 1',
    );
    const slug = product.rows[0]?.slug;
    if (!slug) throw new Error('the bench database has no published product with 10 reviews; run with --reseed');
    const viewer = await client.query('SELECT 1 FROM "User" u JOIN "Order" o ON o."userId" = u."id" WHERE u."email" = $1 LIMIT 1', [
      DEMO_ACCOUNTS_BY_KEY.alice.email,
    ]);
    if (!viewer.rowCount) throw new Error(`${DEMO_ACCOUNTS_BY_KEY.alice.email} has no orders in the bench database; run with --reseed`);

    const emails = Array.from({ length: shoppers }, (_, i) => shopperEmail(i + 1));
    const existing = await client.query<{ email: string }>('SELECT "email" FROM "User" WHERE "email" = ANY($1)', [emails]);
    const missing = emails.filter((email) => !existing.rows.some((row) => row.email === email));
    if (missing.length > 0) {
      // One hash for all: they are load-test accounts, and scrypt is slow by design.
      const hash = await hashPassword(SHOPPER_PASSWORD);
      await client.query(
        `INSERT INTO "User" ("email", "name", "passwordHash", "role", "createdAt", "updatedAt")
         SELECT email, 'Bench Shopper', $2, 'CUSTOMER', now(), now() FROM unnest($1::text[]) AS email
         ON CONFLICT ("email") DO NOTHING`,
        [missing, hash],
      );
    }
    // One published product per shopper, away from the catalog's first pages (their rows are updated by every checkout).
    const products = await client.query<{ slug: string }>('SELECT "slug" FROM "Product" WHERE "published" ORDER BY "id" LIMIT $1', [shoppers]);
    if (products.rows.length < shoppers) throw new Error(`the bench database has fewer than ${shoppers} published products`);
    return {
      productSlug: slug,
      viewer: { email: DEMO_ACCOUNTS_BY_KEY.alice.email, password: DEMO_PASSWORD },
      shoppers: emails.map((email, i) => ({ email, productSlug: products.rows[i]?.slug ?? '' })),
      shopperPassword: SHOPPER_PASSWORD,
      runTag: `bench-${Date.now().toString(36)}`,
    };
  });
}

/**
 * Gives the shoppers' products ample stock and returns how to undo it all:
 * the stock as it was, and every order, cart line, session and outbox event
 * the shoppers caused deleted, so the catalog stays as seeded.
 */
export async function stockForCheckout(db: BenchDatabase, fixtures: Fixtures): Promise<() => Promise<void>> {
  const slugs = fixtures.shoppers.map((shopper) => shopper.productSlug);
  const emails = fixtures.shoppers.map((shopper) => shopper.email);
  await removeShopperTraces(db, emails);
  const { rows: before } = await withClient(db.url, (client) =>
    client.query<{ slug: string; stockQuantity: number }>('SELECT "slug", "stockQuantity" FROM "Product" WHERE "slug" = ANY($1)', [slugs]),
  );
  await withClient(db.url, (client) => client.query('UPDATE "Product" SET "stockQuantity" = $2 WHERE "slug" = ANY($1)', [slugs, AMPLE_STOCK]));
  return async () => {
    await removeShopperTraces(db, emails);
    await withClient(db.url, async (client) => {
      await client.query(
        `UPDATE "Product" p SET "stockQuantity" = b.stock FROM unnest($1::text[], $2::int[]) AS b(slug, stock) WHERE p."slug" = b.slug`,
        [before.map((row) => row.slug), before.map((row) => row.stockQuantity)],
      );
      await client.query('VACUUM (ANALYZE) "Product", "Order", "OrderItem", "Payment", "Cart", "CartItem", "RefreshToken"');
    });
  };
}

async function removeShopperTraces(db: BenchDatabase, emails: string[]): Promise<void> {
  await withClient(db.url, async (client) => {
    await client.query('BEGIN');
    const users = (await client.query<{ id: number }>('SELECT "id" FROM "User" WHERE "email" = ANY($1)', [emails])).rows.map((row) => row.id);
    const orders = (await client.query<{ id: number }>('SELECT "id" FROM "Order" WHERE "userId" = ANY($1)', [users])).rows.map((row) => row.id);
    const outbox = await client.query<{ table: string | null }>(`SELECT to_regclass('"OutboxEvent"')::text AS table`);
    if (outbox.rows[0]?.table) {
      const ids = orders.map((id) => encodeGlobalId('Order', id));
      await client.query(`DELETE FROM "OutboxEvent" WHERE "aggregateType" = 'Order' AND "aggregateId" = ANY($1)`, [ids]);
    }
    await client.query('DELETE FROM "Payment" WHERE "orderId" = ANY($1)', [orders]);
    await client.query('DELETE FROM "OrderItem" WHERE "orderId" = ANY($1)', [orders]);
    await client.query('DELETE FROM "Order" WHERE "id" = ANY($1)', [orders]);
    await client.query('DELETE FROM "CartItem" WHERE "cartId" IN (SELECT "id" FROM "Cart" WHERE "userId" = ANY($1))', [users]);
    await client.query('DELETE FROM "RefreshToken" WHERE "userId" = ANY($1)', [users]);
    await client.query('COMMIT');
  });
}
