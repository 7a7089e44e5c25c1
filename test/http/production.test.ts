import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { errorCodes, startTestGateway, type TestGateway } from '../helpers/test-gateway';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture, env: { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-at-least-32-bytes' } });
});
afterAll(() => gateway?.close());

describe('in production', () => {
  it('turns off introspection', async () => {
    const response = await gateway.graphql('{ __schema { types { name } } }');
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('serves no Sandbox page', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toContain('<!DOCTYPE html>');
  });

  it('keeps client errors readable but without stack traces', async () => {
    const response = await gateway.graphql('{ products(first: 101) { totalCount } }');
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
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
      expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      const [error] = response.body.errors ?? [];
      expect(error?.message).toBe('Internal server error');
      expect(error?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-fault-1' });
      expect(JSON.stringify(response.body)).not.toMatch(/Category|relation|SELECT|prisma/i);
    } finally {
      await gateway.prisma.$executeRawUnsafe('ALTER TABLE "CategoryGone" RENAME TO "Category"');
    }
  });
});
