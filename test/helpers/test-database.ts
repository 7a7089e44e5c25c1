import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { migrateDatabase } from '../../src/db/migrate';

// The suite migrates one template per run and gives every test file its own
// copy: a PGlite data-directory dump by default, a PostgreSQL database created
// from a template database when TEST_DATABASE_URL is set.
const TEMPLATE_FILE_ENV = 'STOREFRONT_TEST_PGLITE_TEMPLATE';
const TEMPLATE_DB_ENV = 'STOREFRONT_TEST_TEMPLATE_DB';
const RUN_PREFIX_ENV = 'STOREFRONT_TEST_RUN_PREFIX';
// Every database of one test run shares a prefix with a random run id, so a
// run cleans up its own databases and never another run's on the same server.
const TEST_DB_PREFIX = 'storefront_test_';

function serverUrl(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Run once per test run (jest globalSetup): builds the migrated template. */
export async function prepareTemplate(): Promise<void> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (baseUrl) {
    const prefix = `${TEST_DB_PREFIX}${randomBytes(4).toString('hex')}_`;
    process.env[RUN_PREFIX_ENV] = prefix;
    const name = `${prefix}template`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
    await migrateDatabase(serverUrl(baseUrl, name));
    process.env[TEMPLATE_DB_ENV] = name;
    return;
  }
  const embedded = await startEmbeddedPostgres();
  try {
    await migrateDatabase(embedded.url);
    const dump = await embedded.pglite.dumpDataDir('gzip');
    const file = path.join(os.tmpdir(), `storefront-test-template-${process.pid}.tar.gz`);
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    process.env[TEMPLATE_FILE_ENV] = file;
  } finally {
    await embedded.stop();
  }
}

/** Run once per test run (jest globalTeardown): removes the template and any copy a crashed file left. */
export async function removeTemplate(): Promise<void> {
  const file = process.env[TEMPLATE_FILE_ENV];
  if (file) fs.rmSync(file, { force: true });
  const prefix = process.env[RUN_PREFIX_ENV];
  if (process.env.TEST_DATABASE_URL && prefix) {
    await withAdminClient(async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
        [prefix],
      );
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    });
  }
}

export interface TestDatabase {
  url: string;
  /** True for the embedded database (PGlite): one session, so no real concurrency. */
  embedded: boolean;
  drop(): Promise<void>;
}

/** A fresh, migrated, empty database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (baseUrl) {
    const template = process.env[TEMPLATE_DB_ENV];
    const prefix = process.env[RUN_PREFIX_ENV];
    if (!template || !prefix) throw new Error('The test template database is missing: run the tests through jest (globalSetup).');
    const name = `${prefix}${process.pid}_${randomBytes(4).toString('hex')}`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
    return {
      url: serverUrl(baseUrl, name),
      embedded: false,
      drop: () => withAdminClient(async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
    };
  }
  const file = process.env[TEMPLATE_FILE_ENV];
  if (!file) throw new Error('The test template is missing: run the tests through jest (globalSetup).');
  const embedded = await startEmbeddedPostgres({ loadDataDir: new Blob([fs.readFileSync(file)]) });
  return { url: embedded.url, embedded: true, drop: () => embedded.stop() };
}
