#!/usr/bin/env node
// Stands in for Prisma's native schema-engine binary, which the Prisma CLI
// downloads at run time (impossible offline). prisma.config.ts points
// PRISMA_SCHEMA_ENGINE_BINARY here, and the real CLI talks to this program
// exactly as it talks to the native one: arguments `--datamodels <file>…
// --datasource <json>`, then one JSON-RPC message per line on stdin/stdout.
// Every request is answered by Prisma's own schema engine compiled to
// WebAssembly (@prisma/schema-engine-wasm), so `prisma migrate dev`,
// `migrate deploy`, `migrate status`, `migrate diff`, `migrate reset` and
// `db push` behave as documented and write the same _prisma_migrations rows.
import fs from 'node:fs';
import readline from 'node:readline';
import { openSchemaEngine, engineVersion, createDatabase } from './wasm-engine.mjs';

const args = process.argv.slice(2);

function argValues(name) {
  const values = [];
  for (let i = 0; i < args.length; i += 1) if (args[i] === name) values.push(args[i + 1]);
  return values;
}

// The CLI reads log lines from stderr as JSON; errors there become its message.
function log(level, message) {
  process.stderr.write(`${JSON.stringify({ level, fields: { message } })}\n`);
}

function onLog(line) {
  if (line) process.stderr.write(`${line}\n`);
}

function writeMessage(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

// `cli can-connect-to-database` and `cli create-database` are separate runs.
// The CLI skips the first stderr line, then reads an error code from a line
// with target schema_engine::logger: P1003 ("database does not exist") is
// what makes `migrate deploy` create the database.
async function oneShot() {
  if (args.includes('--version')) {
    process.stdout.write(`schema-engine-cli ${engineVersion()}\n`);
    return true;
  }
  const cliIndex = args.indexOf('cli');
  if (cliIndex === -1) return false;
  const command = args[cliIndex + 1];
  const { url } = JSON.parse(argValues('--datasource')[0] ?? '{}');
  onLog(JSON.stringify({ level: 'INFO', fields: { message: `schema-engine ${command}` } }));
  try {
    if (command === 'can-connect-to-database') {
      const engine = await openSchemaEngine({ url, datamodels: undefined });
      await engine.close();
    } else if (command === 'create-database') {
      await createDatabase(url);
    } else {
      throw new Error(`unsupported command: cli ${command}`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message.trim() : String(error);
    const errorCode = /does not exist/.test(message) ? 'P1003' : 'P1001';
    onLog(JSON.stringify({ level: 'ERROR', target: 'schema_engine::logger', fields: { message, error_code: errorCode } }));
    process.exit(1);
  }
  return true;
}

async function serve() {
  const datamodelFiles = argValues('--datamodels');
  const datamodels = datamodelFiles.length
    ? datamodelFiles.map((file) => [file, fs.readFileSync(file, 'utf8')])
    : undefined;
  const { url } = JSON.parse(argValues('--datasource')[0] ?? '{}');
  const engine = await openSchemaEngine({ url, datamodels, onLog });

  const pending = new Set();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    const request = JSON.parse(line);
    // Answers to our own `print` requests carry no method.
    if (!request.method) return;
    const work = handle(engine, request).finally(() => pending.delete(work));
    pending.add(work);
  });
  await new Promise((resolve) => lines.on('close', resolve));
  await Promise.allSettled([...pending]);
  await engine.close();
}

async function handle(engine, { id, method, params }) {
  try {
    let result = await engine.call(method, params ?? {});
    if (method === 'diff' && result && typeof result.stdout === 'string') {
      // The native engine sends diff output back to the CLI as a `print` request.
      writeMessage({ jsonrpc: '2.0', id: `print-${id}`, method: 'print', params: { content: result.stdout } });
      result = { exitCode: result.exitCode };
    }
    writeMessage({ jsonrpc: '2.0', id, result: result === undefined || result === null ? {} : result });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error && typeof error === 'object' && 'error_code' in error ? error.error_code : undefined;
    writeMessage({
      jsonrpc: '2.0',
      id,
      error: { code: 4466, message: 'An error happened. Check the data field for details.', data: { is_panic: false, message, error_code: code, meta: error?.meta } },
    });
  }
}

try {
  if (!(await oneShot())) await serve();
  process.exit(0);
} catch (error) {
  log('ERROR', error instanceof Error ? error.message : String(error));
  process.exit(1);
}
