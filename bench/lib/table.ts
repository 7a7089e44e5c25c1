// The results as the plain-text table `npm run bench` prints.
import { formatStatements, type RunResults } from './results';
import { SERVER_TITLES, type ServerId } from './servers';

const SERVER_ORDER: ServerId[] = ['gateway', 'no-shield', 'naive', 'reference'];

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function fixed(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

const times = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)}×`);

export function formatTable(run: RunResults): string {
  const lines: string[] = [];
  const header = [pad('operation', 18), pad('server', 11), pad('req/s', 8, true), pad('p50 ms', 8, true), pad('p99 ms', 8, true), pad('p99/p50', 8, true), '  SQL/op', pad('failed', 8, true)];
  lines.push(header.join(' '));
  lines.push('-'.repeat(header.join(' ').length + 6));
  for (const operation of run.operations) {
    let first = true;
    for (const id of SERVER_ORDER) {
      if (!(id in run.servers)) continue;
      const result = operation.results[id];
      const name = pad(first ? operation.title : '', 18);
      first = false;
      if (!result) {
        lines.push(`${name} ${pad(SERVER_TITLES[id], 11)} ${pad('n/a', 8, true)}`);
        continue;
      }
      if (result.error) {
        lines.push(`${name} ${pad(SERVER_TITLES[id], 11)} ${pad('error', 8, true)}  ${result.error.split('\n')[0]?.slice(0, 90)}`);
        continue;
      }
      const failed = result.rounds.reduce((sum, round) => sum + round.failed + round.errors, 0);
      const pg = result.pgTransactions === null ? '' : ` (pg: ${result.pgTransactions.toFixed(1)})`;
      lines.push(
        [
          name,
          pad(SERVER_TITLES[id], 11),
          pad(fixed(result.requestsPerSecond), 8, true),
          pad(fixed(result.p50Ms), 8, true),
          pad(fixed(result.p99Ms), 8, true),
          pad(result.p50Ms > 0 ? `${(result.p99Ms / result.p50Ms).toFixed(1)}` : '-', 8, true),
          `  ${pad(formatStatements(result) + pg, 16)}`,
          pad(failed ? `${failed} !` : '0', 6, true),
        ].join(' '),
      );
    }
    const { gatewayOverNaive, shieldOverNoShield, gatewayOverReference } = operation.ratios;
    const ratios = [`gateway/naive ${times(gatewayOverNaive)}`, `shield/no-shield ${times(shieldOverNoShield)}`];
    if ('reference' in run.servers) ratios.push(`gateway/reference ${times(gatewayOverReference)}`);
    lines.push(`${pad('', 18)} ${ratios.join('   ')}`);
    if (operation.mismatches.length > 0) {
      lines.push(`${pad('', 18)} ! responses differ from the gateway's: ${operation.mismatches.map((id) => SERVER_TITLES[id]).join(', ')}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
