import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
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

/**
 * Opens PostgreSQL at DATABASE_URL, or, without it, the embedded database
 * under DATA_DIR (created and migrated on first start).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize'>,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const statements = new StatementCounter();
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const dir = path.join(config.dataDir, 'pglite');
    fs.mkdirSync(config.dataDir, { recursive: true });
    embedded = await startEmbeddedPostgres({ dataDir: dir });
    url = embedded.url;
  }
  if (embedded || options.migrate) await migrateDatabase(url);
  const prisma = createPrismaClient(url, { poolSize: embedded ? 1 : config.databasePoolSize, statements });
  return {
    prisma,
    statements,
    embedded: Boolean(embedded),
    description: embedded ? `embedded PGlite in ${path.relative(process.cwd(), config.dataDir) || '.'}` : describeUrl(url),
    async close() {
      await prisma.$disconnect();
      await embedded?.stop();
    },
  };
}
