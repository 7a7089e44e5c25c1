import { randomBytes } from 'node:crypto';
import { documentId } from '../../src/graphql/persisted/manifest';
import { expectCode, expectNoErrors } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { postPersisted } from './persisted-request';

/** A query no earlier run has stored (an alias of its own), so a shared Redis cannot answer it from before. */
function freshQuery(): { query: string; hash: string } {
  const query = `{ c${randomBytes(6).toString('hex')}: categories { slug } }`;
  return { query, hash: documentId(query) };
}

const CATEGORY_SLUGS = ['garden', 'kitchen', 'office'];

function slugs(response: { body: { data?: Record<string, unknown> | null } }): string[] {
  const [categories] = Object.values(response.body.data ?? {}) as Array<Array<{ slug: string }>>;
  return (categories ?? []).map((category) => category.slug).sort();
}

describe('automatic persisted queries, in memory (no REDIS_URL)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedCatalogFixture });
  });
  afterAll(() => gateway?.close());

  it('round trip: an unknown hash is PERSISTED_QUERY_NOT_FOUND, hash and query run and store it, then the hash alone runs', async () => {
    const { query, hash } = freshQuery();

    // given a hash the gateway has never seen: not found, and nothing ran
    const { result: unknown, statements } = await gateway.countStatements(() => postPersisted(gateway.url, { hash }));
    expect(unknown.status).toBe(200);
    expectCode(unknown, 'PERSISTED_QUERY_NOT_FOUND');
    expect(statements).toBe(0);

    // when the client sends the query with its hash, it runs (and is stored)
    const registered = await postPersisted(gateway.url, { hash, query });
    expectNoErrors(registered);
    expect(slugs(registered)).toEqual(CATEGORY_SLUGS);

    // then the hash alone runs the same query
    const byHash = await postPersisted(gateway.url, { hash });
    expectNoErrors(byHash);
    expect(slugs(byHash)).toEqual(CATEGORY_SLUGS);
  });

  it('refuses a hash that is not the query’s with 400 BAD_REQUEST, running nothing and storing nothing', async () => {
    const { query } = freshQuery();
    const other = freshQuery();

    const { result, statements } = await gateway.countStatements(() => postPersisted(gateway.url, { hash: other.hash, query }));

    expect(result.status).toBe(400);
    expectCode(result, 'BAD_REQUEST');
    expect(statements).toBe(0);
    expectCode(await postPersisted(gateway.url, { hash: other.hash }), 'PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a protocol version other than 1 with 400 BAD_REQUEST', async () => {
    const { query, hash } = freshQuery();
    const response = await postPersisted(gateway.url, { hash, query, version: 2 });
    expect(response.status).toBe(400);
    expectCode(response, 'BAD_REQUEST');
  });

  it('stores nothing for a query that fails validation', async () => {
    // given a query with an unknown field, sent with its hash
    const query = `{ c${randomBytes(6).toString('hex')}: categories { colour } }`;
    const hash = documentId(query);
    const invalid = await postPersisted(gateway.url, { hash, query });
    expectCode(invalid, 'GRAPHQL_VALIDATION_FAILED');

    // then its hash is still unknown
    expectCode(await postPersisted(gateway.url, { hash }), 'PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('automatic persisted queries with PERSISTED_OPERATIONS=off', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { PERSISTED_OPERATIONS: 'off' } });
  });
  afterAll(() => gateway?.close());

  it('answers a persisted query with PERSISTED_QUERY_NOT_SUPPORTED, and still runs plain queries', async () => {
    const { query, hash } = freshQuery();
    expectCode(await postPersisted(gateway.url, { hash, query }), 'PERSISTED_QUERY_NOT_SUPPORTED');
    expectNoErrors(await gateway.graphql(query));
  });
});

describe('automatic persisted queries while Redis is unreachable', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // Port 1 on loopback: nothing listens there, every connection is refused at once.
    gateway = await startTestGateway({ seed: seedCatalogFixture, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(() => gateway?.close());

  it('still serves: a hash alone is not found, the hash with its query runs', async () => {
    const { query, hash } = freshQuery();
    expectCode(await postPersisted(gateway.url, { hash }), 'PERSISTED_QUERY_NOT_FOUND');
    const full = await postPersisted(gateway.url, { hash, query });
    expectNoErrors(full);
    expect(slugs(full)).toEqual(CATEGORY_SLUGS);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
const describeWithRedis = redisUrl ? describe : describe.skip;
if (!redisUrl) {
  // eslint-disable-next-line no-console
  console.log('Skipped: automatic persisted queries shared through Redis (set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379).');
}

describeWithRedis('automatic persisted queries in Redis (REDIS_URL), shared by two instances', () => {
  let first: TestGateway;
  let second: TestGateway;
  beforeAll(async () => {
    first = await startTestGateway({ seed: seedCatalogFixture, env: { REDIS_URL: redisUrl! } });
    second = await startTestGateway({ seed: seedCatalogFixture, env: { REDIS_URL: redisUrl! } });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it('runs on instance B a query that instance A stored', async () => {
    const { query, hash } = freshQuery();
    // given B does not know the hash
    expectCode(await postPersisted(second.url, { hash }), 'PERSISTED_QUERY_NOT_FOUND');

    // when A runs the query with its hash
    expectNoErrors(await postPersisted(first.url, { hash, query }));

    // then B runs it from the hash alone
    const fromB = await postPersisted(second.url, { hash });
    expectNoErrors(fromB);
    expect(slugs(fromB)).toEqual(CATEGORY_SLUGS);
  });
});
