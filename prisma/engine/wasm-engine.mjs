// Prisma's schema engine (migrations, diffing, introspection) as WebAssembly,
// connected to PostgreSQL through @prisma/adapter-pg, the driver adapter the
// gateway itself uses. Used by schema-engine.mjs on behalf of the Prisma CLI.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';

const require = createRequire(import.meta.url);
let started = false;

// wasm-bindgen's start function may run once per process: a second call panics.
function startWasm() {
  if (started) return;
  globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message() {} };
  // The package exports no path to its .wasm file: find it beside its JS glue.
  const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm');
  const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  started = true;
}

export function engineVersion() {
  startWasm();
  return bg.version();
}

/**
 * A pg pool whose results describe PostgreSQL's internal `"char"` type (OID 18,
 * used all over pg_catalog) as text: adapter-pg 7.10 rejects that OID, which
 * breaks introspection of the migrated database.
 */
function createPool(config) {
  const pool = new pg.Pool({ ...config, max: 1 });
  const query = pool.query.bind(pool);
  pool.query = async (...queryArgs) => {
    const result = await query(...queryArgs);
    for (const field of result?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return result;
  };
  return pool;
}

/** Wraps an adapter so that a migration script runs as one multi-statement query, as the native engine does (adapter-pg splits it on `;`, which breaks `$$` bodies). */
async function connectAdapter(config) {
  const pool = createPool(config);
  const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  return adapter;
}

/**
 * The driver-adapter factory the engine asks for connections. The shadow
 * database used by `migrate dev` gets a pool of its own built from the parsed
 * URL (adapter-pg would reuse the main connection string, so shadow work would
 * hit the main database), and is dropped only after that pool is closed.
 */
function createAdapterFactory(url) {
  const config = { ...parseConnectionString(url) };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connectAdapter({ connectionString: url }),
    async connectToShadowDb() {
      const main = await connectAdapter({ connectionString: url });
      const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
      await main.executeScript(`CREATE DATABASE "${database}"`);
      const shadow = await connectAdapter({ ...config, database });
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await main.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
        await main.dispose();
      };
      return shadow;
    },
  };
}

/**
 * Opens the engine for one datasource URL; `call(method, params)` runs one
 * JSON-RPC method of the CLI's protocol (the wasm class has the same names).
 */
export async function openSchemaEngine({ url, datamodels, onLog }) {
  startWasm();
  const engine = await bg.SchemaEngine.new(
    { datamodels },
    // Log lines arrive as the JSON the CLI reads from a native engine's stderr.
    (line) => onLog?.(String(line).trim()),
    // The engine expects results wrapped as { ok, value | error }.
    bindMigrationAwareSqlAdapterFactory(createAdapterFactory(url)),
  );
  return {
    async call(method, params) {
      if (typeof engine[method] !== 'function' || method === 'free' || method === 'constructor') {
        throw new Error(`Unknown schema engine method: ${method}`);
      }
      return engine[method](params);
    },
    async close() {
      engine.free();
    },
  };
}

/** Creates the database a URL names, connecting to the server's `postgres` database. */
export async function createDatabase(url) {
  const { database, ...rest } = parseConnectionString(url);
  const admin = new pg.Client({ ...rest, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${String(database).replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}
