import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
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
  /** Prepare statements by name (DATABASE_PREPARED_STATEMENTS; off behind a pooler that cannot keep them, such as PgBouncer in transaction mode before 1.21). */
  preparedStatements?: boolean;
}

/** Distinct statements prepared by name per process at most; any more are planned each time, as unnamed ones. */
const MAX_PREPARED_STATEMENTS = 1000;

/**
 * Names for prepared statements: PostgreSQL parses a named statement once per
 * connection and can keep its plan, where an unnamed one is parsed and planned
 * every time (a catalog page's statement took longer to plan, ~1 ms, than to
 * run). A name is a hash of the SQL text, so it is never reused for other SQL.
 * Statements with a list of parameters (`IN ($1,$2,…)`, one text per list
 * length) stay unnamed, and so does everything past the cap: every named
 * statement stays allocated in each connection that ran it.
 */
export function preparedStatementNames(max = MAX_PREPARED_STATEMENTS): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql }) => {
    const known = names.get(sql);
    if (known !== undefined) return known;
    if (names.size >= max || /\bIN \(\$/.test(sql)) return undefined;
    const name = `sg_${createHash('sha1').update(sql).digest('base64url')}`;
    names.set(sql, name);
    return name;
  };
}

/** A Prisma client over @prisma/adapter-pg, counting every statement it sends. */
export function createPrismaClient(url: string, options: PrismaOptions): Db {
  // A database that does not answer must fail a request within seconds (SERVICE_UNAVAILABLE), not hang it.
  const adapter = new PrismaPg(
    { connectionString: url, max: options.poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    // (A generator's undefined leaves that statement unnamed, pg's default; the adapter's type says string only.)
    options.preparedStatements === false ? undefined : { statementNameGenerator: preparedStatementNames() as (query: { sql: string }) => string },
  );
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', (event) => options.statements.record(event));
  return prisma;
}
