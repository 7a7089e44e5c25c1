import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Applies pending migrations from prisma/migrations with the real Prisma CLI
 * (`prisma migrate deploy`), whose schema engine runs as WebAssembly (see
 * prisma/engine). Asynchronous on purpose: when the database is the embedded
 * one, this very process serves it, and a blocking call would deadlock.
 * @returns the CLI's output.
 */
export async function migrateDatabase(url: string): Promise<string> {
  const cli = require.resolve('prisma/build/index.js');
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'migrate', 'deploy'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      maxBuffer: 10 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`Database migration failed:\n${stdout}\n${stderr}`.replaceAll(url, '<database url>'));
  }
}
