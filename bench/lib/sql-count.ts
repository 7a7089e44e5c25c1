// SQL statements per operation, two ways:
// - from the server's own log: one request, then the `sqlStatements` of the
//   "graphql request" line it logged (the gateway counts every statement its
//   Prisma client sends for a request; the naive baseline counts its own);
// - from PostgreSQL: transactions committed in the bench database
//   (pg_stat_database) while the operation runs twenty times. A read that is not
//   in an explicit transaction is one statement per transaction, so for read
//   operations the two must agree.
import { Client } from 'pg';
import { send } from './graphql-client';
import type { Workload } from './operations';
import type { RunningServer } from './servers';

export interface StepProbe {
  label: string;
  /** From the server's log line; null when it logged none with a count. */
  statements: number | null;
  /** What the step's response said went wrong, if anything. */
  failure: string | null;
  body: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `sqlStatements` of the "graphql request" line for `requestId` (or, from a server that logs no ids, the first such line). */
function loggedStatements(log: string, requestId: string): number | null {
  let anonymous: number | null = null;
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; sqlStatements?: unknown; requestId?: unknown };
      if (entry.msg !== 'graphql request' || typeof entry.sqlStatements !== 'number') continue;
      if (entry.requestId === requestId) return entry.sqlStatements;
      if (entry.requestId === undefined && anonymous === null) anonymous = entry.sqlStatements;
    } catch {
      // not a log line of ours
    }
  }
  return anonymous;
}

/**
 * Waits until the server has stopped logging (every request logs a line):
 * when a load run ends, the requests already sent are still being served,
 * and they must neither slow the next measurement nor be taken for a probe.
 */
export async function waitUntilIdle(server: RunningServer, quietMs = 500, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let size = server.process.logSize();
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < quietMs) {
    await sleep(100);
    const now = server.process.logSize();
    if (now !== size) {
      size = now;
      quietSince = Date.now();
    }
  }
}

let probes = 0;

/** One iteration of the workload against an idle server: each step's response and logged statement count. */
export async function probe(server: RunningServer, workload: Workload): Promise<StepProbe[]> {
  await waitUntilIdle(server);
  const user = workload.users[0] ?? {};
  const results: StepProbe[] = [];
  for (const step of workload.steps) {
    const requestId = `bench-probe-${process.pid}-${(probes += 1)}`;
    const offset = server.process.logSize();
    const call = step.call(user);
    const body = await send(server.url, { body: call.body, headers: { ...call.headers, 'x-request-id': requestId } });
    let statements: number | null = null;
    for (let waited = 0; waited < 2000 && statements === null; waited += 20) {
      statements = loggedStatements(server.process.readLog(offset), requestId);
      if (statements === null) await sleep(20);
    }
    results.push({ label: step.label, statements, failure: step.failed(body) ? body.slice(0, 400) : null, body });
  }
  return results;
}

/**
 * Watches pg_stat_database from outside the bench database (its own queries
 * would count otherwise). PostgreSQL publishes a backend's counts at most
 * once a second and otherwise after up to 10 s of idleness, hence the waits.
 */
export class TransactionCounter {
  private constructor(
    private readonly client: Client,
    private readonly database: string,
  ) {}

  static async open(maintenanceUrl: string, database: string): Promise<TransactionCounter> {
    const client = new Client({ connectionString: maintenanceUrl });
    await client.connect();
    return new TransactionCounter(client, database);
  }

  private async read(): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(
      'SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1',
      [this.database],
    );
    return Number(rows[0]?.n ?? NaN);
  }

  /** The count once every backend has published what it did: unchanged for 2 s after the 10 s idle flush. */
  private async settled(): Promise<number> {
    await sleep(10_500);
    let previous = await this.read();
    for (;;) {
      await sleep(2000);
      const current = await this.read();
      if (current === previous) return current;
      previous = current;
    }
  }

  /** Transactions per run of `work`, over `repeats` runs (background jobs' few transactions round away). */
  async perRun(work: () => Promise<unknown>, repeats = 20): Promise<number> {
    const before = await this.settled();
    for (let i = 0; i < repeats; i += 1) await work();
    const after = await this.settled();
    return (after - before) / repeats;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
