import fs from 'node:fs';
import path from 'node:path';

export const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schema');
export const BASELINE_FILE = path.join(SCHEMA_DIR, 'baseline.graphql');

/**
 * The SDL sources of the schema: every `schema/*.graphql` except the printed
 * baseline, in file-name order so the result is the same on every machine.
 */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.graphql') && path.join(dir, file) !== BASELINE_FILE)
    .sort()
    .map((file) => fs.readFileSync(path.join(dir, file), 'utf8'));
}
