import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { Db } from '../db/prisma';
import type { Logger } from '../logger';

const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'prisma', 'migrations');

/** The newest migration this code expects to have been applied (migration folders sort by timestamp). */
function latestMigration(): string | null {
  const names = fs.existsSync(MIGRATIONS_DIR)
    ? fs.readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
    : [];
  return names.sort().at(-1) ?? null;
}

export interface HealthOptions {
  db: Db;
  log: Logger;
  /** True once a shutdown began: the load balancer must stop routing here at once. */
  stopping: () => boolean;
}

/**
 * `/healthz`: the process is up. `/readyz`: this instance should get
 * traffic: it is not shutting down, the database answers and has the schema
 * this code expects (its newest migration applied).
 */
export function healthRoutes({ db, log, stopping }: HealthOptions): Router {
  const router = Router();
  const expected = latestMigration();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (stopping()) {
      res.status(503).json({ status: 'unavailable', reason: 'shutting down' });
      return;
    }
    try {
      const [applied] = expected
        ? await db.$queryRaw<Array<{ count: number }>>`
            SELECT count(*)::int AS count FROM "_prisma_migrations"
            WHERE "migration_name" = ${expected} AND "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`
        : [{ count: 1 }];
      if (!applied || applied.count === 0) {
        res.status(503).json({ status: 'unavailable', reason: 'migrations not applied' });
        return;
      }
      res.json({ status: 'ready' });
    } catch (error) {
      log.warn({ err: error }, 'readiness check failed: database unreachable');
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  return router;
}
