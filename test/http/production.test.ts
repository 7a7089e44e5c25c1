import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { expectCode } from '../helpers/assertions';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture, env: PRODUCTION_ENV });
});
afterAll(() => gateway?.close());

describe('in production', () => {
  it('turns off introspection', async () => {
    const response = await gateway.graphql('{ __schema { types { name } } }');
    expect(response.status).toBe(400);
    expectCode(response, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('serves no Sandbox page', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toContain('<!DOCTYPE html>');
  });

  it('keeps client errors readable but without stack traces', async () => {
    const response = await gateway.graphql('{ products(first: 101) { totalCount } }');
    expectCode(response, 'BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toContain('between 0 and 100');
    expect(response.body.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  });

  it('masks a fault: INTERNAL_SERVER_ERROR with a request id, no SQL, no stack', async () => {
    // given a fault below the resolvers: the table the catalog reads is gone
    await gateway.prisma.$executeRawUnsafe('ALTER TABLE "Category" RENAME TO "CategoryGone"');
    try {
      // when a client reads it
      const response = await gateway.graphql('{ categories { name } }', undefined, { 'x-request-id': 'req-fault-1' });

      // then it learns only that it failed, and which request to quote
      expectCode(response, 'INTERNAL_SERVER_ERROR');
      const [error] = response.body.errors ?? [];
      expect(error?.message).toBe('Internal server error');
      expect(error?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-fault-1' });
      expect(JSON.stringify(response.body)).not.toMatch(/Category|relation|SELECT|prisma/i);
    } finally {
      await gateway.prisma.$executeRawUnsafe('ALTER TABLE "CategoryGone" RENAME TO "Category"');
    }
  });
});
