// Measures what graphql-shield costs: the same gateway, in production mode on
// DATABASE_URL, served with and without permissions, driven by autocannon
// from this process (50 keep-alive connections, warm-up first). Usage:
//   DATABASE_URL=... npm run db:seed -- --products 10000 --reset
//   DATABASE_URL=... npm run bench:shield [-- --duration 10]
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';

const ROOT = path.resolve(__dirname, '..');
const duration = Number(process.argv[process.argv.indexOf('--duration') + 1]) || 10;

const PAGES = {
  'page 20 × 3 reviews': `{ products(first: 20) { nodes { name price { amount currencyCode } category { name }
      reviews(first: 3) { nodes { rating body author { name } } } } } }`,
  'page 100 × 10 reviews': `{ products(first: 100) { nodes { name price { amount currencyCode } category { name }
      reviews(first: 10) { nodes { rating body author { name } } } } } }`,
};

async function startServer(permissions: boolean): Promise<{ url: string; child: ChildProcess }> {
  const args = [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'bench/serve.ts')];
  if (!permissions) args.push('--no-permissions');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', JWT_SECRET: 'benchmark-secret-benchmark-secret-0123456789', NODE_OPTIONS: '--max-semi-space-size=64' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /http:\/\/\S+/.exec(chunk.toString());
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, child };
}

async function load(url: string, query: string, seconds: number) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    connections: 50,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL to a seeded PostgreSQL database.');
  const rows: string[] = [];
  for (const [name, query] of Object.entries(PAGES)) {
    const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
    for (const permissions of [false, true]) {
      const { url, child } = await startServer(permissions);
      try {
        await load(url, query, 3); // warm-up: JIT, pool, plan caches
        results[permissions ? 'shield' : 'none'] = await load(url, query, duration);
      } finally {
        child.kill('SIGTERM');
      }
    }
    const none = results.none!;
    const shield = results.shield!;
    rows.push(
      `${name.padEnd(24)} without shield ${none.rps.toFixed(0).padStart(6)} req/s (p50 ${none.p50} ms, p99 ${none.p99} ms)` +
        ` | with shield ${shield.rps.toFixed(0).padStart(6)} req/s (p50 ${shield.p50} ms, p99 ${shield.p99} ms)` +
        ` | shield/none ${(shield.rps / none.rps).toFixed(3)}`,
    );
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
