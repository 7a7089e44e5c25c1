import { Router } from 'express';
import type { Db } from '../db/prisma';
import type { Logger } from '../logger';

/** `/healthz`: the process is up. `/readyz`: the database answers, so a load balancer may route here. */
export function healthRoutes(db: Db, log: Logger): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await db.$queryRaw`SELECT 1`;
      res.json({ status: 'ready' });
    } catch (error) {
      log.warn({ err: error }, 'readiness check failed: database unreachable');
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  return router;
}
