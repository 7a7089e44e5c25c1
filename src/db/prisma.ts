import { AsyncLocalStorage } from 'node:async_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/** Per-unit-of-work statistics: how many SQL statements one GraphQL request sent. */
export interface WorkStats {
  statements: number;
}

/**
 * Counts SQL statements, in total and per unit of work (a GraphQL request):
 * statements per operation are a correctness property (no N+1), so tests,
 * logs and metrics read them here. The per-request count follows the async
 * context, so DataLoader batches are attributed to the request that made them.
 */
export class StatementCounter {
  total = 0;
  private readonly scope = new AsyncLocalStorage<WorkStats>();

  /** Runs `work` with `stats` counting the statements it (and everything it starts) sends. */
  run<T>(stats: WorkStats, work: () => T): T {
    return this.scope.run(stats, work);
  }

  record(): void {
    this.total += 1;
    const stats = this.scope.getStore();
    if (stats) stats.statements += 1;
  }
}

export interface PrismaOptions {
  /** Pool size; the embedded database needs 1. */
  poolSize: number;
  statements: StatementCounter;
}

/** A Prisma client over @prisma/adapter-pg, counting every statement it sends. */
export function createPrismaClient(url: string, options: PrismaOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, max: options.poolSize });
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', () => options.statements.record());
  return prisma;
}
