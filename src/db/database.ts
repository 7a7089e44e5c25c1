import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { startEmbeddedPostgres } from './embedded';
import { migrateDatabase } from './migrate';
import { createPrismaClient, StatementCounter, type Db } from './prisma';

/** The gateway's database: a Prisma client, where it points, and how to close it. */
export interface Database {
  prisma: Db;
  statements: StatementCounter;
  /** True for the embedded PGlite database. */
  embedded: boolean;
  /** A description safe to log (no credentials). */
  description: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations first (always done for the embedded database). */
  migrate?: boolean;
}

function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `PostgreSQL at ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

export interface ConnectOptions {
  /** Connections in the pool; the embedded database takes 1 (PGlite is a single session). */
  poolSize: number;
  /** True for the embedded PGlite database. */
  embedded: boolean;
  /**
   * Prepare statements by name (src/db/prisma.ts); by default on, except for
   * the embedded database: PGlite is one session behind every connection, so
   * a statement a closed connection prepared would still exist for the next.
   */
  preparedStatements?: boolean;
  /** What to log about it; by default the URL's host, port and database (never its credentials). */
  description?: string;
  /** Runs after the client has disconnected, e.g. to stop the embedded server behind `url`. */
  onClose?: () => Promise<void>;
}

/**
 * A Database over an already-migrated database at `url`: a statement-counting
 * Prisma client and how to close it. `openDatabase` builds the gateway's this
 * way; tests build theirs over a database they created.
 */
export function connectDatabase(url: string, options: ConnectOptions): Database {
  const statements = new StatementCounter();
  const prisma = createPrismaClient(url, { poolSize: options.poolSize, statements, preparedStatements: options.preparedStatements ?? !options.embedded });
  return {
    prisma,
    statements,
    embedded: options.embedded,
    description: options.description ?? describeUrl(url),
    async close() {
      await prisma.$disconnect();
      await options.onClose?.();
    },
  };
}

/**
 * Opens PostgreSQL at DATABASE_URL, or, without it, the embedded database
 * under DATA_DIR (created and migrated on first start).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize' | 'databasePreparedStatements'>,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  if (config.databaseUrl) {
    if (options.migrate) await migrateDatabase(config.databaseUrl);
    return connectDatabase(config.databaseUrl, { poolSize: config.databasePoolSize, embedded: false, preparedStatements: config.databasePreparedStatements });
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pglite') });
  await migrateDatabase(embedded.url);
  return connectDatabase(embedded.url, {
    poolSize: 1,
    embedded: true,
    description: `embedded PGlite in ${path.relative(process.cwd(), config.dataDir) || '.'}`,
    onClose: () => embedded.stop(),
  });
}
