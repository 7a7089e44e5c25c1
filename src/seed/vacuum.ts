import { Prisma, type PrismaClient } from '../generated/prisma/client';

/**
 * VACUUM ANALYZE of every model table, for after a bulk load. A fresh load has
 * no planner statistics (PostgreSQL then guesses row counts and may choose
 * poor plans), and the seed's rating pass leaves a dead copy of every product
 * row behind; both skew any measurement taken before autovacuum gets round to
 * them. VACUUM cannot run inside a transaction, so this is its own statement,
 * after the seed's transaction has committed.
 */
export async function vacuumAnalyze(db: PrismaClient): Promise<void> {
  const tables = Object.values(Prisma.ModelName)
    .map((name) => `"${name}"`)
    .join(', ');
  await db.$executeRawUnsafe(`VACUUM (ANALYZE) ${tables}`);
}
