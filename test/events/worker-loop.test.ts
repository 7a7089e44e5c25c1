import { StatementCounter } from '../../src/db/prisma';
import { createLogger } from '../../src/logger';
import { startWorkerLoop } from '../../src/modules/events/worker-loop';

// A request that commits nudges the relay; the relay's run must not count as part of that request.

describe('a background worker nudged by a request', () => {
  it("runs outside the request: its statements are not the request's", async () => {
    // given a worker whose run sends one statement, and a request whose statements are counted
    const statements = new StatementCounter();
    let ran!: () => void;
    const done = new Promise<void>((resolve) => (ran = resolve));
    const loop = startWorkerLoop({
      name: 'test',
      log: createLogger({ logLevel: 'silent' }),
      sweepMs: null,
      firstRunInMs: null,
      work: async () => {
        statements.record();
        ran();
        return null;
      },
    });
    const request = { statements: 0 };

    // when the request nudges the worker
    statements.run(request, () => loop.nudge());
    await done;
    await loop.stop();

    // then the statement is counted in total, and not in the request
    expect(statements.total).toBe(1);
    expect(request.statements).toBe(0);
  });
});
