/**
 * `npm run schema:check`: prints the diff of the current schema (schema/*.graphql)
 * against the committed baseline and exits 1 when it must not ship.
 *
 * Options (paths relative to the working directory; defaults are the real files):
 *   --schema-dir <dir>    the SDL sources          (default: schema/)
 *   --baseline <file>     the printed baseline     (default: governance/baseline.graphql)
 *   --allow-list <file>   accepted breaking changes (default: governance/breaking-changes.allow.json)
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ALLOW_LIST_FILE, BASELINE_FILE } from '../governance/paths';
import { checkSchema, formatReport, printCurrentSchema } from '../governance/schema-diff';
import { loadTypeDefs, SCHEMA_DIR } from '../src/graphql/sdl';

export interface SchemaPaths {
  schemaDir: string;
  baseline: string;
  allowList: string;
}

/** Parses the shared `--schema-dir`, `--baseline` and `--allow-list` options into absolute paths. */
export function parseSchemaPaths(argv: string[]): SchemaPaths {
  const { values } = parseArgs({
    args: argv,
    options: {
      'schema-dir': { type: 'string' },
      baseline: { type: 'string' },
      'allow-list': { type: 'string' },
    },
  });
  return {
    schemaDir: path.resolve(values['schema-dir'] ?? SCHEMA_DIR),
    baseline: path.resolve(values.baseline ?? BASELINE_FILE),
    allowList: path.resolve(values['allow-list'] ?? ALLOW_LIST_FILE),
  };
}

async function main(): Promise<number> {
  const paths = parseSchemaPaths(process.argv.slice(2));
  if (!fs.existsSync(paths.baseline)) {
    console.error(
      `No schema baseline at ${path.relative(process.cwd(), paths.baseline)}.\n` +
        'Run `npm run schema:update` to print the current schema as the baseline, review it and commit it.',
    );
    return 1;
  }
  let allowList: unknown;
  try {
    allowList = JSON.parse(fs.readFileSync(paths.allowList, 'utf8'));
  } catch (error) {
    console.error(`Cannot read the allow-list ${path.relative(process.cwd(), paths.allowList)}: ${messageOf(error)}`);
    return 1;
  }
  const result = await checkSchema({
    baselineSdl: fs.readFileSync(paths.baseline, 'utf8'),
    currentSdl: printCurrentSchema(loadTypeDefs(paths.schemaDir)),
    allowList,
  });
  process.stdout.write(formatReport(result));
  return result.passed ? 0 : 1;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Guarded so schema-update.ts can reuse the helpers above without running the check.
if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`schema:check failed: ${messageOf(error)}`);
      process.exitCode = 1;
    },
  );
}
