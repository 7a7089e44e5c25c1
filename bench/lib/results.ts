// The shape of a run's results (bench/results/*.json), and the summaries drawn from them.
import type { OperationId } from './operations';
import type { ServerId } from './servers';

export interface RoundResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failed: number;
  /** The first few failed responses of the round, shortened. */
  failures: string[];
  errors: number;
  /** Measured in steady state (see bench/lib/load.ts). */
  steady: boolean;
}

export interface ServerResult {
  /** Medians over the rounds. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** SQL statements of each request of one iteration, from the server's log line (null: it logged no count). */
  sqlStatements: Array<{ request: string; statements: number | null }>;
  /** Transactions per iteration in pg_stat_database (`--pg-stats`, read operations only). */
  pgTransactions: number | null;
  rounds: RoundResult[];
  /** Why this server could not be measured on this operation. */
  error: string | null;
}

export interface OperationResult {
  id: OperationId;
  title: string;
  /** The GraphQL documents of one iteration. */
  requests: string[];
  results: Partial<Record<ServerId, ServerResult>>;
  ratios: {
    /** Requests/s of the gateway over the naive baseline's. */
    gatewayOverNaive: number | null;
    /** Requests/s with shield over without: 0.95 means shield costs 5%. */
    shieldOverNoShield: number | null;
    /** Requests/s of the gateway over the reference checkout's. */
    gatewayOverReference: number | null;
  };
  /** Servers whose read responses differed from the gateway's (a different page is not the same benchmark). */
  mismatches: ServerId[];
}

export interface RunResults {
  label: string | null;
  date: string;
  commit: string;
  /** The working tree had uncommitted changes. */
  dirty: boolean;
  /** The checkout measured with --reference, by commit. */
  reference: { commit: string } | null;
  machine: { cpus: number; cpuModel: string; node: string; postgres: string; os: string; pinned: boolean };
  settings: { connections: number; durationSeconds: number; rounds: number; warmupSeconds: number };
  database: { products: number; reviews: number };
  servers: Partial<Record<ServerId, { title: string; command: string }>>;
  operations: OperationResult[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarise(rounds: RoundResult[]): Pick<ServerResult, 'requestsPerSecond' | 'p50Ms' | 'p99Ms'> {
  return {
    requestsPerSecond: median(rounds.map((round) => round.requestsPerSecond)),
    p50Ms: median(rounds.map((round) => round.p50Ms)),
    p99Ms: median(rounds.map((round) => round.p99Ms)),
  };
}

export function ratio(results: OperationResult['results'], top: ServerId, bottom: ServerId): number | null {
  const a = results[top];
  const b = results[bottom];
  if (!a || !b || a.error || b.error || !b.requestsPerSecond) return null;
  return a.requestsPerSecond / b.requestsPerSecond;
}

/** "4", or "3 + 21" for an operation of several requests; "?" where a server logged no count. */
export function formatStatements(result: ServerResult): string {
  if (result.sqlStatements.length === 0) return '-';
  return result.sqlStatements.map((step) => (step.statements === null ? '?' : String(step.statements))).join(' + ');
}
