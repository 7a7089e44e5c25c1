// The results as an SVG chart, written by hand (no browser, no plotting
// library): one panel per operation, with its own scale, of grouped bars of
// requests/s per server.
import type { RunResults } from './results';
import { SERVER_TITLES, type ServerId } from './servers';

const COLOURS: Record<ServerId, string> = { gateway: '#2563eb', 'no-shield': '#93c5fd', naive: '#f59e0b', reference: '#9ca3af' };
const SERVER_ORDER: ServerId[] = ['gateway', 'no-shield', 'naive', 'reference'];

const PANEL_WIDTH = 190;
const PLOT_HEIGHT = 200;
const TOP = 70;
const LEFT = 20;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function label(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function renderChart(run: RunResults): string {
  const servers = SERVER_ORDER.filter((id) => id in run.servers);
  // Wide enough for the subtitle even with a single operation.
  const width = Math.max(860, LEFT * 2 + PANEL_WIDTH * run.operations.length);
  const height = TOP + PLOT_HEIGHT + 80;
  const parts: string[] = [];
  const title = `Requests/s per operation (higher is better)${run.label ? ` — ${run.label}` : ''}`;
  const subtitle =
    `commit ${run.commit}${run.dirty ? ' (uncommitted changes)' : ''}, ${run.date.slice(0, 10)}; ${run.settings.connections} connections, ` +
    `median of ${run.settings.rounds} × ${run.settings.durationSeconds} s; ${run.machine.cpus} cores, Node ${run.machine.node}, PostgreSQL ${run.machine.postgres}`;
  const reference = run.reference ? `; reference: commit ${run.reference.commit}` : '';
  parts.push(`<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`);
  parts.push(`<text x="${LEFT}" y="42" font-size="11" fill="#555">${escape(subtitle + reference)}</text>`);
  servers.forEach((id, i) => {
    const x = LEFT + i * 120;
    parts.push(`<rect x="${x}" y="52" width="10" height="10" fill="${COLOURS[id]}"/>`);
    parts.push(`<text x="${x + 14}" y="61" font-size="11">${escape(SERVER_TITLES[id])}</text>`);
  });

  run.operations.forEach((operation, p) => {
    const x0 = LEFT + p * PANEL_WIDTH;
    const values = servers.map((id) => {
      const result = operation.results[id];
      return result && !result.error ? result.requestsPerSecond : null;
    });
    const max = Math.max(1, ...values.map((value) => value ?? 0));
    const slot = (PANEL_WIDTH - 30) / servers.length;
    const barWidth = Math.min(36, slot - 6);
    const baseline = TOP + PLOT_HEIGHT;
    parts.push(`<line x1="${x0 + 10}" y1="${baseline}" x2="${x0 + PANEL_WIDTH - 20}" y2="${baseline}" stroke="#333"/>`);
    values.forEach((value, i) => {
      const id = servers[i] as ServerId;
      const cx = x0 + 15 + slot * i + (slot - barWidth) / 2;
      if (value === null) {
        parts.push(`<text x="${(cx + barWidth / 2).toFixed(1)}" y="${baseline - 4}" font-size="10" text-anchor="middle" fill="#999">n/a</text>`);
        return;
      }
      const h = (value / max) * (PLOT_HEIGHT - 20);
      parts.push(`<rect x="${cx.toFixed(1)}" y="${(baseline - h).toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="${COLOURS[id]}"><title>${escape(`${SERVER_TITLES[id]}: ${label(value)} req/s`)}</title></rect>`);
      parts.push(`<text x="${(cx + barWidth / 2).toFixed(1)}" y="${(baseline - h - 4).toFixed(1)}" font-size="10" text-anchor="middle">${label(value)}</text>`);
    });
    parts.push(`<text x="${x0 + PANEL_WIDTH / 2 - 5}" y="${baseline + 18}" font-size="12" font-weight="bold" text-anchor="middle">${escape(operation.title)}</text>`);
    const ratios = [
      operation.ratios.gatewayOverNaive !== null ? `${operation.ratios.gatewayOverNaive.toFixed(1)}× naive` : null,
      operation.ratios.shieldOverNoShield !== null ? `shield/no-shield ${operation.ratios.shieldOverNoShield.toFixed(2)}×` : null,
      operation.ratios.gatewayOverReference !== null ? `${operation.ratios.gatewayOverReference.toFixed(1)}× reference` : null,
    ].filter((text): text is string => text !== null);
    ratios.forEach((text, i) => {
      parts.push(`<text x="${x0 + PANEL_WIDTH / 2 - 5}" y="${baseline + 34 + i * 13}" font-size="10" fill="#555" text-anchor="middle">${escape(text)}</text>`);
    });
  });

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
