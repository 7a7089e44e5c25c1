import { createGateway, type Gateway } from '../../src/app';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db/database';
import type { Db } from '../../src/db/prisma';
import { createLogger } from '../../src/logger';
import type { Tracing } from '../../src/observability/tracing';
import { createTestDatabase } from '../helpers/test-database';

/**
 * A gateway over its own fresh database, built here rather than by
 * startTestGateway because these tests need the Gateway itself: its metrics
 * port, or tracing with an exporter they read.
 */
export interface ObservedGateway {
  gateway: Gateway;
  url: string;
  origin: string;
  prisma: Db;
  close(): Promise<void>;
}

export async function startObservedGateway(options: { env?: Record<string, string>; tracing?: Tracing; seed?: (prisma: Db) => Promise<void> } = {}): Promise<ObservedGateway> {
  const testDatabase = await createTestDatabase();
  const database = connectDatabase(testDatabase.url, { poolSize: testDatabase.embedded ? 1 : 10, embedded: testDatabase.embedded, description: 'test database' });
  try {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...options.env, DATABASE_URL: testDatabase.url });
    if (options.seed) await options.seed(database.prisma);
    const gateway = await createGateway({ config, database, log: createLogger(config), tracing: options.tracing, expiryJob: false, domainEvents: false });
    const url = await gateway.listen(0, '127.0.0.1');
    return {
      gateway,
      url,
      origin: new URL(url).origin,
      prisma: database.prisma,
      async close() {
        await gateway.stop();
        await database.close();
        await testDatabase.drop();
      },
    };
  } catch (error) {
    await database.close();
    await testDatabase.drop();
    throw error;
  }
}

/** POSTs a GraphQL operation and returns status and body. */
export async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
}
