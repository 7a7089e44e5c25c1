import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createPrismaClient, StatementCounter } from '../../src/db/prisma';
import { ACCOUNTS, DEMO_PASSWORD, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// Two gateway processes (`src/server.ts`, as `npm start` runs it) on one
// PostgreSQL database and one Redis, as behind a load balancer: they must
// behave as one. A payment made through A reaches a subscriber on B; a page
// cached by A is served by B and dropped by an edit made through B; and a
// client's rate-limit budget spent on A is spent on B too.

const DATABASE = process.env.TEST_DATABASE_URL;
const REDIS_URL = process.env.TEST_REDIS_URL;
const ROOT = path.resolve(__dirname, '..', '..');

if (!DATABASE || !REDIS_URL) {
  console.warn('TEST_DATABASE_URL and TEST_REDIS_URL are not both set: the test of two gateway processes on one PostgreSQL and one Redis is skipped.');
}

const PAGE = '{ products(first: 5) { nodes { id name inStock } } }';
type Page = { products: { nodes: Array<{ id: string; name: string; inStock: boolean }> } };

interface Instance {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

interface Answer<T> {
  status: number;
  cache: string | null;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function graphql<T = Record<string, any>>(url: string, query: string, variables?: Record<string, unknown>, token?: string): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, cache: response.headers.get('x-cache'), body: (await response.json()) as Answer<T>['body'] };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

(DATABASE && REDIS_URL ? describe : describe.skip)('two gateway processes on one PostgreSQL and one Redis', () => {
  let database: TestDatabase;
  /** Every process started, stopped in afterAll even when another one failed to start. */
  const processes: Array<Pick<Instance, 'child' | 'exited'>> = [];
  // This run's own rate-limit keys, so other runs on the same Redis never share its budgets.
  const rateLimitPrefix = `storefront-test-${randomUUID()}:`;

  async function start(name: string): Promise<Instance> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      PORT: '0',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      DATABASE_URL: database.url,
      // The embedded database is one session behind every connection: a statement prepared by a closed connection would outlive it.
      DATABASE_PREPARED_STATEMENTS: String(!database.embedded),
      DATABASE_POOL_SIZE: '5',
      REDIS_URL,
      PAYMENT_API_KEY: 'sk_test_two_instances',
      PAYMENT_WEBHOOK_SECRET: 'whsec_two_instances_shared_secret',
      RESPONSE_CACHE: 'true',
      RATE_LIMIT_POINTS: '1000',
      RATE_LIMIT_RESTORE_RATE: '1',
      RATE_LIMIT_REDIS_PREFIX: rateLimitPrefix,
    };
    delete env.NODE_OPTIONS;
    // As `npm start` runs it: one process, so SIGTERM reaches the gateway itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    processes.push({ child, exited });
    // Generous: on a busy machine, compiling the sources at start-up takes a while.
    const deadline = Date.now() + 150_000;
    for (;;) {
      const url = /running at (http:\/\/\S+\/graphql)/.exec(output)?.[1];
      if (url) return { url, child, exited, output: () => output };
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gateway ${name} did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    database = await createTestDatabase();
    const prisma = createPrismaClient(database.url, { poolSize: 2, statements: new StatementCounter() });
    await seedAccountsWithCatalog(prisma);
    await prisma.product.updateMany({ data: { stockQuantity: 100 } });
    await prisma.$disconnect();
    [a, b] = await Promise.all([start('A'), start('B')]);
  }, 240_000);

  afterAll(async () => {
    for (const { child } of processes) if (child.exitCode === null) child.kill('SIGTERM');
    const codes = await Promise.all(processes.map(({ exited }) => exited));
    await database?.drop();
    // Both stop cleanly: a gateway sharing Redis shuts down like a lone one.
    expect(codes).toEqual(processes.map(() => 0));
  }, 60_000);

  async function login(url: string, email: string): Promise<string> {
    const answer = await graphql<{ login: { accessToken: string } }>(url, 'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }', {
      input: { email, password: DEMO_PASSWORD },
    });
    const token = answer.body.data?.login.accessToken;
    if (!token) throw new Error(`login as ${email} failed: ${JSON.stringify(answer.body)}`);
    return token;
  }

  it('tells a subscriber on B that an order paid through A is PAID', async () => {
    // given alice's new order, placed through A, and her subscription to it on B
    const token = await login(a.url, ACCOUNTS.alice.email);
    const page = await graphql<Page>(a.url, PAGE);
    const productId = page.body.data!.products.nodes[0]!.id;
    await graphql(a.url, 'mutation C($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }', { input: { productId, quantity: 1 } }, token);
    const placed = await graphql<{ checkout: { order: { id: string } } }>(
      a.url, 'mutation K($input: CheckoutInput!) { checkout(input: $input) { order { id } userErrors { code } } }', { input: { idempotencyKey: randomUUID() } }, token,
    );
    const orderId = placed.body.data!.checkout.order.id;
    const statuses: string[] = [];
    const problems: unknown[] = [];
    let connected = false;
    const client = createClient({ url: b.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    client.on('connected', () => (connected = true));
    client.subscribe<{ orderStatusChanged: { status: string; order: { id: string } } }>(
      { query: 'subscription S($orderId: ID!) { orderStatusChanged(orderId: $orderId) { status order { id } } }', variables: { orderId } },
      { next: (result) => (result.data ? statuses.push(result.data.orderStatusChanged.status) : problems.push(result.errors)), error: (error) => problems.push(error), complete: () => undefined },
    );
    try {
      await eventually(() => connected, 'the subscription on B to connect');
      // A moment for B to SUBSCRIBE at Redis before the payment can complete.
      await new Promise((resolve) => setTimeout(resolve, 300));

      // when she pays through A (A's sandbox provider confirms through a signed webhook to A)
      const paid = await graphql<{ confirmPayment: { userErrors: unknown[] } }>(
        a.url, 'mutation P($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { userErrors { code } } }', { input: { orderId, paymentMethod: 'pm_card_visa' } }, token,
      );
      expect(paid.body.data?.confirmPayment.userErrors).toEqual([]);

      // then the subscriber on B hears PAID
      await eventually(() => statuses.includes('PAID') || problems.length > 0, 'PAID on B');
      expect(problems).toEqual([]);
      expect(statuses).toContain('PAID');
    } finally {
      await client.dispose();
    }
  }, 60_000);

  it('share one response cache: a page A stored is served by B, and an edit through B drops it for A', async () => {
    // given a page A has answered (and stored)
    const staffToken = await login(b.url, ACCOUNTS.staff.email);
    const query = PAGE.replace('first: 5', 'first: 4');
    const fromA = await graphql<Page>(a.url, query);
    expect(fromA.cache).toBe('MISS');

    // when B is asked the same, then B answers from the shared cache
    const fromB = await graphql<Page>(b.url, query);
    expect(fromB.cache).toBe('HIT');
    expect(fromB.body.data).toEqual(fromA.body.data);

    // when staff rename the first product through B
    const product = fromB.body.data!.products.nodes[0]!;
    const edit = await graphql<{ updateProduct: { userErrors: unknown[] } }>(
      b.url, 'mutation U($input: UpdateProductInput!) { updateProduct(input: $input) { userErrors { code } } }', { input: { productId: product.id, name: 'Renamed through B' } }, staffToken,
    );
    expect(edit.body.data?.updateProduct.userErrors).toEqual([]);

    // then A computes the page again, with the new name
    const again = await graphql<Page>(a.url, query);
    expect(again.cache).toBe('MISS');
    expect(again.body.data?.products.nodes[0]?.name).toBe('Renamed through B');
  }, 60_000);

  it("share one rate-limit budget: a client who spent its budget on A is refused by B", async () => {
    // given an anonymous client spending its budget (1,000 points, 1 back per second) on A until A refuses
    const costly = '{ products(first: 50) { nodes { name } } }';
    let refusedByA: Answer<unknown> | null = null;
    for (let attempt = 0; attempt < 200 && !refusedByA; attempt += 1) {
      const answer = await graphql(a.url, costly);
      if (answer.status === 429) refusedByA = answer;
    }
    expect(refusedByA?.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

    // when it turns to B
    const fromB = await graphql(b.url, costly);

    // then B refuses too: the budget is one, in Redis
    expect(fromB.status).toBe(429);
    expect(fromB.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  }, 60_000);
});
