// @ts-check
'use strict';
// Prisma's schema engine (migrations, diffing, introspection) as WebAssembly,
// connected to PostgreSQL through @prisma/adapter-pg, the driver adapter the
// gateway itself uses. Used by schema-engine.mjs on behalf of the Prisma CLI.
//
// CommonJS rather than ESM because it must find packages relative to itself:
// ESM needs import.meta for that, which tsconfig.json (module: commonjs), the
// config that type-checks this file, rejects.
const fs = require('node:fs');
const path = require('node:path');
const pg = require('pg');
const { parseIntoClientConfig } = require('pg-connection-string');
const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');

/** @typedef {typeof import('@prisma/schema-engine-wasm/schema_engine_bg')} WasmBindings */
/** @typedef {import('@prisma/driver-adapter-utils').SqlDriverAdapter} SqlDriverAdapter */
/** @typedef {import('@prisma/driver-adapter-utils').SqlMigrationAwareDriverAdapterFactory} SqlMigrationAwareDriverAdapterFactory */

/**
 * @typedef {object} WasmEngineInfo
 * @property {string} packageVersion the installed version of the `@prisma/schema-engine-wasm` package
 * @property {string} engineVersion the engine commit its .wasm reports
 */

/**
 * @typedef {object} SchemaEngineHandle
 * @property {(method: string) => boolean} has whether `method` is one of the protocol's methods
 * @property {(method: string, params: unknown) => Promise<unknown>} call runs one method
 * @property {() => void} close
 */

const WASM_PACKAGE = '@prisma/schema-engine-wasm';
const WASM_GLUE = `${WASM_PACKAGE}/schema_engine_bg`;

/** @type {Promise<WasmBindings> | undefined} */
let loaded;
/** @type {string | undefined} */
let panicMessage;

/** A panic leaves the engine unusable: every later call fails. */
class EnginePanic extends Error {}

/** The message of the engine's last panic, once: the trap that follows says only "unreachable". */
function takePanicMessage() {
  const message = panicMessage;
  panicMessage = undefined;
  return message;
}

/**
 * The part of the WebAssembly API used here: tsconfig.json's libs (ES2022,
 * no DOM) do not declare the global.
 * @type {{
 *   Module: new (bytes: Uint8Array) => object,
 *   Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> },
 * }}
 */
const wasmApi = /** @type {any} */ (globalThis).WebAssembly;

/**
 * The only place that knows how `@prisma/schema-engine-wasm` is laid out. Its
 * main entry imports the .wasm file as an ES module (WebAssembly/ESM
 * integration), which Node 20 only does behind --experimental-wasm-modules, so
 * the module is instantiated here from the package's other export, the
 * wasm-bindgen glue `./schema_engine_bg`, and the .wasm file next to it (the
 * package exports no path to it). A new package version that changes either
 * fails here with a message saying so, not somewhere inside the engine.
 * wasm-bindgen's start function may run once per process (a second call
 * panics), hence the memo.
 * @returns {Promise<WasmBindings>}
 */
function loadWasm() {
  loaded ??= (async () => {
    const layoutError = (/** @type {string} */ problem) =>
      new Error(`${WASM_PACKAGE} ${readWasmPackageVersion()} ${problem}; prisma/engine/wasm-engine.cjs must be adapted to it (see prisma/engine/README.md)`);
    /** @type {WasmBindings} */
    let bg;
    try {
      bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    } catch (error) {
      throw layoutError(`no longer exports ${WASM_GLUE} (${errorMessage(error)})`);
    }
    for (const name of /** @type {const} */ (['__wbg_set_wasm', 'version', 'SchemaEngine'])) {
      if (typeof bg[name] !== 'function') throw layoutError(`${WASM_GLUE} has no ${name}()`);
    }
    const wasmPath = path.join(wasmPackageDir(), 'schema_engine_bg.wasm');
    if (!fs.existsSync(wasmPath)) throw layoutError(`has no ${path.basename(wasmPath)} beside ${WASM_GLUE}`);
    // The engine reports a panic's message through this global, then traps.
    const registry = { set_message: (/** @type {string} */ message) => void (panicMessage = message) };
    Object.assign(globalThis, { PRISMA_WASM_PANIC_REGISTRY: registry });
    const module = new wasmApi.Module(fs.readFileSync(wasmPath));
    const instance = new wasmApi.Instance(module, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (typeof start !== 'function') throw layoutError(`has a ${path.basename(wasmPath)} without __wbindgen_start`);
    start();
    return bg;
  })();
  return loaded;
}

function wasmPackageDir() {
  return path.dirname(require.resolve(WASM_GLUE));
}

/** Read from disk: the package does not export its package.json. */
function readWasmPackageVersion() {
  try {
    return String(JSON.parse(fs.readFileSync(path.join(wasmPackageDir(), 'package.json'), 'utf8')).version);
  } catch {
    return '(version unknown)';
  }
}

/** @returns {Promise<WasmEngineInfo>} */
async function wasmEngineInfo() {
  const bg = await loadWasm();
  return { packageVersion: readWasmPackageVersion(), engineVersion: bg.version() };
}

/** @param {unknown} error */
function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A pg pool whose results describe PostgreSQL's internal `"char"` type (OID 18,
 * used all over pg_catalog) as text: adapter-pg 7.10 rejects that OID, which
 * breaks introspection of the migrated database.
 * @param {pg.PoolConfig} config
 */
function createPool(config) {
  const pool = new pg.Pool({ ...config, max: 1 });
  const query = pool.query.bind(pool);
  /** @type {(...args: unknown[]) => Promise<pg.QueryResult | undefined>} */
  const patched = async (...queryArgs) => {
    const result = await /** @type {(...args: unknown[]) => Promise<pg.QueryResult | undefined>} */ (query)(...queryArgs);
    for (const field of result?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return result;
  };
  pool.query = /** @type {pg.Pool['query']} */ (/** @type {unknown} */ (patched));
  return pool;
}

/**
 * Wraps an adapter so that a migration script runs as one multi-statement
 * query, as the native engine does (adapter-pg splits it on `;`, which breaks
 * `$$` bodies).
 * @param {pg.PoolConfig} config
 * @returns {Promise<SqlDriverAdapter>}
 */
async function connectAdapter(config) {
  const pool = createPool(config);
  const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
  // adapter-pg turns pg errors into the DriverAdapterError the engine reads
  // only through this method, which its typings mark protected.
  const { onError } = /** @type {{ onError(error: unknown): never }} */ (/** @type {unknown} */ (adapter));
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      onError.call(adapter, error);
    }
  };
  return adapter;
}

/**
 * The driver-adapter factory the engine asks for connections. The shadow
 * database used by `migrate dev` gets a pool of its own built from the parsed
 * URL (adapter-pg would reuse the main connection string, so shadow work would
 * hit the main database), and is dropped only after that pool is closed.
 * @param {string | undefined} url undefined when the CLI passed no datasource
 * @returns {SqlMigrationAwareDriverAdapterFactory}
 */
function createAdapterFactory(url) {
  const requireUrl = () => {
    if (!url) {
      throw new Error(
        'The schema engine got no datasource URL. Unlike the native engine, it connects even for commands that read no database (such as migrate diff --from-empty): set DATABASE_URL.',
      );
    }
    return url;
  };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connectAdapter({ connectionString: requireUrl() }),
    async connectToShadowDb() {
      const config = parseIntoClientConfig(requireUrl());
      const main = await connectAdapter({ connectionString: requireUrl() });
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

// The CLI's method names are the wasm class's, except this one.
/** @type {Record<string, string>} */
const METHOD_ALIASES = { getDatabaseVersion: 'version' };
// The class's own housekeeping, which wasm-bindgen also names with `__`.
const NOT_METHODS = new Set(['constructor', 'free']);

/**
 * Opens the engine for one datasource URL.
 * @param {{ url: string | undefined, datamodels: [string, string][] | undefined, onLog?: (line: string) => void }} options
 * @returns {Promise<SchemaEngineHandle>}
 */
async function openSchemaEngine({ url, datamodels, onLog }) {
  const bg = await loadWasm();
  // The engine expects results wrapped as { ok, value | error }.
  const factory = bindMigrationAwareSqlAdapterFactory(createAdapterFactory(url));
  // An error thrown by the adapter reaches the engine, and comes back from it,
  // as "External error id#N": put the original message back.
  /** @param {unknown} error */
  const explain = (error) => {
    const panic = takePanicMessage();
    if (panic !== undefined) return new EnginePanic(`The schema engine panicked: ${panic}`);
    if (error instanceof Error) {
      error.message = error.message.replace(/External error id#(\d+)/g, (text, id) => {
        const record = factory.errorRegistry.consumeError(Number(id));
        return record ? errorMessage(record.error) : text;
      });
    }
    return error;
  };
  const engine = await bg.SchemaEngine.new(
    { datamodels },
    // Log lines arrive as the JSON the CLI reads from a native engine's stderr.
    (/** @type {unknown} */ line) => onLog?.(String(line).trim()),
    factory,
  ).catch((error) => {
    throw explain(error);
  });
  /** @param {string} method */
  const resolve = (method) => METHOD_ALIASES[method] ?? method;
  /** @param {string} method */
  const has = (method) => {
    const name = resolve(method);
    return !NOT_METHODS.has(name) && !name.startsWith('__') && typeof (/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (engine)))[name] === 'function';
  };
  return {
    has,
    async call(method, params) {
      if (!has(method)) throw new Error(`Unknown schema engine method: ${method}`);
      const target = /** @type {Record<string, (params: unknown) => Promise<unknown>>} */ (/** @type {unknown} */ (engine));
      try {
        return await target[resolve(method)]?.(params);
      } catch (error) {
        throw explain(error);
      }
    },
    close() {
      engine.free();
    },
  };
}

/**
 * Creates the database a URL names, connecting to the server's `postgres` database.
 * @param {string} url
 */
async function createDatabase(url) {
  const { database, ...rest } = parseIntoClientConfig(url);
  const admin = new pg.Client({ ...rest, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${String(database).replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}

module.exports = { openSchemaEngine, createDatabase, wasmEngineInfo, takePanicMessage, EnginePanic };
