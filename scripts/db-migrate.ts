/**
 * `npm run db:migrate`: applies pending migrations (prisma/migrations) to the
 * database at DATABASE_URL, or to the embedded one under DATA_DIR when it is
 * not set. Exit codes: 0 done, 1 failed.
 */
import { loadConfigOrExit } from '../src/config';
import { openDatabase } from '../src/db/database';

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  // openDatabase runs `prisma migrate deploy` and throws with its output when that fails.
  const database = await openDatabase(config, { migrate: true });
  try {
    console.log(`Migrations applied: ${database.description} is up to date.`);
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
