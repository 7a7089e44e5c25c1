/**
 * `npm run bench`: the gateway's throughput, latency and SQL statements per
 * operation, side by side with the gateway without shield and a naive N+1
 * server, in one run on one database. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBenchArgs, USAGE, UsageError, type BenchArgs } from './lib/args';
import { renderChart } from './lib/chart';
import { loadFixtures, prepareDatabase, stockForCheckout, type BenchDatabase } from './lib/database';
import { runLoad } from './lib/load';
import { OPERATIONS, type Fixtures, type Operation, type Workload } from './lib/operations';
import { canPin, killAll, pinSelf } from './lib/processes';
import { formatProfile, summariseProfile, type TimeWindow } from './lib/profile';
import { ratio, summarise, type OperationResult, type RoundResult, type RunResults, type ServerResult } from './lib/results';
import { probe, TransactionCounter, waitUntilIdle } from './lib/sql-count';
import { ROOT, SERVER_TITLES, startPaymentSandbox, startServer, type RunningServer, type ServerId } from './lib/servers';
import { formatTable } from './lib/table';

const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** Sign-ins older than this are renewed before a measurement (access tokens last 15 minutes by default). */
const TOKEN_REFRESH_MS = 10 * 60_000;

const say = (line: string) => process.stdout.write(`${line}\n`);

function git(dir: string, args: string[]): string {
  try {
    // --no-optional-locks: reading the status must not rewrite the index of a tree others are working in.
    return execFileSync('git', ['--no-optional-locks', '-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function commitOf(dir: string): { commit: string; dirty: boolean } {
  return {
    commit: git(dir, ['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: git(dir, ['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}

/** A workload signed in against one server, renewed before its tokens could expire. */
class PreparedWorkload {
  private workload: Workload | null = null;
  private preparedAt = 0;
  constructor(
    private readonly operation: Operation,
    private readonly server: RunningServer,
    private readonly fixtures: Fixtures,
  ) {}

  async get(): Promise<Workload> {
    if (!this.workload || Date.now() - this.preparedAt > TOKEN_REFRESH_MS) {
      this.workload = await this.operation.prepare(this.server.url, this.fixtures);
      this.preparedAt = Date.now();
    }
    return this.workload;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `data` of a response, for comparing what two servers answered. */
function dataOf(body: string): string {
  try {
    return JSON.stringify((JSON.parse(body) as { data?: unknown }).data ?? null);
  } catch {
    return body;
  }
}

interface Setup {
  workload: PreparedWorkload;
  /** The `data` of a read operation's answer, to compare across servers. */
  answer: string | null;
  /** The GraphQL documents of one iteration. */
  documents: string[];
}

/**
 * Before measuring an operation on a server: sign in, send one iteration
 * (its SQL statement count, and a check that it did what was asked), count
 * its transactions in PostgreSQL if asked, and warm up.
 */
async function setUp(
  operation: Operation,
  server: RunningServer,
  servers: RunningServer[],
  counters: ReadonlyMap<ServerId, RunningServer>,
  fixtures: Fixtures,
  args: BenchArgs,
  transactions: TransactionCounter | null,
  result: ServerResult,
): Promise<Setup> {
  const workload = new PreparedWorkload(operation, server, fixtures);
  const ready = await workload.get();
  const probes = await probe(server, ready);
  const failure = probes.find((step) => step.failure);
  if (failure) throw new Error(`${failure.label} failed: ${failure.failure}`);
  // The measured gateway runs as in production, without per-request counts; its twin counts the same requests.
  const counter = counters.get(server.id);
  const counted = counter ? await probe(counter, ready) : probes;
  result.sqlStatements = counted.map((step) => ({ request: step.label, statements: step.statements }));
  if (transactions && operation.readOnly) {
    say(`  ${SERVER_TITLES[server.id]}: counting transactions in pg_stat_database…`);
    // Every server, not just this one: another's backlog would be counted too.
    await Promise.all(servers.map((other) => waitUntilIdle(other)));
    result.pgTransactions = await transactions.perRun(() => probe(server, ready));
  }
  await runLoad(ready, { url: server.url, connections: args.connections, seconds: args.warmup, caption: `${SERVER_TITLES[server.id].padEnd(10)} warm-up ` });
  await waitUntilIdle(server);
  return {
    workload,
    answer: operation.readOnly ? probes.map((step) => dataOf(step.body)).join('\n') : null,
    documents: ready.steps.map((step) => (JSON.parse(step.call(ready.users[0] ?? {}).body) as { query: string }).query),
  };
}

async function measureOperation(
  operation: Operation,
  servers: RunningServer[],
  counters: ReadonlyMap<ServerId, RunningServer>,
  fixtures: Fixtures,
  args: BenchArgs,
  transactions: TransactionCounter | null,
): Promise<OperationResult> {
  say(`\n${operation.title}`);
  const eligible = servers.filter((server) => server.id !== 'naive' || operation.naive);
  const results: OperationResult['results'] = {};
  const prepared = new Map<ServerId, PreparedWorkload>();
  const answers = new Map<ServerId, string>();
  let documents: string[] = [];

  for (const server of eligible) {
    const result: ServerResult = { requestsPerSecond: NaN, p50Ms: NaN, p99Ms: NaN, sqlStatements: [], pgTransactions: null, rounds: [], error: null };
    results[server.id] = result;
    try {
      const { workload, answer, documents: sent } = await setUp(operation, server, servers, counters, fixtures, args, transactions, result);
      prepared.set(server.id, workload);
      documents = sent;
      if (answer !== null) answers.set(server.id, answer);
    } catch (error) {
      result.error = errorText(error);
      say(`  ${SERVER_TITLES[server.id]}: ${result.error.split('\n')[0]}`);
    }
  }

  // Rounds interleave the servers, so a noisy minute on a shared machine hits all of them.
  for (let round = 1; round <= args.rounds; round += 1) {
    for (const server of eligible) {
      const workload = prepared.get(server.id);
      const result = results[server.id];
      if (!workload || !result || result.error) continue;
      try {
        const outcome: RoundResult = await runLoad(await workload.get(), {
          url: server.url,
          connections: args.connections,
          seconds: args.duration,
          caption: `${SERVER_TITLES[server.id].padEnd(10)} round ${round}/${args.rounds}`,
        });
        result.rounds.push(outcome);
        for (const failure of outcome.failures) say(`    ! ${failure.replace(/\s+/g, ' ').slice(0, 200)}`);
        await waitUntilIdle(server);
      } catch (error) {
        result.error = errorText(error);
      }
    }
  }
  for (const result of Object.values(results)) {
    if (result && result.rounds.length > 0) Object.assign(result, summarise(result.rounds));
  }

  const reference = answers.get('gateway') ?? [...answers.values()][0];
  const mismatches = [...answers].filter(([, answer]) => answer !== reference).map(([id]) => id);
  return {
    id: operation.id,
    title: operation.title,
    requests: documents,
    results,
    ratios: {
      gatewayOverNaive: ratio(results, 'gateway', 'naive'),
      shieldOverNoShield: ratio(results, 'gateway', 'no-shield'),
      gatewayOverReference: ratio(results, 'gateway', 'reference'),
    },
    mismatches,
  };
}

/** `--profile`: the gateway alone under node --cpu-prof, one load run per operation, then where its CPU time went. */
async function profile(args: BenchArgs, database: BenchDatabase, fixtures: Fixtures, logDir: string): Promise<void> {
  const profileDir = path.join(RESULTS_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(profileDir, { recursive: true });
  const sandbox = await startPaymentSandbox(logDir);
  const server = await startServer('gateway', {
    databaseUrl: database.url,
    paymentProviderUrl: sandbox.url,
    logDir,
    nodeFlags: `--cpu-prof --cpu-prof-dir=${profileDir}`,
  });
  const windows: TimeWindow[] = [];
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  try {
    for (const id of args.operations) {
      const operation = OPERATIONS[id];
      const workload = await operation.prepare(server.url, fixtures);
      say(`\n${operation.title}`);
      await runLoad(workload, { url: server.url, connections: args.connections, seconds: args.warmup, caption: 'warm-up   ' });
      const fromUs = nowUs();
      await runLoad(workload, { url: server.url, connections: args.connections, seconds: args.duration, caption: 'profiled  ' });
      windows.push({ fromUs, toUs: nowUs() });
    }
  } finally {
    await server.process.stop();
    await sandbox.process.stop();
  }
  // Every thread of every node process writes a profile (tsx's loader has one of its own); the server's main thread is by far the largest.
  const files = fs.readdirSync(profileDir).map((name) => path.join(profileDir, name));
  const largest = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
  if (!largest) throw new Error(`no profile was written to ${profileDir}`);
  for (const file of files) if (file !== largest) fs.rmSync(file);
  say(`\nprofile: ${path.relative(process.cwd(), largest)} (open it in Chrome DevTools or speedscope)\n`);
  say(formatProfile(summariseProfile(largest, windows)));
}

async function main(argv: string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message} (see --help)\n`);
    return 2;
  }
  if (args.help) {
    say(USAGE);
    return 0;
  }
  if (args.reference && !fs.existsSync(path.join(args.reference, 'src', 'server.ts'))) {
    process.stderr.write(`bench: --reference ${args.reference} is not a checkout of the gateway (no src/server.ts)\n`);
    return 2;
  }

  const pinned = pinSelf();
  say(pinned ? 'servers pinned to core 0, load generator to core 1' : 'taskset or a second core is missing: processes are not pinned');
  const database = await prepareDatabase({ reseed: args.reseed, say });
  say(`${database.products} products, ${database.reviews} reviews, PostgreSQL ${database.postgresVersion}`);
  const fixtures = await loadFixtures(database, args.connections + 8);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-bench-'));

  if (args.profile) {
    await profile(args, database, fixtures, logDir);
    return 0;
  }

  const sandbox = await startPaymentSandbox(logDir);
  const ids: ServerId[] = [...args.servers, ...(args.reference ? (['reference'] as const) : [])];
  say(`starting ${ids.map((id) => SERVER_TITLES[id]).join(', ')} (logs in ${logDir})`);
  const servers = await Promise.all(
    ids.map((id) => startServer(id, { databaseUrl: database.url, paymentProviderUrl: sandbox.url, logDir }, args.reference ?? undefined)),
  );
  // Production counts no statements per request (SQL_STATEMENTS_PER_REQUEST, docs/operations.md): an idle
  // twin of each of this checkout's gateways does, and the probes are sent to it as well.
  const counted = ids.filter((id): id is 'gateway' | 'no-shield' => id === 'gateway' || id === 'no-shield');
  const counters = new Map<ServerId, RunningServer>(
    await Promise.all(
      counted.map(async (id) => {
        const env = { SQL_STATEMENTS_PER_REQUEST: 'true' };
        const twin = await startServer(id, { databaseUrl: database.url, paymentProviderUrl: sandbox.url, logDir, env, logName: `${id}-statements` });
        return [id, twin] as const;
      }),
    ),
  );
  let transactions: TransactionCounter | null = null;
  if (args.pgStats) transactions = await TransactionCounter.open(database.maintenanceUrl, database.name);

  const operations: OperationResult[] = [];
  try {
    for (const id of args.operations) {
      const operation = OPERATIONS[id];
      const restore = id === 'cart-checkout' ? await stockForCheckout(database, fixtures) : null;
      try {
        operations.push(await measureOperation(operation, servers, counters, fixtures, args, transactions));
      } finally {
        await restore?.();
      }
    }
  } finally {
    await transactions?.close();
    await Promise.all([...servers, ...counters.values()].map((server) => server.process.stop()).concat(sandbox.process.stop()));
  }

  const { commit, dirty } = commitOf(ROOT);
  const run: RunResults = {
    label: args.label,
    date: new Date().toISOString(),
    commit,
    dirty,
    reference: args.reference ? { commit: commitOf(args.reference).commit } : null,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      postgres: database.postgresVersion,
      os: `${os.type()} ${os.release()}`,
      pinned: pinned && canPin(),
    },
    settings: { connections: args.connections, durationSeconds: args.duration, rounds: args.rounds, warmupSeconds: args.warmup },
    database: { products: database.products, reviews: database.reviews },
    servers: Object.fromEntries(servers.map((server) => [server.id, { title: SERVER_TITLES[server.id], command: server.command }])),
    operations,
  };
  say(`\n${formatTable(run)}`);
  if (args.save) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const name = `${run.date.slice(0, 10)}-${commit}${args.label ? `-${args.label}` : ''}`;
    const json = `${JSON.stringify(run, null, 2)}\n`;
    fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), json);
    fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);
    fs.writeFileSync(path.join(RESULTS_DIR, 'latest.svg'), renderChart(run));
    say(`results: bench/results/${name}.json, bench/results/latest.json, bench/results/latest.svg`);
  }
  const troubled = operations.some((operation) =>
    Object.values(operation.results).some((result) => result?.error || result?.rounds.some((round) => round.failed + round.errors > 0)),
  );
  if (troubled) say(`some requests failed: the servers' logs are in ${logDir}`);
  else fs.rmSync(logDir, { recursive: true, force: true });
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    killAll();
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
