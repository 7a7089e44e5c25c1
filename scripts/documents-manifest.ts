/**
 * `npm run documents:manifest`: writes the trusted-documents manifest (id →
 * document) of the storefront client from its `.graphql` operations, after
 * checking each against the current schema. The gateway in
 * PERSISTED_OPERATIONS=only runs these operations and nothing else.
 *
 * Options (paths relative to the working directory; defaults are the real files):
 *   --operations <dir>   the client's operations   (default: clients/storefront/operations/)
 *   --out <file>         the manifest to write      (default: clients/storefront/persisted-documents.json)
 *   --schema-dir <dir>   the SDL sources            (default: schema/)
 *   --check              write nothing; exit 1 when the manifest is not what the operations produce
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSchema, parse, validate } from 'graphql';
import { buildManifest, collectOperations, operationLabel, readDocumentSet } from '../governance/client-operations';
import { printCurrentSchema } from '../governance/schema-diff';
import { DEFAULT_MANIFEST_FILE } from '../src/config';
import { loadTypeDefs, SCHEMA_DIR } from '../src/graphql/sdl';

const DEFAULT_OPERATIONS_DIR = path.join(path.dirname(DEFAULT_MANIFEST_FILE), 'operations');

function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      operations: { type: 'string' },
      out: { type: 'string' },
      'schema-dir': { type: 'string' },
      check: { type: 'boolean', default: false },
    },
  });
  const operationsDir = path.resolve(values.operations ?? DEFAULT_OPERATIONS_DIR);
  const out = path.resolve(values.out ?? DEFAULT_MANIFEST_FILE);
  const shownOut = path.relative(process.cwd(), out);

  const { operations, errors } = collectOperations(readDocumentSet(operationsDir));
  if (operations.length === 0 && errors.length === 0) errors.push(`no operations in ${path.relative(process.cwd(), operationsDir)}`);
  const schema = buildSchema(printCurrentSchema(loadTypeDefs(path.resolve(values['schema-dir'] ?? SCHEMA_DIR))));
  for (const operation of operations) {
    const [invalid] = validate(schema, parse(operation.body));
    if (invalid) errors.push(`${operationLabel(operation)} is invalid against the current schema: ${invalid.message}`);
  }
  if (errors.length > 0) {
    for (const error of errors) console.error(error);
    return 1;
  }

  const text = `${JSON.stringify(buildManifest(operations), null, 2)}\n`;
  if (values.check) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : null;
    if (current === text) {
      console.log(`${shownOut} is up to date (${operations.length} operations).`);
      return 0;
    }
    console.error(`${shownOut} is ${current === null ? 'missing' : 'stale'}: run \`npm run documents:manifest\` and commit it.`);
    return 1;
  }
  fs.writeFileSync(out, text);
  console.log(`Wrote ${shownOut} (${operations.length} operations). Commit it with the operations.`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`documents:manifest failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
