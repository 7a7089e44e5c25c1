import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { expectCode } from '../helpers/assertions';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture });
});
afterAll(() => gateway?.close());

async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(gateway.url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text };
}

interface ErrorBody {
  errors: Array<{ extensions: { code: string } }>;
}

async function productRows(): Promise<number> {
  return gateway.prisma.product.count();
}

describe('malformed requests get a GraphQL-over-HTTP error and the server keeps serving', () => {
  it.each([
    ['invalid JSON', '{"query": "{ categories { name } ', 'BAD_REQUEST'],
    ['a JSON array (batching is off)', '[{"query":"{ categories { name } }"}]', 'BAD_REQUEST'],
    ['no query', '{}', 'BAD_REQUEST'],
    ['a syntax error', JSON.stringify({ query: '{ categories { name }' }), 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', JSON.stringify({ query: '{ categories { colour } }' }), 'GRAPHQL_VALIDATION_FAILED'],
    ['a variable of the wrong type', JSON.stringify({ query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: 'ten' } }), 'BAD_USER_INPUT'],
  ])('%s → 400 with code %s', async (_name, body, code) => {
    // when the malformed request is posted
    const response = await post(body);

    // then it is a 400 in JSON, with the code
    expect(response.status).toBe(400);
    expect(response.type).toContain('application/json');
    expect(JSON.parse(response.text).errors[0].extensions.code).toBe(code);
  });

  it('refuses a simple text/plain POST (CSRF prevention) without running it', async () => {
    const response = await post(JSON.stringify({ query: '{ categories { name } }' }), { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
    expect(response.text).toContain('CSRF');
  });

  it('refuses a body over the 1 MB limit with 413 in JSON', async () => {
    const response = await post(JSON.stringify({ query: `{ categories { name } } #${'x'.repeat(1_100_000)}` }));
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers an unknown path with 404 in JSON', async () => {
    const response = await fetch(`${gateway.origin}/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).errors[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('still serves, and has written nothing, after all of the above', async () => {
    const response = await gateway.graphql<{ categories: Array<{ name: string }> }>('{ categories { name } }');
    expect(response.body.data?.categories.map((c) => c.name)).toEqual(['Garden', 'Kitchen', 'Office']);
    expect(await productRows()).toBe(31);
  });
});

describe('queries over GET', () => {
  it('runs a query given in the URL', async () => {
    const query = encodeURIComponent('{ categories { slug } }');
    const response = await fetch(`${gateway.url}?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { categories: unknown[] } }).data.categories).toHaveLength(3);
  });

  it('refuses a mutation over GET', async () => {
    const query = encodeURIComponent('mutation { __typename }');
    const response = await fetch(`${gateway.url}?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
  });
});

describe('operations', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${gateway.origin}/healthz`);
    const ready = await fetch(`${gateway.origin}/readyz`);
    expect([health.status, ready.status]).toEqual([200, 200]);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('gives every response a request id, keeping a sane one the client sent', async () => {
    const own = await gateway.graphql('{ categories { slug } }', undefined, { 'x-request-id': 'client-req-42' });
    const fresh = await gateway.graphql('{ categories { slug } }');
    expect(own.headers.get('x-request-id')).toBe('client-req-42');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id on errors', async () => {
    const response = await gateway.graphql('{ products(first: 500) { totalCount } }', undefined, { 'x-request-id': 'req-err-1' });
    expectCode(response, 'BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.extensions?.requestId).toBe('req-err-1');
  });

  it('serves the Sandbox landing page to a browser outside production', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<!DOCTYPE html>');
  });
});
