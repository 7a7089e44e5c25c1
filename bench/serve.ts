// A gateway process for the benchmark: production mode, on DATABASE_URL,
// with or without graphql-shield (`--no-permissions`). Prints its URL.
import { createGateway } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { createLogger } from '../src/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config);
  const gateway = await createGateway({
    config,
    database,
    log: createLogger({ logLevel: 'warn' }),
    permissions: !process.argv.includes('--no-permissions'),
  });
  process.stdout.write(`${await gateway.listen(config.port, '127.0.0.1')}\n`);
  process.on('SIGTERM', () => void gateway.stop().then(() => database.close()).then(() => process.exit(0)));
}

void main();
