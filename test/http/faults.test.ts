import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Context } from '../../src/context';
import { classifyError, UNCODED_CLIENT_ERROR_CODE } from '../../src/graphql/faults';
import { loggingPlugin } from '../../src/graphql/plugins/logging';
import { createErrorFormatter } from '../../src/graphql/plugins/masking';
import { expectCode } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { captureLog, ERROR_LEVEL, type CapturedLog } from '../helpers/log-capture';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';

// Which errors are the client's and which are ours: src/graphql/faults.ts
// decides, masking (what the client sees) and logging (what is kept as a
// fault) both follow it. A client error keeps its code and message; a fault
// reaches the client only as INTERNAL_SERVER_ERROR with a request id, and the
// log has the whole error under that id.

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The fault entries the logging plugin wrote. */
function faultsIn(captured: CapturedLog) {
  return captured.entries().filter((entry) => entry.level === ERROR_LEVEL && entry.msg === 'resolver fault');
}

describe('classifyError', () => {
  it.each([
    { case: 'a known client code (BAD_USER_INPUT)', error: new GraphQLError('bad', { extensions: { code: 'BAD_USER_INPUT' } }), verdict: { fault: false, code: 'BAD_USER_INPUT' } },
    { case: "a code of graphql-js's own (GRAPHQL_VALIDATION_FAILED)", error: new GraphQLError('bad', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }), verdict: { fault: false, code: 'GRAPHQL_VALIDATION_FAILED' } },
    { case: 'a code nobody declared', error: new GraphQLError('odd', { extensions: { code: 'SOMETHING_ODD' } }), verdict: { fault: true } },
    { case: 'INTERNAL_SERVER_ERROR itself', error: new GraphQLError('oops', { extensions: { code: 'INTERNAL_SERVER_ERROR' } }), verdict: { fault: true } },
    {
      case: 'no code, HTTP 400 and no original error (an Apollo request error)',
      error: new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400 } } }),
      verdict: { fault: false, code: UNCODED_CLIENT_ERROR_CODE },
    },
    {
      case: 'no code, HTTP 400, but thrown by a resolver',
      error: new GraphQLError('boom', { originalError: new Error('boom'), extensions: { http: { status: 400 } } }),
      verdict: { fault: true },
    },
    { case: 'an exception from a resolver', error: new GraphQLError('connection refused', { originalError: new Error('connection refused') }), verdict: { fault: true } },
    { case: 'no code, HTTP 500', error: new GraphQLError('down', { extensions: { http: { status: 500 } } }), verdict: { fault: true } },
    { case: 'not an error at all', error: undefined, verdict: { fault: true } },
  ])('$case → $verdict', ({ error, verdict }) => {
    expect(classifyError(error)).toEqual(verdict);
  });

  it('calls BAD_REQUEST the code Apollo gives uncoded 4xx errors', () => {
    expect(UNCODED_CLIENT_ERROR_CODE).toBe('BAD_REQUEST');
  });
});

describe('an error with a code nobody declared, in production', () => {
  const odd = new GraphQLError('pool exhausted at db-3.internal:5432', { path: ['categories'], extensions: { code: 'SOMETHING_ODD' } });

  it('reaches the client masked: INTERNAL_SERVER_ERROR, a generic message, nothing internal', () => {
    // given the production formatter, when it formats the error
    const formatted = createErrorFormatter({ mask: true })({ message: odd.message, path: odd.path, extensions: { code: 'SOMETHING_ODD', stacktrace: ['at db.ts:1'] } }, odd);

    // then only the code and the path are left
    expect(formatted).toEqual({ message: 'Internal server error', locations: undefined, path: ['categories'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('is logged in full with the request id, while a client error is not logged as a fault', async () => {
    // given the logging plugin and a request context writing to a captured log
    const captured = captureLog();
    const contextValue = { log: captured.log, requestId: 'req-odd-1' } as Context;
    const listener = await loggingPlugin().requestDidStart!({ contextValue } as never);
    const clientError = new GraphQLError('first must be at most 100', { extensions: { code: 'BAD_USER_INPUT' } });

    // when a request meets the odd error and a client error
    await listener!.didEncounterErrors!({ contextValue, errors: [odd, clientError] } as never);

    // then exactly the odd one is logged as a fault, with its message and the request id
    expect(faultsIn(captured)).toEqual([
      expect.objectContaining({ requestId: 'req-odd-1', path: ['categories'], err: expect.objectContaining({ message: odd.message }) }),
    ]);
  });
});

describe('over HTTP, in production', () => {
  let gateway: TestGateway;
  let captured: CapturedLog;

  beforeAll(async () => {
    captured = captureLog();
    gateway = await startTestGateway({ seed: seedCatalogFixture, env: PRODUCTION_ENV, log: captured.log });
  });
  afterAll(() => gateway?.close());

  /** POSTs a raw GraphQL-over-HTTP body (the test gateway's helper sends only query and variables). */
  async function post(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
  }

  it('answers a persisted query whose hash does not match its query with 400 BAD_REQUEST, not as a fault', async () => {
    // given a query and the hash of another one
    const query = '{ categories { slug } }';
    const faultsBefore = faultsIn(captured).length;

    // when both are sent as an automatic persisted query
    const response = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ categories { name } }') } } });

    // then it is the client's error, readable, and nothing is logged as a fault
    expect(response.status).toBe(400);
    const error = expectCode(response.body.errors, 'BAD_REQUEST');
    expect(error.message).toBe('provided sha does not match query');
    expect(faultsIn(captured)).toHaveLength(faultsBefore);
  });

  it('answers an unknown hash without a query with PERSISTED_QUERY_NOT_FOUND, and runs it once registered', async () => {
    // given a query the gateway has never seen
    const query = '{ categories { slug } }';
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };

    // when only its hash is sent, then the client is told to send the query
    const unknown = await post({ extensions: { persistedQuery } });
    expectCode(unknown.body.errors, 'PERSISTED_QUERY_NOT_FOUND');

    // and when it sends both, then the query runs, and its hash alone works from then on
    expect((await post({ query, extensions: { persistedQuery } })).body.errors).toBeUndefined();
    const known = await post({ extensions: { persistedQuery } });
    expect(known).toMatchObject({ status: 200, body: { data: { categories: [{ slug: 'garden' }, { slug: 'kitchen' }, { slug: 'office' }] } } });
    expect(known.body.errors).toBeUndefined();
  });

  it('masks a fault from below the resolvers and logs it in full under the request id the client got', async () => {
    // given a fault below the resolvers: the table the catalog reads is gone
    await gateway.prisma.$executeRawUnsafe('ALTER TABLE "Category" RENAME TO "CategoryGone"');
    try {
      // when a client reads it
      const response = await gateway.graphql('{ categories { name } }', undefined, { 'x-request-id': 'req-fault-logged' });

      // then the client gets only the code and the request id to quote
      expectCode(response, 'INTERNAL_SERVER_ERROR');
      expect(response.body.errors?.[0]).toEqual({
        message: 'Internal server error',
        locations: expect.any(Array),
        path: ['categories'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-fault-logged' },
      });

      // and the log has the fault under that id, with what the client was not shown
      const [fault, ...more] = faultsIn(captured).filter((entry) => entry.requestId === 'req-fault-logged');
      expect(more).toEqual([]);
      expect(fault?.path).toEqual(['categories']);
      expect(fault?.err?.message).toMatch(/Category/);
      // and the request's summary line names the code sent
      const summary = captured.entries().find((entry) => entry.msg === 'graphql request' && entry.requestId === 'req-fault-logged');
      expect(summary?.errorCodes).toEqual(['INTERNAL_SERVER_ERROR']);
    } finally {
      await gateway.prisma.$executeRawUnsafe('ALTER TABLE "CategoryGone" RENAME TO "Category"');
    }
  });
});
