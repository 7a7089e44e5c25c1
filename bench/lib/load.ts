// Drives one server with autocannon: keep-alive connections, each a virtual
// user running the workload's steps in a loop, every response checked.
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { Presets, SingleBar } from 'cli-progress';
import type { VirtualUser, Workload } from './operations';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses that were not HTTP 200, or 200 with GraphQL errors or user errors. */
  failed: number;
  /** The first few of them, shortened, to see what went wrong. */
  failures: string[];
  /** Connection errors and timeouts. */
  errors: number;
  /** The window was measured in steady state (false: the run never got there, and all of it was counted). */
  steady: boolean;
}

/** Hands out virtual users: each to one connection at a time when the workload needs it. */
function userPool(workload: Workload): { lease(): VirtualUser; release(user: VirtualUser): void } {
  const free = [...workload.users];
  const shared = workload.users[0] ?? {};
  return {
    lease: () => (workload.exclusiveUsers ? (free.pop() ?? workload.users[Math.floor(Math.random() * workload.users.length)] ?? shared) : shared),
    release: (user) => {
      if (workload.exclusiveUsers && !free.includes(user)) free.push(user);
    },
  };
}

/** autocannon's per-connection context, reset when a connection starts its next iteration. */
interface IterationContext {
  user?: VirtualUser;
}

interface Failures {
  count: number;
  samples: string[];
}

function requestsFor(workload: Workload, failures: Failures): autocannon.Request[] {
  const pool = userPool(workload);
  const last = workload.steps.length - 1;
  return workload.steps.map((step, index): autocannon.Request => {
    const onResponse = (status: number, body: string, context: object) => {
      if (status !== 200 || step.failed(body)) {
        failures.count += 1;
        if (failures.samples.length < 3) failures.samples.push(`${step.label}: HTTP ${status} ${body.slice(0, 300)}`);
      }
      const iteration = context as IterationContext;
      if (index === last && iteration.user) {
        pool.release(iteration.user);
        iteration.user = undefined;
      }
    };
    if (workload.steps.length === 1 && !workload.exclusiveUsers) {
      // The same request every time: built once, not per request.
      const call = step.call(pool.lease());
      return { method: 'POST', path: '/graphql', headers: call.headers, body: call.body, onResponse };
    }
    return {
      method: 'POST',
      path: '/graphql',
      setupRequest: (request, context: object) => {
        const iteration = context as IterationContext;
        if (index === 0 || !iteration.user) iteration.user = pool.lease();
        const call = step.call(iteration.user);
        return { ...request, method: 'POST', path: '/graphql', headers: call.headers, body: call.body };
      },
      onResponse,
    };
  });
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Shown in the progress display. */
  caption: string;
}

/** How long a run may take to reach its steady state before it is measured anyway. */
const MAX_RAMP_SECONDS = 120;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/**
 * Runs the workload and measures `seconds` of its steady state: the window
 * opens once as many responses as there are connections have come back
 * (every connection is then in its loop; before that, throughput counts only
 * the first responses of a burst), and requests/s and latency percentiles are
 * taken over the responses completed in it. Without this, a page that takes
 * longer to serve than the window lasts would measure near zero. A live
 * progress line (a bar on a terminal, one line per run otherwise).
 */
export async function runLoad(workload: Workload, options: LoadOptions): Promise<LoadResult> {
  const failures: Failures = { count: 0, samples: [] };
  const tty = Boolean(process.stdout.isTTY);
  const bar = tty
    ? new SingleBar(
        { format: `  ${options.caption} {bar} {value}/{total} s  {rps} req/s`, barsize: 20, hideCursor: true, stream: process.stdout },
        Presets.shades_classic,
      )
    : null;
  bar?.start(options.seconds, 0, { rps: 'ramp-up' });
  const windowMs = options.seconds * 1000;
  const latencies: number[] = [];
  let completed = 0;
  // Set from autocannon's events: an object, so the checks below see the values the callbacks wrote.
  const span: { start: number | null; end: number | null } = { start: null, end: null };
  let stopTimer: NodeJS.Timeout | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: MAX_RAMP_SECONDS + options.seconds,
        requests: requestsFor(workload, failures),
        timeout: 60,
      },
      (error, finished) => (error ? reject(error as Error) : resolve(finished)),
    );
    const events = instance as unknown as EventEmitter;
    events.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      const now = performance.now();
      completed += 1;
      if (span.start === null) {
        if (completed < options.connections) return;
        span.start = now;
        stopTimer = setTimeout(() => {
          span.end = performance.now();
          instance.stop();
        }, windowMs);
        return;
      }
      if (span.end === null) latencies.push(responseTime);
    });
    // 'tick' (once a second, with that second's responses) is missing from autocannon's type declarations.
    events.on('tick', ({ counter }: { counter: number }) => {
      if (span.start === null) return bar?.update(0, { rps: 'ramp-up' });
      bar?.update(Math.min(options.seconds, Math.round((performance.now() - span.start) / 1000)), { rps: String(counter) });
    });
  });
  clearTimeout(stopTimer);
  bar?.stop();
  const { start, end } = span;
  const steady = start !== null && end !== null;
  const sorted = steady ? latencies.sort((a, b) => a - b) : [];
  const seconds = start !== null && end !== null ? (end - start) / 1000 : result.duration;
  const requests = steady ? sorted.length : result.requests.total;
  const outcome: LoadResult = {
    requestsPerSecond: requests / seconds,
    p50Ms: steady ? percentile(sorted, 0.5) : result.latency.p50,
    p99Ms: steady ? percentile(sorted, 0.99) : result.latency.p99,
    requests,
    failed: failures.count,
    failures: failures.samples,
    errors: result.errors + result.timeouts,
    steady,
  };
  const note = steady ? '' : ` (no steady state within ${MAX_RAMP_SECONDS} s: whole run counted)`;
  if (!tty || !steady) {
    process.stdout.write(
      `  ${options.caption} ${outcome.requestsPerSecond.toFixed(1)} req/s, p50 ${outcome.p50Ms.toFixed(0)} ms, p99 ${outcome.p99Ms.toFixed(0)} ms${note}\n`,
    );
  }
  return outcome;
}
