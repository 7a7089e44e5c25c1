/**
 * `npm run schema:check`: prints the diff of the current schema (schema/*.graphql)
 * against the committed baseline, with the client operations each breaking
 * change affects, validates every client operation against the current schema,
 * and exits 1 when the change must not ship.
 *
 * Options (paths relative to the working directory; defaults are the real files):
 *   --schema-dir <dir>    the SDL sources          (default: schema/)
 *   --baseline <file>     the printed baseline     (default: governance/baseline.graphql)
 *   --allow-list <file>   accepted breaking changes (default: governance/breaking-changes.allow.json)
 *   --documents <dir>     a folder of client `.graphql` documents sharing their fragments (repeatable)
 *   --manifest <file>     a trusted-documents manifest (repeatable)
 * Without --documents and --manifest: every folder under clients/, test/ (without
 * the governance fixtures) and the storefront's manifest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkClientOperations,
  collectOperations,
  manifestOperations,
  readDocumentSet,
  type CollectedOperations,
} from '../governance/client-operations';
import { ALLOW_LIST_FILE, BASELINE_FILE, CLIENTS_DIR, EXCLUDED_DOCUMENT_DIRS, TEST_DOCUMENTS_DIR } from '../governance/paths';
import { checkSchema, formatReport, printCurrentSchema, reportPassed } from '../governance/schema-diff';
import { DEFAULT_MANIFEST_FILE } from '../src/config';
import { loadTypeDefs, SCHEMA_DIR } from '../src/graphql/sdl';

export interface SchemaPaths {
  schemaDir: string;
  baseline: string;
  allowList: string;
}

interface CheckOptions extends SchemaPaths {
  documentDirs: string[];
  manifests: string[];
}

/** Parses the shared `--schema-dir`, `--baseline` and `--allow-list` options into absolute paths. */
export function parseSchemaPaths(argv: string[]): SchemaPaths {
  const { schemaDir, baseline, allowList } = parseCheckOptions(argv);
  return { schemaDir, baseline, allowList };
}

function parseCheckOptions(argv: string[]): CheckOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'schema-dir': { type: 'string' },
      baseline: { type: 'string' },
      'allow-list': { type: 'string' },
      documents: { type: 'string', multiple: true },
      manifest: { type: 'string', multiple: true },
    },
  });
  const ownClients = values.documents === undefined && values.manifest === undefined;
  return {
    schemaDir: path.resolve(values['schema-dir'] ?? SCHEMA_DIR),
    baseline: path.resolve(values.baseline ?? BASELINE_FILE),
    allowList: path.resolve(values['allow-list'] ?? ALLOW_LIST_FILE),
    documentDirs: ownClients ? repositoryDocumentDirs() : (values.documents ?? []).map((dir) => path.resolve(dir)),
    manifests: ownClients ? [DEFAULT_MANIFEST_FILE].filter((file) => fs.existsSync(file)) : (values.manifest ?? []).map((file) => path.resolve(file)),
  };
}

/** Each client's folder, then the tests' documents. */
function repositoryDocumentDirs(): string[] {
  const clients = fs.existsSync(CLIENTS_DIR)
    ? fs
        .readdirSync(CLIENTS_DIR, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join(CLIENTS_DIR, entry.name))
        .sort()
    : [];
  return [...clients, TEST_DOCUMENTS_DIR];
}

function collectClients(options: CheckOptions): CollectedOperations[] {
  const fromDocuments = options.documentDirs.map((dir) => collectOperations(readDocumentSet(dir, EXCLUDED_DOCUMENT_DIRS)));
  const fromManifests = options.manifests.map((file) => {
    const shown = path.relative(process.cwd(), file);
    try {
      return manifestOperations(JSON.parse(fs.readFileSync(file, 'utf8')), shown);
    } catch (error) {
      return { operations: [], errors: [`${shown}: cannot be read as JSON (${messageOf(error)})`] };
    }
  });
  return [...fromDocuments, ...fromManifests];
}

async function main(): Promise<number> {
  const options = parseCheckOptions(process.argv.slice(2));
  if (!fs.existsSync(options.baseline)) {
    console.error(
      `No schema baseline at ${path.relative(process.cwd(), options.baseline)}.\n` +
        'Run `npm run schema:update` to print the current schema as the baseline, review it and commit it.',
    );
    return 1;
  }
  let allowList: unknown;
  try {
    allowList = JSON.parse(fs.readFileSync(options.allowList, 'utf8'));
  } catch (error) {
    console.error(`Cannot read the allow-list ${path.relative(process.cwd(), options.allowList)}: ${messageOf(error)}`);
    return 1;
  }
  const baselineSdl = fs.readFileSync(options.baseline, 'utf8');
  const currentSdl = printCurrentSchema(loadTypeDefs(options.schemaDir));
  const result = await checkSchema({ baselineSdl, currentSdl, allowList });
  const clients = checkClientOperations({ baselineSdl, currentSdl, collected: collectClients(options) });
  process.stdout.write(formatReport(result, clients));
  return reportPassed(result, clients) ? 0 : 1;
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
