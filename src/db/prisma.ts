import { AsyncLocalStorage } from 'node:async_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/** How long a request waits for a database connection before it is told the service is unavailable. */
const CONNECT_TIMEOUT_MS = 3000;

/** Per-unit-of-work statistics: how many SQL statements one GraphQL request sent. */
export interface WorkStats {
  /** Statements sent so far; null when this request's statements are not counted (SQL_STATEMENTS_PER_REQUEST). */
  statements: number | null;
}

// One scope for every counter, entered only by requests whose statements are counted.
const workScope = new AsyncLocalStorage<WorkStats>();

/** One statement as Prisma reports it: when it was sent, how long it took (ms), its SQL (placeholders only, never the values). */
export interface StatementEvent {
  timestamp: Date;
  duration: number;
  query: string;
}

/**
 * Counts SQL statements, in total and per unit of work (a GraphQL request):
 * statements per operation are a correctness property (no N+1), so tests,
 * logs and metrics read them here. The per-request count follows the async
 * context, so DataLoader batches are attributed to the request that made them.
 */
export class StatementCounter {
  total = 0;
  private listeners: Array<(statement: StatementEvent) => void> = [];

  /** Hears of every statement once it is answered, in its caller's async context (tracing); returns how to stop. */
  listen(listener: (statement: StatementEvent) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((other) => other !== listener);
    };
  }

  /**
   * Runs `work` with `stats` counting the statements it (and everything it
   * starts) sends; with `stats.statements` null it just runs it, and the
   * process's promises stay free of the async-context hook.
   */
  run<T>(stats: WorkStats, work: () => T): T {
    return stats.statements === null ? work() : workScope.run(stats, work);
  }

  record(statement?: StatementEvent): void {
    this.total += 1;
    const stats = workScope.getStore();
    if (stats?.statements != null) stats.statements += 1;
    if (statement && this.listeners.length > 0) for (const listener of this.listeners) listener(statement);
  }
}

export interface PrismaOptions {
  /** Pool size; the embedded database needs 1. */
  poolSize: number;
  statements: StatementCounter;
}

/** A Prisma client over @prisma/adapter-pg, counting every statement it sends. */
export function createPrismaClient(url: string, options: PrismaOptions): Db {
  // A database that does not answer must fail a request within seconds (SERVICE_UNAVAILABLE), not hang it.
  const adapter = new PrismaPg({ connectionString: url, max: options.poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', (event) => options.statements.record(event));
  return prisma;
}
