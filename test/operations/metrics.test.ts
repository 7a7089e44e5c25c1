import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signatureHeader } from '../../src/integrations/payments/signature';
import { MAX_AD_HOC_OPERATION_NAMES } from '../../src/observability/bounded-labels';
import { seedAccountsWithCatalog, signedIn } from '../helpers/account-fixture';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { post, startObservedGateway } from './observed-gateway';

// /metrics as Prometheus scrapes it: every series the operations guide
// lists, with values that follow from the requests a test sent; operation
// labels that stay few whatever names clients invent; and, in production,
// nothing served to whoever asks on the public port.

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric in Prometheus' text format. */
function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples(text, name).filter((sample) => Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted));
  if (matching.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} samples`);
  return matching[0]?.value;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const CATALOG_PAGE = /* GraphQL */ `
  query CatalogPage {
    products(first: 5) {
      nodes { name category { name } reviews(first: 3) { nodes { rating author { name } } } }
    }
  }
`;

// The categories' product lists are not read ahead: their relations load through DataLoader batches.
const CATEGORY_PAGES = /* GraphQL */ `
  query CategoryPages {
    categories { products(first: 2) { nodes { category { name } reviews(first: 3) { nodes { author { name } } } } } }
  }
`;

const ORDER_STATUS = /* GraphQL */ `
  subscription OrderStatus($orderId: ID!) { orderStatusChanged(orderId: $orderId) { status } }
`;

describe('/metrics after a catalog page, a refused query, webhooks, a payment and a subscription', () => {
  let gateway: TestGateway;
  let text: string;
  let openWhileSubscribed: number | undefined;
  let openAfterwards: number | undefined;

  const scrape = async () => (await fetch(`${gateway.origin}/metrics`)).text();

  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedAccountsWithCatalog, env: { SIGN_IN_ATTEMPTS_PER_ACCOUNT: '2' } });
    await gateway.prisma.product.updateMany({ data: { stockQuantity: 100 } });

    // a catalog page (a client operation's name)
    expect((await gateway.graphql(CATALOG_PAGE)).body.errors).toBeUndefined();
    expect((await gateway.graphql(CATEGORY_PAGES)).body.errors).toBeUndefined();
    // a query refused by validation
    expect((await gateway.graphql('query Refused { noSuchField }')).status).toBe(400);
    // a third sign-in attempt at one account, refused by the sign-in limit
    const login = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }';
    const attempts = [];
    for (let attempt = 0; attempt < 3; attempt += 1) attempts.push(await gateway.graphql(login, { input: { email: 'bob@example.com', password: 'not-his-password' } }));
    expect(attempts.map((attempt) => attempt.status)).toEqual([200, 200, 429]);
    // a forged webhook
    const forged = await fetch(`${gateway.origin}/webhooks/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'payment-signature': signatureHeader('whsec_forged_forged_forged', '{}', 1) },
      body: '{}',
    });
    expect(forged.status).toBe(400);

    // a customer checks out (one provider call), subscribes to the order, pays (another), and the provider's webhook moves it
    const alice = await signedIn(gateway, 'alice@example.com');
    const product = await gateway.prisma.product.findFirstOrThrow({ where: { published: true } });
    const productId = Buffer.from(`Product:${product.id}`).toString('base64url');
    await gateway.graphql('mutation AddToCart($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }', { input: { productId, quantity: 1 } }, alice.headers);
    const checkout = await gateway.graphql<any>('mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { order { id } userErrors { code } } }', { input: { idempotencyKey: 'metrics-1' } }, alice.headers);
    const orderId = checkout.body.data.checkout.order.id as string;

    const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: alice.headers.authorization }, retryAttempts: 0 });
    const statuses: string[] = [];
    const unsubscribe = client.subscribe<{ orderStatusChanged: { status: string } }>(
      { query: ORDER_STATUS, variables: { orderId } },
      { next: (result) => void statuses.push(String(result.data?.orderStatusChanged.status)), error: () => undefined, complete: () => undefined },
    );
    await eventually(async () => value(await scrape(), 'graphql_subscriptions_open') === 1, 'the subscription to be open');
    openWhileSubscribed = value(await scrape(), 'graphql_subscriptions_open');

    await gateway.graphql('mutation Pay($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { userErrors { code } } }', { input: { orderId, paymentMethod: 'pm_card_visa' } }, alice.headers);
    await eventually(async () => statuses.includes('PAID'), 'the order to be paid');
    unsubscribe();
    await client.dispose();
    await eventually(async () => value(await scrape(), 'graphql_subscriptions_open') === 0, 'the subscription to end');
    openAfterwards = value(await scrape(), 'graphql_subscriptions_open');

    text = await scrape();
    // A whole shopping journey: slow on a loaded machine.
  }, 120_000);
  afterAll(() => gateway?.close());

  it('times each request by operation and outcome', () => {
    // then the catalog page is one successful CatalogPage, the refused query one client error
    expect(value(text, 'graphql_request_duration_seconds_count', { operation: 'CatalogPage', outcome: 'success' })).toBe(1);
    expect(value(text, 'graphql_request_duration_seconds_sum', { operation: 'CatalogPage', outcome: 'success' })).toBeGreaterThan(0);
    expect(value(text, 'graphql_request_duration_seconds_count', { operation: 'Refused', outcome: 'client_error' })).toBe(1);
    expect(value(text, 'graphql_request_duration_seconds_count', { operation: 'Checkout', outcome: 'success' })).toBe(1);
  });

  it('counts errors by code', () => {
    expect(value(text, 'graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(value(text, 'graphql_errors_total', { code: 'RATE_LIMITED' })).toBe(1);
    expect(samples(text, 'graphql_errors_total').map((sample) => sample.labels.code)).not.toContain('INTERNAL_SERVER_ERROR');
  });

  it('records the SQL statements of each operation', () => {
    // then the catalog page's own statement is recorded (the products with their categories, reviews and
    // authors, read ahead in one), not the background jobs' that ran meanwhile
    expect(value(text, 'graphql_sql_statements_count', { operation: 'CatalogPage' })).toBe(1);
    expect(value(text, 'graphql_sql_statements_sum', { operation: 'CatalogPage' })).toBe(1);
    expect(value(text, 'graphql_sql_statements_bucket', { operation: 'CatalogPage', le: '1' })).toBe(1);
    expect(value(text, 'graphql_sql_statements_bucket', { operation: 'CatalogPage', le: '0' })).toBe(0);
    // and the category pages' (categories; their products; the products' categories, reviews, authors)
    expect(value(text, 'graphql_sql_statements_sum', { operation: 'CategoryPages' })).toBe(5);
  });

  it('records DataLoader batch sizes by loader', () => {
    // then the 3 categories' product pages came in one batch of three, their six products' reviews in one batch
    // of six and the products' 3 categories in one of three
    expect(value(text, 'dataloader_batch_size_sum', { loader: 'productPageByCategory' })).toBe(3);
    expect(value(text, 'dataloader_batch_size_sum', { loader: 'reviewPageByProduct' })).toBe(6);
    expect(value(text, 'dataloader_batch_size_count', { loader: 'reviewPageByProduct' })).toBe(1);
    expect(value(text, 'dataloader_batch_size_sum', { loader: 'categoryById' })).toBe(3);
    expect(samples(text, 'dataloader_batch_size_count').map((sample) => sample.labels.loader)).not.toContain('unnamed');
  });

  it('counts webhook deliveries by outcome', () => {
    expect(value(text, 'payment_webhook_events_total', { outcome: 'bad_signature' })).toBe(1);
    expect(value(text, 'payment_webhook_events_total', { outcome: 'applied' })).toBe(1);
    expect(value(text, 'payment_webhook_events_total', { outcome: 'duplicate' })).toBe(0);
  });

  it('counts provider calls by operation and outcome, and shows the circuit closed', () => {
    expect(value(text, 'payment_provider_calls_total', { operation: 'createIntent', outcome: 'ok' })).toBe(1);
    expect(value(text, 'payment_provider_calls_total', { operation: 'confirmIntent', outcome: 'ok' })).toBe(1);
    expect(value(text, 'payment_provider_calls_total', { operation: 'createIntent', outcome: 'unavailable' })).toBe(0);
    expect(value(text, 'payment_provider_circuit_state')).toBe(0);
  });

  it('shows the subscriptions open', () => {
    expect(openWhileSubscribed).toBe(1);
    expect(openAfterwards).toBe(0);
  });

  it('counts rate-limit refusals by limit', () => {
    expect(value(text, 'rate_limit_refusals_total', { kind: 'sign_in' })).toBe(1);
    expect(value(text, 'graphql_request_duration_seconds_count', { operation: 'Login', outcome: 'client_error' })).toBe(1);
  });

  it('has the Node process metrics', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(value(text, name)).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('operation labels', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway?.close());

  it('stay bounded after 500 distinct ad-hoc operation names', async () => {
    // given 500 requests, each with an operation name never seen before, and one of a client operation
    for (let index = 0; index < 500; index += 1) {
      expect((await gateway.graphql(`query AdHoc${index} { __typename }`)).status).toBe(200);
    }
    await gateway.graphql('query CatalogPage { __typename }');
    await gateway.graphql('{ __typename }');

    // when scraped
    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    const operations = new Set(samples(text, 'graphql_request_duration_seconds_count').map((sample) => sample.labels.operation));

    // then the first 50 names have a label each, every later one is `other`, and a client operation and an anonymous one keep theirs
    const adHoc = [...operations].filter((name) => name?.startsWith('AdHoc'));
    expect(adHoc).toHaveLength(MAX_AD_HOC_OPERATION_NAMES);
    expect(value(text, 'graphql_request_duration_seconds_count', { operation: 'other', outcome: 'success' })).toBe(500 - MAX_AD_HOC_OPERATION_NAMES);
    expect(value(text, 'graphql_request_duration_seconds_count', { operation: 'CatalogPage', outcome: 'success' })).toBe(1);
    expect(value(text, 'graphql_request_duration_seconds_count', { operation: 'anonymous', outcome: 'success' })).toBe(1);
    expect(operations.size).toBe(MAX_AD_HOC_OPERATION_NAMES + 3);
  });
});

describe('/metrics in production', () => {
  const TOKEN = 'metrics-token-for-the-production-tests';

  it('is not served on the main port without METRICS_TOKEN or METRICS_PORT', async () => {
    const gateway = await startTestGateway({ env: { ...PRODUCTION_ENV } });
    try {
      expect((await fetch(`${gateway.origin}/metrics`)).status).toBe(404);
    } finally {
      await gateway.close();
    }
  });

  it('asks for METRICS_TOKEN as a bearer token on the main port', async () => {
    const gateway = await startTestGateway({ env: { ...PRODUCTION_ENV, METRICS_TOKEN: TOKEN } });
    try {
      // given a production gateway with a metrics token, when /metrics is asked without it or with another
      const anonymous = await fetch(`${gateway.origin}/metrics`);
      const wrong = await fetch(`${gateway.origin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
      // then both are refused, saying how to authenticate
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain('graphql_');
      // and with it the metrics are served
      const allowed = await fetch(`${gateway.origin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await allowed.text()).toContain('# TYPE graphql_request_duration_seconds histogram');
    } finally {
      await gateway.close();
    }
  });

  it('serves them on METRICS_PORT only, when set', async () => {
    const observed = await startObservedGateway({ env: { ...PRODUCTION_ENV, METRICS_PORT: '0' } });
    try {
      // given a production gateway with a metrics port, when a query ran
      await post(observed.url, '{ __typename }');
      // then the main port has no /metrics, and the metrics port has them
      expect((await fetch(`${observed.origin}/metrics`)).status).toBe(404);
      expect(observed.gateway.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(observed.gateway.metricsUrl).not.toContain(`:${new URL(observed.origin).port}/`);
      const scraped = await fetch(observed.gateway.metricsUrl!);
      expect(scraped.status).toBe(200);
      expect(value(await scraped.text(), 'graphql_request_duration_seconds_count', { operation: 'anonymous', outcome: 'success' })).toBe(1);
    } finally {
      await observed.close();
    }
  });
});
