import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { expectNoErrors } from '../helpers/assertions';
import { PRODUCTION_ENV, startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// Every limit of an operation's shape at its default, just under and just
// over: the refusal is QUERY_TOO_COMPLEX naming the limit (400), and nothing
// of the operation runs, so not one SQL statement is sent. Anonymous
// requests: authenticating a token is a statement of its own.

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture });
});
afterAll(() => gateway?.close());

/** Sends `query` and returns the response with the SQL statements it caused. */
async function send(query: string, extra: { operationName?: string; variables?: Record<string, unknown> } = {}) {
  const { result, statements } = await gateway.countStatements(async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, ...extra }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
  });
  return { ...result, statements };
}

/** Asserts a refusal of `limit` before anything ran: 400, QUERY_TOO_COMPLEX with the numbers, no data, no SQL. */
function expectRefused(response: Awaited<ReturnType<typeof send>>, limit: string, numbers: { max: number; actual?: number }) {
  expect(response.status).toBe(400);
  expect(response.body.data).toBeUndefined();
  const refusals = (response.body.errors ?? []).filter((error) => error.extensions?.code === 'QUERY_TOO_COMPLEX');
  expect(refusals.map((error) => ({ limit: error.extensions?.limit, max: error.extensions?.max, actual: error.extensions?.actual }))).toEqual([
    { limit, max: numbers.max, actual: numbers.actual },
  ]);
  expect(refusals[0]!.message).toContain(limit);
  // Nothing else (the HTTP status Apollo took from the error is not repeated; the stack trace is development's).
  const keys = Object.keys(refusals[0]!.extensions!).filter((key) => key !== 'stacktrace');
  expect(keys.sort()).toEqual(['actual', 'code', 'limit', 'max', 'requestId'].filter((key) => key !== 'actual' || numbers.actual !== undefined));
  expect(response.statements).toBe(0);
  // A refused operation still reports its cost: it ran nothing, so it was charged nothing.
  expect(response.body.extensions?.cost).toMatchObject({ actualQueryCost: 0 });
}

/**
 * A query `depth` fields deep that costs little: products(first: 1) → nodes
 * → category → products(first: 1) → …, ending in a scalar.
 */
function nested(depth: number): string {
  const steps = ['products(first: 1)', 'nodes', 'category'];
  // The scalar that ends a path after each step: a connection's totalCount, a product's or a category's name.
  const leaves = ['totalCount', 'name', 'name'];
  let query = leaves[(depth - 2) % 3]!;
  for (let level = depth - 2; level >= 0; level -= 1) query = `${steps[level % 3]} { ${query} }`;
  return `{ ${query} }`;
}

describe('depth (at most 12 fields from the root field to the deepest leaf)', () => {
  it('runs an operation 12 fields deep', async () => {
    // given a query nested exactly 12 levels
    const query = nested(12);
    expect(query.match(/\{/g)).toHaveLength(12);

    // when it is sent, then it runs
    const response = await send(query);
    expectNoErrors(response);
    expect(response.statements).toBeGreaterThan(0);
  });

  it.each([13, 50])('refuses one %i fields deep before it runs', async (depth) => {
    expectRefused(await send(nested(depth)), 'depth', { max: 12, actual: depth });
  });

  it('counts fragments where they are spread, adding no depth of their own', async () => {
    // given 13 levels, the last four in a fragment and an inline fragment
    const fragment = 'fragment deeper on Category { products(first: 1) { ... on ProductConnection { nodes { category { name } } } } }';
    const query = `${nested(10).replace(/category \{ name \}/, 'category { ...deeper }')} ${fragment}`;
    expect(query).toContain('...deeper');

    // then the depth is 13
    expectRefused(await send(query), 'depth', { max: 12, actual: 13 });
  });
});

describe('aliases (at most 30)', () => {
  const aliased = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: __typename`).join(' ')} }`;

  it('runs 30 aliases', async () => {
    const response = await send(aliased(30));
    expectNoErrors(response);
    expect(Object.keys(response.body.data ?? {})).toHaveLength(30);
  });

  it.each([31, 500])('refuses %i aliases', async (count) => {
    expectRefused(await send(aliased(count)), 'aliases', { max: 30, actual: count });
  });

  it('counts the aliases of a fragment each time it is spread', async () => {
    // given 10 aliases in a fragment spread into 4 aliased fields (4 + 4 × 10 = 44)
    const query = `{ ${[1, 2, 3, 4].map((i) => `c${i}: categories { ...names }`).join(' ')} } fragment names on Category { ${Array.from({ length: 10 }, (_, i) => `n${i}: name`).join(' ')} }`;
    expectRefused(await send(query), 'aliases', { max: 30, actual: 44 });
  });
});

describe('tokens (at most 5,000, counted by the parser)', () => {
  // Operations of 5 tokens each (`query Qn { __typename }`): only the named one runs.
  const operations = (count: number, extra = '') =>
    Array.from({ length: count }, (_, i) => `query Q${i} { __typename${i === count - 1 ? extra : ''} }`).join('\n');

  it('runs a document of exactly 5,000 tokens', async () => {
    const response = await send(operations(1000), { operationName: 'Q0' });
    expectNoErrors(response);
    expect(response.body.data).toEqual({ __typename: 'Query' });
  });

  it('refuses a document of 5,001 tokens without parsing it to the end', async () => {
    expectRefused(await send(operations(1000, ' __typename'), { operationName: 'Q0' }), 'tokens', { max: 5000 });
  });

  it('reports a syntax error before the limit as the syntax error it is', async () => {
    const response = await send(`{ categories { name } } } ${operations(1000)}`);
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });
});

describe('directives (at most 50)', () => {
  const directed = (count: number) => `{ ${Array.from({ length: count }, () => '__typename @include(if: true)').join(' ')} }`;

  it('runs 50 directives', async () => {
    expectNoErrors(await send(directed(50)));
  });

  it('refuses 51 directives', async () => {
    expectRefused(await send(directed(51)), 'directives', { max: 50, actual: 51 });
  });
});

describe('cost (at most 1,000)', () => {
  it('refuses three nested products(first: 100) before a row is read', async () => {
    // 1 + 100 × (1 + 1 + 1 + 100 × (1 + 1 + 1 + 100 × 1)) = 1,030,301
    const query = '{ products(first: 100) { nodes { category { products(first: 100) { nodes { category { products(first: 100) { nodes { id } } } } } } } } }';
    expectRefused(await send(query), 'cost', { max: 1000, actual: 1_030_301 });
  });

  it('prices slicing arguments given as variables', async () => {
    const query = 'query Page($n: Int) { products(first: $n) { nodes { name reviews(first: $n) { nodes { body } } } } }';
    // 1 + n × (1 + 1 + n): 673 for 25 runs, 1,041 for 31 is refused
    const under = await send(query, { variables: { n: 25 } });
    expectNoErrors(under);
    expect(under.body.extensions?.cost).toMatchObject({ requestedQueryCost: 1 + 25 * 27 });
    expectRefused(await send(query, { variables: { n: 31 } }), 'cost', { max: 1000, actual: 1 + 31 * 33 });
  });

  it('refuses exponentially nested fragment spreads by their cost, priced without expanding them', async () => {
    // given 40 fragments, each spreading the next one twice: 2^40 copies of categories { slug }
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const query = `{ ...F0 }\n${fragments}\nfragment F40 on Query { categories { slug } }`;

    // then it is refused by its cost (2^40 × 20), with no statement sent
    expectRefused(await send(query), 'cost', { max: 1000, actual: 2 ** 40 * 20 });
  });
});

describe('what graphql-js and Apollo refuse by themselves', () => {
  it('refuses fragment cycles at validation, with no SQL', async () => {
    const response = await send('{ ...A } fragment A on Query { categories { name } ...B } fragment B on Query { ...A }');
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors?.[0]?.message).toMatch(/Cannot spread fragment "A" within itself/);
    expect(response.statements).toBe(0);
  });

  it('refuses a batch of operations (batching is off), with no SQL', async () => {
    const { result, statements } = await gateway.countStatements(async () => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ query: '{ categories { name } }' }, { query: '{ categories { slug } }' }]),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
    });
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
    expect(statements).toBe(0);
  });
});

describe('in production', () => {
  let production: TestGateway;
  beforeAll(async () => {
    production = await startTestGateway({ env: PRODUCTION_ENV });
  });
  afterAll(() => production?.close());

  it('refuses with the same code and a readable message: a refusal is the client\'s, not a masked fault', async () => {
    const response = await production.graphql(nested(13));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        message: 'The operation nests fields deeper (13) than the gateway allows (depth: at most 12).',
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 12, actual: 13, requestId: expect.any(String) },
      },
    ]);
  });
});
