import { AsyncResource } from 'node:async_hooks';
import type { Logger } from '../../logger';

export interface WorkerLoop {
  /** Run as soon as possible (now, or right after the run in progress). */
  nudge(): void;
  /** No new runs; waits for the one in progress. */
  stop(): Promise<void>;
}

/**
 * Why a run happens: `nudge`, something was just committed in this process
 * (work is likely there); `timer`, a due time or a sweep came (work may be
 * there: the run can look before it claims).
 */
export type RunTrigger = 'nudge' | 'timer';

/** The shortest pause between runs when work is already due but was not claimable (held by another instance). */
const MIN_PAUSE_MS = 100;
const AFTER_FAILURE_MS = 5000;
// setTimeout's limit; later due times are simply looked at again then.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs `work` after `firstRunInMs`, whenever nudged, when the work itself
 * says more falls due (it returns the milliseconds until then, or null for
 * nothing known), and every `sweepMs` for work that no nudge announced
 * (another instance's, or one that crashed); `sweepMs` null: no sweeps, when
 * this process is the database's only writer. Never two runs at once.
 */
export function startWorkerLoop(options: {
  name: string;
  log: Logger;
  sweepMs: number | null;
  firstRunInMs: number | null;
  work: (trigger: RunTrigger) => Promise<number | null>;
}): WorkerLoop {
  const { name, log, sweepMs, firstRunInMs, work } = options;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  /** The delay until the next run: `dueInMs` (work known to fall due then), bounded by the sweep; null: none. */
  const nextDelay = (dueInMs: number | null): number | null => {
    const due = dueInMs === null ? null : Math.max(MIN_PAUSE_MS, Math.ceil(dueInMs));
    if (due === null) return sweepMs;
    return Math.min(due, sweepMs ?? due, MAX_TIMER_MS);
  };

  const schedule = (delayMs: number | null, trigger: RunTrigger) => {
    if (stopped) return;
    clearTimeout(timer);
    if (delayMs === null) return;
    timer = setTimeout(() => run(trigger), delayMs);
    timer.unref();
  };

  function run(trigger: RunTrigger): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = (async () => {
      let next: number | null;
      try {
        next = nextDelay(await work(trigger));
      } catch (error) {
        log.error({ err: error, worker: name }, 'a background worker failed; it will try again');
        next = Math.min(sweepMs ?? AFTER_FAILURE_MS, AFTER_FAILURE_MS);
      } finally {
        running = null;
      }
      if (again) {
        again = false;
        schedule(0, 'nudge');
      } else {
        schedule(next, 'timer');
      }
    })();
  }

  schedule(firstRunInMs === null ? sweepMs : Math.min(Math.max(0, Math.ceil(firstRunInMs)), sweepMs ?? MAX_TIMER_MS, MAX_TIMER_MS), 'timer');
  // Runs start in the loop's own async context, the one it was started in: a nudge comes from a request
  // that has just committed, and a run it started would otherwise count as part of that request (its SQL
  // statements, its trace), which it outlives.
  const home = new AsyncResource(`worker-loop:${name}`);
  return {
    nudge() {
      home.runInAsyncScope(() => {
        if (running) again = true;
        else schedule(0, 'nudge');
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
