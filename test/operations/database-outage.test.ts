import { Client } from 'pg';
import { ACCOUNTS, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// A PostgreSQL outage, on a database this test owns: connections refused and
// every backend killed, then allowed again. Requests must fail fast with
// SERVICE_UNAVAILABLE (503, Retry-After, nothing internal), /readyz must say
// 503, and service must resume without a restart. PGlite runs in-process and
// cannot be taken away like this, so the test needs TEST_DATABASE_URL.

const POSTGRES = Boolean(process.env.TEST_DATABASE_URL);
if (!POSTGRES) console.warn('TEST_DATABASE_URL is unset: the database outage test (PostgreSQL only) is skipped.');

const CATALOG = '{ products(first: 3) { nodes { name category { name } } } }';

(POSTGRES ? describe : describe.skip)('the database goes away and comes back', () => {
  let gateway: TestGateway;
  let admin: Client;
  let alice: Customer;
  let databaseName: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
    alice = await signedIn(gateway, ACCOUNTS.alice.email);
    databaseName = new URL(gateway.testDatabase.url).pathname.slice(1);
    admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
    await admin?.end();
    await gateway?.close();
  });

  async function post(query: string, headers: Record<string, string> = {}) {
    const started = Date.now();
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    const text = await response.text();
    return { status: response.status, retryAfter: response.headers.get('retry-after'), text, body: JSON.parse(text) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> }, ms: Date.now() - started };
  }

  it('answers 503 SERVICE_UNAVAILABLE fast while it is down, and serves again once it is back, without a restart', async () => {
    // given a working gateway
    expect((await post(CATALOG)).status).toBe(200);

    // when the database refuses connections and kills every backend
    await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [databaseName]);

    // then anonymous and signed-in requests fail fast with 503, a Retry-After and nothing internal
    for (const headers of [{}, alice.headers]) {
      const down = await post(CATALOG, headers);
      expect(down.status).toBe(503);
      expect(down.retryAfter).toBe('5');
      expect(down.ms).toBeLessThan(5000);
      expect(down.body.errors?.map((error) => error.extensions?.code)).toContain('SERVICE_UNAVAILABLE');
      expect(down.text).not.toMatch(/accepting connections|terminating|postgres|57P01|55000|storefront_test/i);
    }
    // and the readiness check says so
    const ready = await fetch(`${gateway.origin}/readyz`);
    expect(ready.status).toBe(503);

    // when the database is back
    await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);

    // then the same gateway serves again by itself
    const deadline = Date.now() + 15_000;
    let back = await post(CATALOG);
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      back = await post(CATALOG);
    }
    expect(back.status).toBe(200);
    expect(back.body.errors).toBeUndefined();
    expect((await fetch(`${gateway.origin}/readyz`)).status).toBe(200);
    const again = await post('{ viewer { email } }', alice.headers);
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data).toEqual({ viewer: { email: ACCOUNTS.alice.email } });
  }, 60_000);
});
