import net from 'node:net';
import { expectCode, expectNoErrors } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';

const SHOP = 'https://shop.example.com';

/** The directives of a Content-Security-Policy header, by name. */
function cspDirectives(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name!, values]),
  );
}

/** Asserts the security headers every response carries, whatever route answered it. */
function expectSecurityHeaders(headers: Headers): void {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(headers.get('x-powered-by')).toBeNull();
  expect(headers.get('content-security-policy')).toBeTruthy();
}

describe('a production gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedCatalogFixture, env: { ...PRODUCTION_ENV, CORS_ORIGINS: SHOP } });
  });
  afterAll(() => gateway?.close());

  it('sends security headers, and a policy that allows nothing to load, on GraphQL, health, 404 and 413 responses', async () => {
    const responses = await Promise.all([
      fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ categories { slug } }' }) }),
      fetch(`${gateway.origin}/healthz`),
      fetch(`${gateway.origin}/nowhere`),
      fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `#${'x'.repeat(1_100_000)}` }) }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 404, 413]);
    for (const response of responses) {
      expectSecurityHeaders(response.headers);
      const csp = cspDirectives(response.headers.get('content-security-policy'));
      expect(csp.get('default-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    }
  });

  it('answers a body over 1 MB with 413 and a GraphQL-shaped BAD_REQUEST', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ categories { slug } }', variables: { padding: 'x'.repeat(1_000_001) } }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it.each([
    ['a misspelt field', '{ categories { nam } }', 'Cannot query field "nam" on type "Category".'],
    ['a misspelt argument', '{ products(frist: 2) { totalCount } }', 'Unknown argument "frist" on field "Query.products".'],
    ['a misspelt type', 'query($order: ProductOrdr) { products(orderBy: $order) { totalCount } }', 'Unknown type "ProductOrdr".'],
    ['a misspelt enum value', '{ products(orderBy: { field: PRIC, direction: ASC }) { totalCount } }', 'Value "PRIC" does not exist in "ProductSortField" enum.'],
  ])('names no suggestion for %s ("Did you mean" would reveal the schema)', async (_case, query, message) => {
    const response = await gateway.graphql(query);
    const error = expectCode(response, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe(message);
  });

  it('names no suggestion for a misspelt enum value in variables either', async () => {
    const response = await gateway.graphql('query($order: ProductOrder) { products(orderBy: $order) { totalCount } }', { order: { field: 'PRIC', direction: 'ASC' } });
    const error = expectCode(response, 'BAD_USER_INPUT');
    expect(error.message).toContain('Value "PRIC" does not exist in "ProductSortField" enum.');
    expect(error.message).not.toMatch(/did you mean/i);
  });

  it.each([
    ['__schema', '{ __schema { queryType { name } } }', undefined],
    ['__type of a type', '{ __type(name: "Product") { fields { name } } }', undefined],
    ['__type of a type named by a variable', 'query($name: String!) { __type(name: $name) { name } }', { name: 'Query' }],
    ['__type of a type named by a default value', 'query($name: String = "Order") { __type(name: $name) { name } }', {}],
    ['__type inside a fragment', 'query { ...Probe } fragment Probe on Query { __type(name: "User") { name } }', undefined],
  ])('refuses introspection (%s) with 400 before execution', async (_case, query, variables) => {
    const { result, statements } = await gateway.countStatements(() => gateway.graphql(query, variables));
    expect(result.status).toBe(400);
    const error = expectCode(result, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe('Introspection is disabled on this server.');
    expect(result.body.data).toBeUndefined();
    expect(statements).toBe(0);
  });

  it('answers __type of a name that is no type with null, as with introspection on, and keeps __typename', async () => {
    const response = await gateway.graphql('{ __typename __type(name: "Run🏃Swim🏊") { name } }');
    expectNoErrors(response);
    expect(response.body.data).toEqual({ __typename: 'Query', __type: null });
  });

  it('lets an allowed origin through CORS, preflight included', async () => {
    const preflight = await fetch(gateway.url, {
      method: 'OPTIONS',
      headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,authorization');

    const response = await gateway.graphql('{ categories { slug } }', undefined, { origin: SHOP });
    expectNoErrors(response);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
  });

  it('gives any other origin no CORS permission', async () => {
    const preflight = await fetch(gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const response = await gateway.graphql('{ categories { slug } }', undefined, { origin: 'https://evil.example.com' });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('a production gateway with GRAPHQL_INTROSPECTION=true', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { ...PRODUCTION_ENV, GRAPHQL_INTROSPECTION: 'true' } });
  });
  afterAll(() => gateway?.close());

  it('answers introspection and serves the Sandbox page', async () => {
    const introspection = await gateway.graphql<{ __schema: { queryType: { name: string } } }>('{ __schema { queryType { name } } }');
    expectNoErrors(introspection);
    expect(introspection.body.data?.__schema.queryType.name).toBe('Query');
    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('<!DOCTYPE html>');
  });
});

describe('a development gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { NODE_ENV: 'development' } });
  });
  afterAll(() => gateway?.close());

  it('keeps suggestions, which help while writing a client', async () => {
    const error = expectCode(await gateway.graphql('{ categories { nam } }'), 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe('Cannot query field "nam" on type "Category". Did you mean "name"?');
  });

  it('serves the Sandbox page with a policy that allows exactly its CDN script, its frame and requests back here', async () => {
    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    const html = await page.text();
    const script = /<script nonce="[0-9a-f]+" src="(https:\/\/[^/"]+)\//.exec(html)?.[1];
    expect(script).toBe('https://embeddable-sandbox.cdn.apollographql.com');

    const csp = cspDirectives(page.headers.get('content-security-policy'));
    expect(csp.get('script-src')).toEqual(expect.arrayContaining(["'self'", script!]));
    // Inline code is allowed by the header only: the page's own <meta> policy admits just its nonce-tagged scripts.
    expect(csp.get('script-src')).toContain("'unsafe-inline'");
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'nonce-/);
    expect(csp.get('frame-src')).toContain('https://sandbox.embed.apollographql.com');
    expect(csp.get('connect-src')).toContain("'self'");
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });
});

describe('request timeouts (REQUEST_TIMEOUT_MS)', () => {
  const TIMEOUT_MS = 3_000;
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedCatalogFixture, env: { REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) } });
  });
  afterAll(() => gateway?.close());

  it('answers 503 SERVICE_UNAVAILABLE when an operation has not finished in time, and keeps serving', async () => {
    // given the table the operation reads is locked by another transaction until the answer arrives
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = gateway.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe('LOCK TABLE "Category" IN ACCESS EXCLUSIVE MODE');
        locked();
        await released;
      },
      { timeout: 120_000, maxWait: 120_000 },
    );
    await isLocked;

    // when a client reads it
    let response;
    try {
      response = await gateway.graphql('{ categories { slug } }');
    } finally {
      release();
      await holder;
    }

    // then it gets a timeout answer in the GraphQL-over-HTTP shape
    expect(response.status).toBe(503);
    const error = expectCode(response, 'SERVICE_UNAVAILABLE');
    expect(error.message).toBe(`The request did not complete within ${TIMEOUT_MS} ms.`);
    expect(error.extensions?.requestId).toEqual(expect.any(String));

    // and the late result of the operation disturbs nothing: the next request is answered normally
    const next = await gateway.graphql<{ categories: unknown[] }>('{ categories { slug } }');
    expectNoErrors(next);
    expect(next.body.data?.categories).toHaveLength(3);
  });

  it('answers 408 and closes the connection when a request body does not arrive in time', async () => {
    // given a client that announces 100 bytes and sends 10
    const { port } = new URL(gateway.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":');

    // then the server gives up on it with 408 and closes the connection
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});
