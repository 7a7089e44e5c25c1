/**
 * `npm run db:seed -- [--products N] [--reviews-per-product R] [--reset] [--force]`:
 * fills the database (DATABASE_URL, or the embedded one) with deterministic demo
 * data after applying pending migrations, then vacuums and analyses it. See
 * src/seed/demo-data.ts.
 *
 * Exit codes: 0 done, 1 failed (configuration, database, non-empty database,
 * production), 2 bad arguments.
 */
import { Presets, SingleBar } from 'cli-progress';
import { loadConfigOrExit } from '../src/config';
import { openDatabase } from '../src/db/database';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DatabaseNotEmptyError, isDatabaseEmpty, seedDemoData, type SeedSummary } from '../src/seed/demo-data';
import { vacuumAnalyze } from '../src/seed/vacuum';

const USAGE = `Usage: npm run db:seed -- [options]

Fills the database with deterministic demo data: products with categories,
users, reviews and orders. The same options always give the same data.

Options:
  --products N              products to create, 1 to 1000000 (default: 200)
  --reviews-per-product R   average reviews per product, 0 to 100 (default: 10)
  --reset                   delete ALL existing data first (otherwise the database must be empty)
  --force                   allow seeding when NODE_ENV=production (no demo accounts are created there)
  --help                    show this help

Uses DATABASE_URL, or the embedded database under DATA_DIR when it is not set.`;

const LIMITS = { products: 1_000_000, reviewsPerProduct: 100 } as const;

export interface SeedArgs {
  products: number;
  reviewsPerProduct: number;
  reset: boolean;
  force: boolean;
  help: boolean;
}

/** A bad command line: reported as one line, exit code 2. */
export class UsageError extends Error {}

function wholeNumber(option: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/**
 * Parses the arguments after `--`. Hand-written rather than util.parseArgs,
 * which rejects `--products -1` with a message about ambiguous arguments
 * instead of saying what is wrong with the number.
 */
export function parseSeedArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SeedArgs {
  const args: SeedArgs = { products: 200, reviewsPerProduct: 10, reset: false, force: false, help: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const [option = '', inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    const value = (): string => {
      const next = inline ?? argv[(i += 1)];
      if (next === undefined || next === '') throw new UsageError(`${option} needs a value, e.g. ${option} 100`);
      return next;
    };
    const flag = (): true => {
      if (inline !== undefined) throw new UsageError(`${option} takes no value`);
      return true;
    };
    seen.add(option);
    if (option === '--products') args.products = wholeNumber(option, value(), 1, LIMITS.products);
    else if (option === '--reviews-per-product') args.reviewsPerProduct = wholeNumber(option, value(), 0, LIMITS.reviewsPerProduct);
    else if (option === '--reset') args.reset = flag();
    else if (option === '--force') args.force = flag();
    else if (option === '--help' || option === '-h') args.help = flag();
    else throw new UsageError(`unknown argument "${arg}"`);
  }
  // `npm run db:seed --products 10` (without the `--`) hands the option to npm,
  // which only sets npm_config_products: say so instead of silently using 200.
  for (const option of ['products', 'reviews-per-product', 'reset']) {
    if (!seen.has(`--${option}`) && env[`npm_config_${option.replaceAll('-', '_')}`] !== undefined) {
      throw new UsageError(`npm took --${option} for itself: put "--" before the seed's options (npm run db:seed -- --${option} ...)`);
    }
  }
  return args;
}

/** Progress as bars on a terminal, and one line per finished stage otherwise (logs, CI). */
function createProgress(tty: boolean): { update(stage: string, done: number, total: number): void; stop(): void } {
  let stage = '';
  let bar: SingleBar | undefined;
  const line = (name: string, total: number) => console.log(`  ${name.padEnd(10)} ${total}`);
  return {
    update(name, done, total) {
      if (!tty) {
        if (done === total) line(name, total);
        return;
      }
      if (name !== stage) {
        bar?.stop();
        bar = undefined;
        stage = name;
        if (total === 0) return line(name, 0);
        bar = new SingleBar(
          { format: `  ${name.padEnd(10)} {bar} {value}/{total}`, stream: process.stdout, hideCursor: true, barsize: 30 },
          Presets.shades_classic,
        );
        bar.start(total, done);
      } else {
        bar?.update(done);
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

function formatSummary(summary: SeedSummary, seconds: number): string {
  return (
    `Seeded ${summary.categories} categories, ${summary.products} products, ${summary.users} users, ` +
    `${summary.reviews} reviews and ${summary.orders} orders, then vacuumed and analysed the tables, in ${seconds.toFixed(1)} s.`
  );
}

async function main(argv: readonly string[]): Promise<number> {
  let args: SeedArgs;
  try {
    args = parseSeedArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`db:seed: ${error.message} (see --help)`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }

  const config = loadConfigOrExit();
  if (config.isProduction && !args.force) {
    console.error('db:seed: refusing to seed demo data with NODE_ENV=production; pass --force if you really mean it.');
    return 1;
  }

  const started = Date.now();
  const database = await openDatabase(config, { migrate: true });
  const progress = createProgress(Boolean(process.stdout.isTTY));
  try {
    // Checked here too (seedDemoData would throw) so the refusal comes before any "Seeding" line.
    if (!args.reset && !(await isDatabaseEmpty(database.prisma))) throw new DatabaseNotEmptyError();
    const mode = args.reset ? ', deleting all existing data first' : '';
    console.log(`Seeding ${database.description} with ${args.products} products${mode}:`);
    const summary = await seedDemoData(database.prisma, {
      products: args.products,
      reviewsPerProduct: args.reviewsPerProduct,
      reset: args.reset,
      // Accounts with a published password have no place in production.
      demoAccounts: !config.isProduction,
      onProgress: (stage, done, total) => progress.update(stage, done, total),
    });
    progress.stop();
    // Planner statistics and no dead rows, so the database is fit to measure as soon as the seed ends.
    await vacuumAnalyze(database.prisma);
    console.log(formatSummary(summary, (Date.now() - started) / 1000));
    if (!config.isProduction) {
      console.log(`Sign in as ${DEMO_ACCOUNTS.map((account) => account.email).join(', ')} with the password "${DEMO_PASSWORD}".`);
    }
    return 0;
  } catch (error) {
    progress.stop();
    if (!(error instanceof DatabaseNotEmptyError)) throw error;
    console.error(
      `db:seed: ${database.description} already has users or products. ` +
        'Run `npm run db:seed -- --reset` to delete ALL its data and seed it again.',
    );
    return 1;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`db:seed failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
