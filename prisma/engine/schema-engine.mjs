#!/usr/bin/env node
// @ts-check
// Stands in for Prisma's native schema-engine binary, which the Prisma CLI
// downloads at run time (impossible offline). prisma.config.ts points
// PRISMA_SCHEMA_ENGINE_BINARY here, and the real CLI talks to this program
// exactly as it talks to the native one: arguments `--datamodels <file>…
// --datasource <json>`, then one JSON-RPC message per line on stdin/stdout.
// Every request is answered by Prisma's own schema engine compiled to
// WebAssembly (@prisma/schema-engine-wasm), so `prisma migrate dev`,
// `migrate deploy`, `migrate status`, `migrate diff`, `migrate reset` and
// `db push` behave as documented and write the same _prisma_migrations rows.
// Before serving, it refuses a wasm engine not tested with the installed CLI
// (compatibility.cjs, README.md).
//
// No top-level await and no import.meta: tsconfig.json type-checks this file
// under module: commonjs, which rejects both.
import fs from 'node:fs';
import readline from 'node:readline';
import { openSchemaEngine, createDatabase, wasmEngineInfo, takePanicMessage, EnginePanic } from './wasm-engine.cjs';
import { checkCompatibility } from './compatibility.cjs';

/** @typedef {import('./wasm-engine.cjs').SchemaEngineHandle} SchemaEngineHandle */
/** @typedef {string | number | null} RequestId */
/** @typedef {{ id: RequestId, method: string, params: unknown }} Request */

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
// The code the native engine gives every failed method; the CLI reads `data`.
const ENGINE_ERROR = 4466;

const args = process.argv.slice(2);

/** @param {string} name */
function argValues(name) {
  /** @type {string[]} */
  const values = [];
  for (let i = 0; i < args.length; i += 1) {
    const value = args[i + 1];
    if (args[i] === name && value !== undefined) values.push(value);
  }
  return values;
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} error */
function errorMessage(error) {
  return error instanceof Error ? error.message.trim() : String(error);
}

/**
 * The CLI reads log lines from stderr as JSON; ERROR lines become its message.
 * @param {'INFO' | 'WARN' | 'ERROR'} level
 * @param {string} message
 * @param {{ target?: string, errorCode?: string }} [extra]
 */
function log(level, message, extra = {}) {
  /** @type {Record<string, unknown>} */
  const fields = { message };
  if (extra.errorCode) fields.error_code = extra.errorCode;
  process.stderr.write(`${JSON.stringify({ level, ...(extra.target ? { target: extra.target } : {}), fields })}\n`);
}

/** @param {string} line */
function onLog(line) {
  if (line) process.stderr.write(`${line}\n`);
}

/** @param {Record<string, unknown>} message */
function writeMessage(message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
}

/**
 * @param {RequestId} id
 * @param {number} code
 * @param {string} message
 */
function writeError(id, code, message) {
  writeMessage({ id, error: { code, message } });
}

/** @returns {string | undefined} undefined when the CLI passes no datasource */
function datasourceUrl() {
  const raw = argValues('--datasource')[0];
  if (raw === undefined) return undefined;
  /** @type {unknown} */
  let datasource;
  try {
    datasource = JSON.parse(raw);
  } catch {
    // Without the parser's message: it quotes the input, which holds a password.
    throw new Error('--datasource is not valid JSON: expected {"url": "postgresql://…"}');
  }
  if (!isRecord(datasource) || (datasource.url !== undefined && typeof datasource.url !== 'string')) {
    throw new Error('--datasource must be a JSON object whose "url" is a string');
  }
  return datasource.url;
}

async function assertCompatible() {
  const result = checkCompatibility(await wasmEngineInfo());
  if (!result.ok) throw new Error(result.error);
  if (result.warning) log('WARN', result.warning);
}

/**
 * `cli can-connect-to-database` and `cli create-database` are separate runs.
 * The CLI skips the first stderr line, then reads an error code from a line
 * with target schema_engine::logger: P1003 ("database does not exist") is
 * what makes `migrate deploy` create the database. Other ERROR lines (a bad
 * argument, version drift) reach the user as they are.
 * @param {string | undefined} command
 * @returns {Promise<number>} the exit code
 */
async function oneShot(command) {
  log('INFO', `schema-engine cli ${command}`);
  const url = datasourceUrl();
  await assertCompatible();
  try {
    if (!url) throw new Error('The datasource URL is empty.');
    if (command === 'can-connect-to-database') {
      // Opening the engine connects.
      const engine = await openSchemaEngine({ url, datamodels: undefined });
      engine.close();
    } else if (command === 'create-database') {
      await createDatabase(url);
    } else {
      throw new Error(`unsupported command: cli ${command}`);
    }
  } catch (error) {
    const message = errorMessage(error);
    const errorCode = /does not exist/.test(message) ? 'P1003' : 'P1001';
    log('ERROR', message, { target: 'schema_engine::logger', errorCode });
    return 1;
  }
  return 0;
}

/**
 * One protocol line. Malformed ones are answered with a JSON-RPC error and
 * skipped: the CLI never sends them, and dying would hide what did.
 * @param {string} line
 * @returns {Request | undefined}
 */
function parseRequest(line) {
  if (!line.trim()) return undefined;
  /** @type {unknown} */
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    // Without the parser's message: it quotes the line, which may hold a URL.
    const text = `Parse error: a line of ${line.length} characters on stdin is not valid JSON`;
    writeError(null, PARSE_ERROR, text);
    log('WARN', text);
    return undefined;
  }
  if (!isRecord(message)) {
    writeError(null, INVALID_REQUEST, 'Invalid Request: not a JSON object');
    return undefined;
  }
  const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
  // Answers to our own `print` requests carry no method.
  if (message.method === undefined && ('result' in message || 'error' in message)) return undefined;
  if (typeof message.method !== 'string') {
    writeError(id, INVALID_REQUEST, 'Invalid Request: "method" must be a string');
    return undefined;
  }
  return { id, method: message.method, params: message.params };
}

/**
 * The failure of a method, in the shape the CLI shows: it prints `data.message`.
 * @param {RequestId} id
 * @param {unknown} error
 */
function writeEngineError(id, error) {
  const details = isRecord(error) ? error : {};
  writeMessage({
    id,
    error: {
      code: ENGINE_ERROR,
      message: 'An error happened. Check the data field for details.',
      data: { is_panic: false, message: errorMessage(error), error_code: details.error_code, meta: details.meta },
    },
  });
}

/**
 * Set once the engine cannot serve (it could not start, or it crashed): every
 * request is then answered with this error. The process still runs until the
 * CLI closes stdin, because the CLI waits for the engine's exit only after
 * closing it: an engine that exits earlier can make the CLI quit with status 0
 * and print nothing.
 * @type {{ error: unknown } | undefined}
 */
let failure;
/** @type {Set<Request>} */
const unanswered = new Set();
/** Whether the CLI talks to this process over stdin, rather than waiting for its exit. */
let serving = false;

/** @type {() => void} */
let signalFailure = () => {};
/** Settles when fail() runs: a crash can leave every other promise pending. */
const failed = new Promise((resolve) => {
  signalFailure = () => resolve(undefined);
});

/** @param {unknown} error */
function fail(error) {
  if (failure !== undefined) return;
  failure = { error };
  signalFailure();
  log('ERROR', errorMessage(error));
  for (const request of unanswered) writeEngineError(request.id, error);
  unanswered.clear();
}

/**
 * Runs one request and answers it, unless a crash answered it meanwhile.
 * @param {Promise<SchemaEngineHandle | undefined>} ready
 * @param {Request} request
 */
async function handle(ready, request) {
  const { id, method, params } = request;
  unanswered.add(request);
  /** @param {Record<string, unknown>} message */
  const answer = (message) => {
    if (unanswered.delete(request)) writeMessage(message);
  };
  try {
    const engine = await ready;
    if (!engine) return; // fail() has answered it.
    if (!engine.has(method)) {
      answer({ id, error: { code: METHOD_NOT_FOUND, message: `Method not found: ${method}` } });
      return;
    }
    let result = await engine.call(method, params ?? {});
    if (method === 'diff' && isRecord(result) && typeof result.stdout === 'string') {
      // The native engine sends diff output back to the CLI as a `print` request.
      if (unanswered.has(request)) writeMessage({ id: `print-${id}`, method: 'print', params: { content: result.stdout } });
      result = { exitCode: result.exitCode };
    }
    answer({ id, result: result ?? {} });
  } catch (error) {
    if (unanswered.delete(request)) writeEngineError(id, error);
    if (error instanceof EnginePanic) fail(error);
  }
}

/** @returns {Promise<number>} the exit code */
async function serve() {
  /** @type {Promise<SchemaEngineHandle | undefined>} */
  const ready = (async () => {
    const datamodelFiles = argValues('--datamodels');
    /** @type {[string, string][] | undefined} */
    const datamodels = datamodelFiles.length ? datamodelFiles.map((file) => [file, fs.readFileSync(file, 'utf8')]) : undefined;
    const url = datasourceUrl();
    await assertCompatible();
    return openSchemaEngine({ url, datamodels, onLog });
  })().catch((error) => {
    fail(error);
    return undefined;
  });

  /** @type {Set<Promise<void>>} */
  const pending = new Set();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    const request = parseRequest(line);
    if (!request) return;
    if (failure !== undefined) {
      writeEngineError(request.id, failure.error);
      return;
    }
    const work = handle(ready, request).finally(() => pending.delete(work));
    pending.add(work);
  });
  await new Promise((resolve) => lines.on('close', resolve));
  const engine = await Promise.race([Promise.allSettled([...pending]).then(() => ready), failed]);
  if (failure !== undefined) return 1;
  engine?.close();
  return 0;
}

/** @returns {Promise<number>} the exit code */
async function main() {
  if (args.includes('--version')) {
    process.stdout.write(`schema-engine-cli ${(await wasmEngineInfo()).engineVersion}\n`);
    return 0;
  }
  const cliIndex = args.indexOf('cli');
  if (cliIndex !== -1) return oneShot(args[cliIndex + 1]);
  serving = true;
  return serve();
}

// Params the engine cannot deserialize make the wasm glue throw from a queued
// callback, outside every request's promise, which then never settles.
process.on('uncaughtException', (error) => {
  const panic = takePanicMessage();
  const crash = new Error(panic === undefined ? `The schema engine crashed: ${errorMessage(error)}` : `The schema engine panicked: ${panic}`);
  if (serving) {
    fail(crash);
  } else {
    log('ERROR', crash.message);
    process.exit(1);
  }
});

// Exiting explicitly: the engine leaves a timer running after applyMigrations.
main().then(
  (code) => process.exit(code),
  (error) => {
    log('ERROR', errorMessage(error));
    process.exit(1);
  },
);
