/**
 * The gateway without graphql-shield, for the benchmark's shield/no-shield
 * ratio: the process of src/server.ts (configuration, logger, database,
 * listen, graceful stop) with `permissions: false` and without the
 * development-only parts (first-run seed, banner). Never run it in front of
 * real users: every field is open to everyone.
 *
 *   tsx bench/serve.ts --no-permissions
 */
import { createGateway } from '../src/app';
import { loadConfigOrExit } from '../src/config';
import { openDatabase } from '../src/db/database';
import { createLogger } from '../src/logger';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  // Refuse to start an open gateway by accident: the flag must be spelt out.
  if (!process.argv.includes('--no-permissions')) {
    throw new Error('bench/serve.ts serves without permissions only; pass --no-permissions (use `npm start` for the real gateway)');
  }
  const config = loadConfigOrExit();
  const log = createLogger(config);
  const database = await openDatabase(config);
  log.info({ database: database.description }, 'database ready');

  const gateway = await createGateway({ config, database, log, permissions: false });
  const url = await gateway.listen(config.port);
  log.warn({ url, environment: config.nodeEnv }, 'gateway listening WITHOUT permissions (benchmark only)');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining in-flight requests');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    await gateway.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/serve.ts failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
