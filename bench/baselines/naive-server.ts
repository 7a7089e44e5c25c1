/**
 * The naive baseline of `npm run bench`: Apollo Server over `pg` with plain
 * resolvers, one SQL statement per field and row (N + 1), no DataLoader, no
 * shield. It serves the subset of the gateway's schema the read operations
 * select, over the same database, with the same HTTP stack (express 5),
 * Apollo's cache-control plugin off and one log line per request as the
 * gateway does in production, so the two differ in how they fetch, not in
 * what surrounds the fetching.
 *
 * Environment: DATABASE_URL (required), PORT (default 4000),
 * DATABASE_POOL_SIZE (default 10, as the gateway).
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { Pool } from 'pg';
import pino from 'pino';

const typeDefs = `#graphql
  type Money { amount: String! currencyCode: String! }
  type User { id: ID! name: String! }
  type Category { id: ID! name: String! slug: String! }
  type Review { id: ID! rating: Int! body: String! createdAt: String! author: User! }
  type ReviewConnection { nodes: [Review!]! }
  type Product {
    id: ID!
    slug: String!
    name: String!
    description: String!
    price: Money!
    averageRating: Float
    createdAt: String!
    category: Category!
    reviews(first: Int): ReviewConnection!
  }
  type ProductConnection { nodes: [Product!]! }
  type Query {
    products(first: Int): ProductConnection!
    product(slug: String): Product
  }
`;

interface ProductRow {
  id: number;
  slug: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  averageRating: number;
  reviewCount: number;
  categoryId: number;
  createdAt: Date;
}
interface ReviewRow {
  id: number;
  rating: number;
  body: string;
  authorId: number;
  createdAt: Date;
}

interface Context {
  requestId: string | null;
  /** Statements this request sent, logged per request as the gateway does (an object: Apollo copies the context shallowly). */
  stats: { statements: number };
  query<T>(sql: string, values: unknown[]): Promise<T[]>;
}

const MAX_PAGE = 100;
const pageSize = (first: number | null | undefined): number => Math.min(Math.max(first ?? 20, 0), MAX_PAGE);
const amount = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

const resolvers = {
  Query: {
    products: async (_: unknown, args: { first?: number | null }, ctx: Context) => ({
      nodes: await ctx.query<ProductRow>(
        'SELECT * FROM "Product" WHERE "published" ORDER BY "createdAt" DESC, "id" DESC LIMIT $1',
        [pageSize(args.first)],
      ),
    }),
    product: async (_: unknown, args: { slug?: string | null }, ctx: Context) =>
      (await ctx.query<ProductRow>('SELECT * FROM "Product" WHERE "slug" = $1 AND "published"', [args.slug ?? '']))[0] ?? null,
  },
  Product: {
    price: (product: ProductRow) => ({ amount: amount(product.priceCents), currencyCode: product.currency }),
    averageRating: (product: ProductRow) => (product.reviewCount > 0 ? product.averageRating : null),
    createdAt: (product: ProductRow) => product.createdAt.toISOString(),
    category: async (product: ProductRow, _: unknown, ctx: Context) =>
      (await ctx.query('SELECT * FROM "Category" WHERE "id" = $1', [product.categoryId]))[0],
    reviews: async (product: ProductRow, args: { first?: number | null }, ctx: Context) => ({
      nodes: await ctx.query<ReviewRow>(
        'SELECT * FROM "Review" WHERE "productId" = $1 ORDER BY "createdAt" DESC, "id" DESC LIMIT $2',
        [product.id, pageSize(args.first)],
      ),
    }),
  },
  Review: {
    createdAt: (review: ReviewRow) => review.createdAt.toISOString(),
    author: async (review: ReviewRow, _: unknown, ctx: Context) =>
      (await ctx.query('SELECT "id", "name" FROM "User" WHERE "id" = $1', [review.authorId]))[0],
  },
};

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const port = Number(process.env.PORT ?? 4000);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'naive-baseline' } });
  const pool = new Pool({ connectionString: databaseUrl, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

  const apollo = new ApolloServer<Context>({
    typeDefs,
    resolvers,
    introspection: false,
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          const started = process.hrtime.bigint();
          return {
            async willSendResponse({ contextValue, operationName }) {
              log.info(
                { requestId: contextValue.requestId, operationName: operationName ?? null, durationMs: Number(process.hrtime.bigint() - started) / 1e6, sqlStatements: contextValue.stats.statements },
                'graphql request',
              );
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/readyz', async (_req, res) => {
    await pool.query('SELECT 1');
    res.json({ status: 'ready' });
  });
  app.use(
    '/graphql',
    express.json({ limit: 1_000_000 }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const stats = { statements: 0 };
        const ctx: Context = {
          requestId: req.get('x-request-id') ?? null,
          stats,
          async query<T>(sql: string, values: unknown[]) {
            stats.statements += 1;
            return (await pool.query(sql, values)).rows as T[];
          },
        };
        return ctx;
      },
    }),
  );
  const server = app.listen(port, '127.0.0.1', () => log.info({ url: `http://127.0.0.1:${port}/graphql` }, 'naive baseline listening'));
  process.on('SIGTERM', () => {
    server.close();
    void apollo.stop().then(() => pool.end()).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`naive baseline failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
