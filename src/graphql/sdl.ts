import fs from 'node:fs';
import path from 'node:path';

/** The SDL sources of the schema, one file per domain. */
export const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schema');

/** Every `*.graphql` file of `dir`, in file-name order so the result is the same on every machine. */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => fs.readFileSync(path.join(dir, file), 'utf8'));
}
