import path from 'node:path';

// Schema governance lives beside the SDL, not inside it: schema/ holds only
// the sources the gateway is built from.
export const GOVERNANCE_DIR = __dirname;
/** The committed, printed schema that changes are checked against. */
export const BASELINE_FILE = path.join(GOVERNANCE_DIR, 'baseline.graphql');
/** Breaking changes accepted on purpose, each with its reason. */
export const ALLOW_LIST_FILE = path.join(GOVERNANCE_DIR, 'breaking-changes.allow.json');
