import { createGateway } from './app';
import { loadConfigOrExit } from './config';
import { openDatabase } from './db/database';
import { createLogger } from './logger';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, isDatabaseEmpty, seedDemoData } from './seed/demo-data';

/** Products seeded into a new embedded database, so `npm start` shows a catalog at once. */
const FIRST_RUN_PRODUCTS = 200;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config);
  const database = await openDatabase(config);
  log.info({ database: database.description }, 'database ready');

  const seeded = database.embedded && !config.isProduction && (await isDatabaseEmpty(database.prisma));
  if (seeded) {
    log.info({ products: FIRST_RUN_PRODUCTS }, 'first run: seeding demo data');
    await seedDemoData(database.prisma, { products: FIRST_RUN_PRODUCTS });
  }

  const gateway = await createGateway({ config, database, log });
  const url = await gateway.listen(config.port);
  log.info({ url, environment: config.nodeEnv }, 'gateway listening');
  if (process.stdout.isTTY || !config.isProduction) {
    const lines = [`\nStorefront Gateway is running at ${url}`];
    if (config.introspection) lines.push('Open it in a browser for Apollo Sandbox.');
    if (!config.isProduction) {
      lines.push(`Demo accounts (password "${DEMO_PASSWORD}"):`);
      for (const account of DEMO_ACCOUNTS) lines.push(`  ${account.email.padEnd(20)} ${account.role}`);
    }
    if (gateway.payments.sandboxUrl) {
      lines.push(`Payments: the sandbox provider runs in-process at ${gateway.payments.sandboxUrl}`);
      lines.push('  test cards for confirmPayment: pm_card_visa (succeeds), pm_card_declined (fails), pm_card_slow (succeeds after 5 s)');
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  }
  // Outside production without OIDC_PROVIDERS: the development identity provider starts now (not at the
  // first sign-in), without holding up the lines above; its address follows once it is up.
  gateway.identity
    .devProvider()
    .then((issuer) => {
      if (!issuer) return;
      const start = `${config.auth.publicUrl ?? new URL(url).origin}/auth/dev/start`;
      process.stdout.write(`Sign-in: the development identity provider runs in-process at ${issuer}\n  open ${start} (a demo account or any email, no password)\n\n`);
    })
    .catch((error: unknown) => log.error({ err: error }, 'the development identity provider could not start'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { shutdownGraceMs: graceMs, shutdownTimeoutMs: timeoutMs } = config;
    log.info({ signal, graceMs, timeoutMs }, 'shutting down: not ready any more; serving through the grace period, then draining');
    // A last resort only: the steps below are bounded themselves.
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs + timeoutMs + 15_000).unref();
    await gateway.stop({ graceMs, timeoutMs });
    log.info('every request answered; closing the database');
    await database.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Storefront Gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
