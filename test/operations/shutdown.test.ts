import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { createPrismaClient, StatementCounter } from '../../src/db/prisma';
import { ACCOUNTS, DEMO_PASSWORD, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// Graceful shutdown, tried the way an operator meets it: a real gateway
// process (`src/server.ts`, as `npm start` runs it), many slow requests in
// flight, then SIGTERM. Every request sent before the signal must be
// answered, /readyz must say 503 at once, and the process must exit 0.

const ROOT = path.resolve(__dirname, '..', '..');
const API_KEY = 'sk_test_shutdown_suite';
const SLOW_MS = 1500;
const REQUESTS = 40;

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const prisma = createPrismaClient(database.url, { poolSize: 1, statements: new StatementCounter() });
  await seedAccountsWithCatalog(prisma);
  await prisma.product.updateMany({ data: { stockQuantity: 1000 } });
  await prisma.$disconnect();
}, 60_000);
afterAll(() => database?.drop());

interface Running {
  child: ChildProcess;
  url: string;
  sandboxUrl: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startServer(): Promise<Running> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: '0',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    // The embedded database is one session behind every connection: a statement prepared by a closed connection would outlive it.
    DATABASE_PREPARED_STATEMENTS: String(!database.embedded),
    DATABASE_POOL_SIZE: database.embedded ? '1' : '5',
    // Long enough that a loaded machine still accepts, during the grace period, what was sent before the signal.
    SHUTDOWN_GRACE_MS: '2000',
    PAYMENT_API_KEY: API_KEY,
  };
  delete env.NODE_OPTIONS;
  // As `npm start` runs it: node loading tsx as a hook, so SIGTERM reaches the gateway itself (the tsx CLI
  // relays signals to a child process and kills it when the child is slow to take one).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /running at (http:\/\/\S+\/graphql)/.exec(output)?.[1];
    const sandboxUrl = /sandbox provider runs in-process at (http:\/\/\S+)/.exec(output)?.[1];
    if (url && sandboxUrl) return { child, url, sandboxUrl, output: () => output, exited };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the gateway did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function graphql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] } };
}

/**
 * A GraphQL POST on a connection of its own: `written` resolves once the whole
 * request has left this process (fetch writes lazily, which on a loaded machine
 * can be long after the call), `answer` with the response.
 */
function sent(url: string, query: string, variables: Record<string, unknown>, token: string) {
  const body = JSON.stringify({ query, variables });
  let written!: Promise<void>;
  const answer = new Promise<{ status: number; body: { data?: Record<string, any> | null; errors?: unknown[] } }>((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
    });
    written = new Promise((resolveWritten, rejectWritten) => {
      request.once('finish', resolveWritten);
      request.once('error', rejectWritten);
    });
    request.once('error', reject);
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.end(body);
  });
  return { written, answer };
}

/** Alice's new pending order, and her token. */
async function pendingOrder(url: string): Promise<{ token: string; orderId: string }> {
  const login = await graphql(url, 'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }', {
    input: { email: ACCOUNTS.alice.email, password: DEMO_PASSWORD },
  });
  const token = login.body.data?.login.accessToken as string;
  const product = await graphql(url, '{ products(first: 1) { nodes { id } } }', {});
  const productId = product.body.data?.products.nodes[0].id as string;
  await graphql(url, 'mutation A($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }', { input: { productId, quantity: 1 } }, token);
  const placed = await graphql(url, 'mutation C($input: CheckoutInput!) { checkout(input: $input) { order { id } userErrors { code } } }', {
    input: { idempotencyKey: `shutdown-${Date.now()}` },
  }, token);
  return { token, orderId: placed.body.data?.checkout.order.id as string };
}

describe('SIGTERM with requests in flight', () => {
  it.each([1, 2, 3])('run %s: answers every one of 40 slow requests sent before the signal, says not-ready at once, and exits 0', async () => {
    // given a running gateway whose payment provider now takes 1.5 s to answer
    const server = await startServer();
    try {
      const { token, orderId } = await pendingOrder(server.url);
      const switches = await fetch(`${server.sandboxUrl}/_sandbox/switches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ delayMs: SLOW_MS }),
      });
      expect(switches.status).toBe(200);

      // when 40 slow requests are in flight and the process gets SIGTERM
      const inFlight = Array.from({ length: REQUESTS }, () =>
        sent(server.url, 'mutation P($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { order { id } userErrors { code } } }', {
          input: { orderId, paymentMethod: 'pm_card_declined' },
        }, token),
      );
      // (each request written out completely, on a connection of its own, before the signal: "sent")
      await Promise.all(inFlight.map((request) => request.written));
      server.child.kill('SIGTERM');

      // then readiness fails as soon as the process has taken the signal (on a loaded machine that can take a
      // moment), well within the grace period, while requests are still served
      const signalled = Date.now();
      let ready = await fetch(server.url.replace('/graphql', '/readyz'));
      while (ready.status === 200 && Date.now() - signalled < 1500) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        ready = await fetch(server.url.replace('/graphql', '/readyz'));
      }
      expect(ready.status).toBe(503);

      // and every request sent before the signal is answered, none with an error
      const answers = await Promise.all(inFlight.map((request) => request.answer));
      expect(answers.map((answer) => answer.status)).toEqual(Array(REQUESTS).fill(200));
      for (const answer of answers) {
        expect(answer.body.errors).toBeUndefined();
        expect(answer.body.data?.confirmPayment).toEqual({ order: null, userErrors: [{ code: 'PAYMENT_DECLINED' }] });
      }
      // and the process exits cleanly
      expect(await server.exited).toBe(0);
    } catch (error) {
      // What the gateway said is the evidence: keep it with the failure.
      const how = `exit code ${server.child.exitCode}, signal ${server.child.signalCode}`;
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- gateway (${how}):\n${server.output()}`, { cause: error });
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  }, 90_000);
});
