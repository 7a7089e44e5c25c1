import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

// The offline schema engine (prisma/engine) as the real Prisma CLI uses it.
// What needs no database always runs; the migrate commands need a PostgreSQL
// server where they can create databases (the scratch one, and the shadow
// database of `migrate dev`), so they run only when TEST_DATABASE_URL is set
// (CI's second pass).
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
const ENGINE = path.join(ROOT, 'prisma', 'engine', 'schema-engine.mjs');
const MIGRATIONS = path.join(ROOT, 'prisma', 'migrations');
const SCHEMA = path.join(ROOT, 'prisma', 'schema.prisma');
// Refuses connections at once: the engine fails there only after its version check.
const UNREACHABLE_URL = 'postgresql://postgres@127.0.0.1:1/none';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const describeOnPostgres = onPostgres ? describe : describe.skip;
if (!onPostgres) {
  console.info('test/prisma/engine.test.ts: migrate deploy/status/diff/dev are skipped: set TEST_DATABASE_URL to a PostgreSQL server to run them.');
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const installed = {
  prisma: String(readJson(path.join(ROOT, 'node_modules', 'prisma', 'package.json')).version),
  enginesVersion: String(
    (readJson(path.join(ROOT, 'node_modules', '@prisma', 'engines-version', 'package.json')).prisma as { enginesVersion: string }).enginesVersion,
  ),
  schemaEngineWasm: String(readJson(path.join(ROOT, 'node_modules', '@prisma', 'schema-engine-wasm', 'package.json')).version),
};
// Its versions end in the engine commit the .wasm reports.
const wasmEngine = installed.schemaEngineWasm.split('.').at(-1) ?? '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
  for (const name of ['DATABASE_URL', 'NODE_OPTIONS', 'PRISMA_SCHEMA_ENGINE_BINARY', 'SCHEMA_ENGINE_WASM_ALLOW_DRIFT', 'SCHEMA_ENGINE_WASM_COMPATIBILITY_FILE']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

function run(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; whileRunning?: () => Promise<void> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv(options.env ?? {}) });
    let stdout = '';
    let stderr = '';
    let exited = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      exited = true;
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
    const poll = async (): Promise<void> => {
      while (!exited && options.whileRunning) {
        await options.whileRunning();
        await new Promise((wait) => setTimeout(wait, 20));
      }
    };
    poll().catch(reject);
  });
}

const prisma = (args: string[], options: Parameters<typeof run>[1] = {}) => run([CLI, ...args], options);
const engine = (args: string[], options: Parameters<typeof run>[1] = {}) => run([ENGINE, ...args], options);
const datasource = (url: string) => ['--datasource', JSON.stringify({ url })];

/** Every stderr line of the engine is a JSON log line, as the CLI expects. */
function logLines(stderr: string): Array<{ level: string; fields: { message: string } }> {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: string; fields: { message: string } });
}

function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-engine-'));
  return work(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

describe('schema engine: versions and protocol', () => {
  it('reports the wasm engine as its version, and the CLI finds it through prisma.config.ts', async () => {
    const direct = await engine(['--version']);
    expect(direct).toMatchObject({ code: 0, stdout: `schema-engine-cli ${wasmEngine}\n` });

    const cli = await prisma(['--version']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`Schema Engine\\s*: schema-engine-cli ${wasmEngine} \\(at prisma/engine/schema-engine\\.mjs`));
  });

  it('accepts the installed CLI/wasm pair, which the allow-list names', async () => {
    const list = readJson(path.join(ROOT, 'prisma', 'engine', 'compatible-engines.json')) as { pairs: Array<Record<string, string>> };
    expect(list.pairs).toContainEqual(expect.objectContaining({ ...installed, wasmEngine }));

    const result = await engine(datasource(UNREACHABLE_URL));
    const errors = logLines(result.stderr).filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields.message).toMatch(/Can't reach database server/);
  });

  describe('with a pair the allow-list does not name', () => {
    let listFile: string;
    beforeAll(() => {
      listFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-engine-list-')), 'compatible-engines.json');
      fs.writeFileSync(listFile, JSON.stringify({ pairs: [] }));
    });
    afterAll(() => fs.rmSync(path.dirname(listFile), { recursive: true, force: true }));

    const driftMessage = () =>
      `Schema engine version drift: prisma ${installed.prisma} expects schema engine ${installed.enginesVersion}, ` +
      `but @prisma/schema-engine-wasm ${installed.schemaEngineWasm} is schema engine ${wasmEngine}, a pair not listed in ${listFile}.`;

    it('refuses to serve, with one error line naming both versions, and answers requests with it', async () => {
      const request = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'diagnoseMigrationHistory', params: {} });
      const result = await engine(datasource(UNREACHABLE_URL), { env: { SCHEMA_ENGINE_WASM_COMPATIBILITY_FILE: listFile }, input: `${request}\n` });
      expect(result.code).toBe(1);
      const errors = logLines(result.stderr).filter((line) => line.level === 'ERROR');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.fields.message).toContain(driftMessage());
      expect(errors[0]?.fields.message).toContain('SCHEMA_ENGINE_WASM_ALLOW_DRIFT=1');
      expect(errors[0]?.fields.message).not.toContain('\n');
      const response = JSON.parse(result.stdout) as { id: number; error: { data: { message: string } } };
      expect(response.id).toBe(1);
      expect(response.error.data.message).toContain(driftMessage());
    });

    it('makes the real CLI fail with that message', async () => {
      const result = await prisma(['migrate', 'status'], { env: { DATABASE_URL: UNREACHABLE_URL, SCHEMA_ENGINE_WASM_COMPATIBILITY_FILE: listFile } });
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toContain(driftMessage());
    });

    it('runs anyway, with a warning, under SCHEMA_ENGINE_WASM_ALLOW_DRIFT=1', async () => {
      const result = await engine(datasource(UNREACHABLE_URL), {
        env: { SCHEMA_ENGINE_WASM_COMPATIBILITY_FILE: listFile, SCHEMA_ENGINE_WASM_ALLOW_DRIFT: '1' },
      });
      const lines = logLines(result.stderr);
      expect(lines.find((line) => line.level === 'WARN')?.fields.message).toContain(driftMessage());
      expect(lines.filter((line) => line.level === 'ERROR').map((line) => line.fields.message)).toEqual([expect.stringMatching(/Can't reach database server/)]);
    });
  });

  it('answers a malformed protocol line with a JSON-RPC parse error instead of crashing', async () => {
    const result = await engine(datasource(UNREACHABLE_URL), { input: 'this is not JSON\n[1, 2]\n' });
    const responses = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: unknown; error: { code: number } });
    expect(responses).toEqual([
      { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32700 }) },
      { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32600 }) },
    ]);
    expect(() => logLines(result.stderr)).not.toThrow();
  });

  it('rejects a malformed --datasource with a clear error that does not echo it', async () => {
    const result = await engine(['--datasource', '{"url": "postgresql://user:s3cret@127.0.0.1/db"', 'cli', 'can-connect-to-database']);
    expect(result.code).toBe(1);
    // The CLI skips the first line of a one-shot command's stderr.
    const [first, ...rest] = logLines(result.stderr);
    expect(first?.level).toBe('INFO');
    expect(rest).toEqual([{ level: 'ERROR', fields: { message: expect.stringContaining('--datasource is not valid JSON') } }]);
    expect(result.stderr).not.toContain('s3cret');
  });
});

describeOnPostgres('schema engine: migrate commands on PostgreSQL', () => {
  // The run's prefix lets globalTeardown drop the database if this file crashes.
  const name = `${process.env.STOREFRONT_TEST_RUN_PREFIX ?? 'storefront_test_'}engine_${randomBytes(4).toString('hex')}`;
  // Not created here: migrate deploy creates it.
  let url: string;
  let env: NodeJS.ProcessEnv;
  let admin: Client;

  beforeAll(async () => {
    const adminUrl = process.env.TEST_DATABASE_URL ?? '';
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    env = { DATABASE_URL: url };
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  async function shadowDatabases(): Promise<string[]> {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, 'prisma_migrate_shadow_db_')");
    return rows.map((row) => row.datname);
  }

  function snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
      const file = path.join(dir, entry);
      files[entry] = fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : '<dir>';
    }
    return files;
  }

  it('migrate deploy creates the database and records every migration as the native engine does', async () => {
    const result = await prisma(['migrate', 'deploy'], { env });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('All migrations have been successfully applied.');

    const database = new Client({ connectionString: url });
    await database.connect();
    try {
      const { rows } = await database.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
      );
      const expected = fs
        .readdirSync(MIGRATIONS)
        .filter((entry) => fs.statSync(path.join(MIGRATIONS, entry)).isDirectory())
        .sort()
        .map((migration) => ({
          migration_name: migration,
          checksum: createHash('sha256').update(fs.readFileSync(path.join(MIGRATIONS, migration, 'migration.sql'))).digest('hex'),
          finished_at: expect.any(Date),
          rolled_back_at: null,
        }));
      expect(rows).toEqual(expected);
    } finally {
      await database.end();
    }
  });

  it('migrate status reports the database up to date', async () => {
    const result = await prisma(['migrate', 'status'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Database schema is up to date!');
  });

  it('migrate diff finds nothing between the migrations and the schema', async () => {
    const result = await prisma(['migrate', 'diff', '--from-migrations', MIGRATIONS, '--to-schema', SCHEMA, '--script', '--exit-code'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('-- This is an empty migration.');
  });

  it('migrate diff from empty to the schema renders the CREATE TABLE script', async () => {
    const result = await prisma(['migrate', 'diff', '--from-empty', '--to-schema', SCHEMA, '--script', '--exit-code'], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('CREATE TABLE "User"');
    expect(result.stdout).toContain('CREATE TABLE "Product"');
  });

  it('migrate dev --create-only writes the change through a shadow database it drops, and migrate status then reports it pending', async () => {
    const realMigrations = snapshot(MIGRATIONS);
    await withTempDir(async (dir) => {
      fs.cpSync(MIGRATIONS, path.join(dir, 'migrations'), { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'schema.prisma'),
        `${fs.readFileSync(SCHEMA, 'utf8')}\nmodel EngineTestNote {\n  id   Int    @id @default(autoincrement())\n  body String\n}\n`,
      );
      // Outside the repository 'prisma/config' does not resolve: a plain object is a valid config.
      const config = path.join(dir, 'prisma.config.ts');
      fs.writeFileSync(
        config,
        `export default { schema: ${JSON.stringify(path.join(dir, 'schema.prisma'))}, migrations: { path: ${JSON.stringify(path.join(dir, 'migrations'))} }, datasource: { url: process.env.DATABASE_URL } };\n`,
      );
      const devEnv = { ...env, PRISMA_SCHEMA_ENGINE_BINARY: ENGINE };

      const before = new Set(await shadowDatabases());
      const seen = new Set<string>();
      const result = await prisma(['migrate', 'dev', '--create-only', '--name', 'x', '--config', config], {
        env: devEnv,
        whileRunning: async () => {
          for (const shadow of await shadowDatabases()) if (!before.has(shadow)) seen.add(shadow);
        },
      });
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.code).toBe(0);

      const created = fs.readdirSync(path.join(dir, 'migrations')).filter((entry) => entry.endsWith('_x'));
      expect(created).toHaveLength(1);
      const sql = fs.readFileSync(path.join(dir, 'migrations', created[0] ?? '', 'migration.sql'), 'utf8');
      expect(sql).toContain('CREATE TABLE "EngineTestNote"');
      expect(sql).not.toContain('CREATE TABLE "User"');

      expect(seen.size).toBeGreaterThan(0);
      const left = await shadowDatabases();
      for (const shadow of seen) expect(left).not.toContain(shadow);

      const status = await prisma(['migrate', 'status', '--config', config], { env: devEnv });
      expect(status.code).toBe(1);
      expect(status.stdout).toContain('Following migration have not yet been applied:');
      expect(status.stdout).toContain(created[0]);
    });
    expect(snapshot(MIGRATIONS)).toEqual(realMigrations);
  });

  it('the engine reports a panic with its message, and every later request with it', async () => {
    const lines = [
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'debugPanic' }),
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'getDatabaseVersion', params: { datasource: { tag: 'ConnectionString', url } } }),
    ];
    const result = await engine(datasource(url), { input: `${lines.join('\n')}\n` });
    expect(result.code).toBe(1);
    const responses = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: number; error?: { data: { message: string } } });
    expect(responses.map((response) => response.id).sort()).toEqual([1, 2]);
    for (const response of responses) expect(response.error?.data.message).toMatch(/^The schema engine panicked: .*debugPanic artificial panic/s);
  });

  it('the engine answers a malformed line and goes on serving', async () => {
    const lines = ['{not json', JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'getDatabaseVersion', params: { datasource: { tag: 'ConnectionString', url } } })];
    const result = await engine(datasource(url), { input: `${lines.join('\n')}\n` });
    expect(result.code).toBe(0);
    const responses = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as unknown);
    expect(responses).toEqual([
      { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32700 }) },
      { jsonrpc: '2.0', id: 7, result: expect.stringContaining('PostgreSQL') },
    ]);
  });
});
