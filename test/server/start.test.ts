import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_ACCOUNTS } from '../../src/seed/demo-data';

const ROOT = path.resolve(__dirname, '..', '..');

// What `npm start` does on a fresh machine: no DATABASE_URL, a new data
// directory, so the embedded database is created, migrated and seeded.
describe('npm start on a fresh machine', () => {
  let dataDir: string;
  let server: ChildProcess;
  let output = '';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'development' };
    delete env.DATABASE_URL;
    delete env.NODE_OPTIONS;
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  afterAll(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function waitForUrl(): Promise<string> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const match = /running at (http:\/\/\S+\/graphql)/.exec(output);
      if (match?.[1]) return match[1];
      if (server.exitCode !== null) throw new Error(`server exited early:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`server did not start:\n${output}`);
  }

  it('seeds the demo catalog, prints the URL and the demo accounts, and answers a nested query', async () => {
    const url = await waitForUrl();
    for (const account of DEMO_ACCOUNTS) expect(output).toContain(account.email);

    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products(first: 3) { totalCount nodes { name category { name } reviews(first: 2) { nodes { author { name } } } } } }' }),
    });
    const body = (await response.json()) as { data: { products: { totalCount: number; nodes: Array<{ category: { name: string } }> } } };
    expect(body.data.products.totalCount).toBeGreaterThan(150);
    expect(body.data.products.nodes).toHaveLength(3);
    expect(body.data.products.nodes[0]?.category.name).toEqual(expect.any(String));
  }, 120_000);

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
