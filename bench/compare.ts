/**
 * `npm run bench:compare -- A.json B.json`: two bench runs side by side (say
 * the same bench on two commits): requests/s, p50, p99 and SQL statements per
 * operation and server, with B's requests/s over A's.
 */
import fs from 'node:fs';
import { formatStatements, type RunResults, type ServerResult } from './lib/results';
import { SERVER_TITLES, type ServerId } from './lib/servers';

const SERVERS: ServerId[] = ['gateway', 'no-shield', 'naive', 'reference'];

function load(file: string): RunResults {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;
}

const name = (run: RunResults) => run.label ?? run.commit;
const num = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '-' : value >= 100 ? value.toFixed(0) : value.toFixed(1));
const cell = (result: ServerResult | undefined) =>
  !result ? 'n/a' : result.error ? 'error' : `${num(result.requestsPerSecond)} req/s, p50 ${num(result.p50Ms)}, p99 ${num(result.p99Ms)}, SQL ${formatStatements(result)}`;

function main(argv: string[]): number {
  const [fileA, fileB] = argv;
  if (!fileA || !fileB) {
    process.stderr.write('Usage: npm run bench:compare -- <A.json> <B.json>   (files written by npm run bench under bench/results)\n');
    return 2;
  }
  const a = load(fileA);
  const b = load(fileB);
  const lines = [
    `A: ${name(a)} (commit ${a.commit}, ${a.date.slice(0, 16)}, ${a.settings.rounds} × ${a.settings.durationSeconds} s)`,
    `B: ${name(b)} (commit ${b.commit}, ${b.date.slice(0, 16)}, ${b.settings.rounds} × ${b.settings.durationSeconds} s)`,
    '',
  ];
  if (a.settings.connections !== b.settings.connections) lines.push(`! different connection counts: ${a.settings.connections} and ${b.settings.connections}`, '');
  for (const opA of a.operations) {
    const opB = b.operations.find((op) => op.id === opA.id);
    if (!opB) continue;
    lines.push(opA.title);
    for (const id of SERVERS) {
      const ra = opA.results[id];
      const rb = opB.results[id];
      if (!ra && !rb) continue;
      const change = ra && rb && !ra.error && !rb.error && ra.requestsPerSecond > 0 ? `${(rb.requestsPerSecond / ra.requestsPerSecond).toFixed(2)}×` : '';
      lines.push(`  ${SERVER_TITLES[id].padEnd(10)} A ${cell(ra).padEnd(52)} B ${cell(rb).padEnd(52)} ${change}`);
    }
    lines.push('');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
