import path from 'node:path';

// Schema governance lives beside the SDL, not inside it: schema/ holds only
// the sources the gateway is built from.
export const GOVERNANCE_DIR = __dirname;
/** The committed, printed schema that changes are checked against. */
export const BASELINE_FILE = path.join(GOVERNANCE_DIR, 'baseline.graphql');
/** Breaking changes accepted on purpose, each with its reason. */
export const ALLOW_LIST_FILE = path.join(GOVERNANCE_DIR, 'breaking-changes.allow.json');

const REPOSITORY_ROOT = path.resolve(GOVERNANCE_DIR, '..');
/** The example clients: each folder under it is one client, whose documents share their fragments. */
export const CLIENTS_DIR = path.join(REPOSITORY_ROOT, 'clients');
/** Operations the tests send, when written as `.graphql` documents: checked like a client's. */
export const TEST_DOCUMENTS_DIR = path.join(REPOSITORY_ROOT, 'test');
/** The governance tests' fixtures are written against fixture schemas, not the gateway's: never client documents. */
export const EXCLUDED_DOCUMENT_DIRS: readonly string[] = [path.join(REPOSITORY_ROOT, 'test', 'schema', 'fixtures')];
