// The command line of `npm run bench`.
import { OPERATION_IDS, type OperationId } from './operations';

export const SERVER_IDS = ['gateway', 'no-shield', 'naive'] as const;
export type BuiltInServerId = (typeof SERVER_IDS)[number];

export interface BenchArgs {
  /** Seconds of measured load per operation, server and round. */
  duration: number;
  rounds: number;
  /** Seconds of unmeasured load before the first round of each operation on each server. */
  warmup: number;
  connections: number;
  operations: OperationId[];
  servers: BuiltInServerId[];
  /** Another checkout whose gateway (`npm start` there) is measured alongside, e.g. an older commit. */
  reference: string | null;
  label: string | null;
  /** Delete the bench database's data and seed it again. */
  reseed: boolean;
  /** Also count each read operation's transactions in pg_stat_database (slow: about 20 s per operation and server). */
  pgStats: boolean;
  /** Profile the gateway instead of comparing servers. */
  profile: boolean;
  save: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Seeds a PostgreSQL database (once), starts the gateway as a production
process pinned to one core, drives it from this process on the other core and
prints requests/s, p50, p99 and SQL statements per operation, side by side with
the gateway without shield and a naive N+1 server. See bench/README.md.

Options:
  --duration S        seconds measured per operation, server and round (default 10)
  --rounds R          rounds; the table shows medians (default 3)
  --warmup S          seconds of unmeasured load first (default 5)
  --connections N     keep-alive connections (default 50)
  --only OP[,OP]      only these operations: ${OPERATION_IDS.join(', ')}
  --servers S[,S]     only these servers: ${SERVER_IDS.join(', ')} (default all)
  --reference DIR     also measure the gateway of another checkout (its \`npm start\`)
  --label TEXT        a name for this run, kept in the results and their file name
  --reseed            delete the bench database's data and seed it again
  --pg-stats          cross-check SQL counts with PostgreSQL's pg_stat_database (slow)
  --profile           CPU-profile the gateway under load instead (node --cpu-prof)
  --no-save           print only; write nothing under bench/results
  --help              show this help

Environment:
  BENCH_DATABASE_URL  the database to use (default: storefront_bench on BENCH_POSTGRES_URL,
                      created when missing)
  BENCH_POSTGRES_URL  the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432)`;

export class UsageError extends Error {}

function positive(option: string, raw: string | undefined, max: number): number {
  const value = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new UsageError(`${option} needs a whole number from 1 to ${max}`);
  return value;
}

function list<T extends string>(option: string, raw: string | undefined, allowed: readonly T[]): T[] {
  const items = (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${option} needs a value: ${allowed.join(', ')}`);
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new UsageError(`${option}: unknown "${item}" (one of ${allowed.join(', ')})`);
  }
  return items as T[];
}

function text(option: string, raw: string | undefined, pattern: RegExp, what: string): string {
  if (raw === undefined || !pattern.test(raw)) throw new UsageError(`${option} needs ${what}`);
  return raw;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    duration: 10,
    rounds: 3,
    warmup: 5,
    connections: 50,
    operations: [...OPERATION_IDS],
    servers: [...SERVER_IDS],
    reference: null,
    label: null,
    reseed: false,
    pgStats: false,
    profile: false,
    save: true,
    help: false,
  };
  let only: OperationId[] | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const [option = '', inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    const value = () => inline ?? argv[(i += 1)];
    if (option === '--duration') args.duration = positive(option, value(), 3600);
    else if (option === '--rounds') args.rounds = positive(option, value(), 100);
    else if (option === '--warmup') args.warmup = positive(option, value(), 600);
    else if (option === '--connections') args.connections = positive(option, value(), 1000);
    else if (option === '--only') only = [...(only ?? []), ...list(option, value(), OPERATION_IDS)];
    else if (option === '--servers') args.servers = list(option, value(), SERVER_IDS);
    else if (option === '--reference') args.reference = text(option, value(), /^.+$/, 'a directory');
    else if (option === '--label') args.label = text(option, value(), /^[\w.-]{1,40}$/, '1 to 40 letters, digits, dots, dashes or underscores');
    else if (option === '--reseed') args.reseed = true;
    else if (option === '--pg-stats') args.pgStats = true;
    else if (option === '--profile') args.profile = true;
    else if (option === '--no-save') args.save = false;
    else if (option === '--help' || option === '-h') args.help = true;
    else throw new UsageError(`unknown argument "${argv[i]}"`);
  }
  if (only) args.operations = OPERATION_IDS.filter((id) => only.includes(id));
  return args;
}
