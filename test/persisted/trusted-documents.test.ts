import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildManifest, collectOperations } from '../../governance/client-operations';
import { createGateway } from '../../src/app';
import { DEFAULT_MANIFEST_FILE, loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db/database';
import { documentId, readManifest, type PersistedOperation } from '../../src/graphql/persisted/manifest';
import { createLogger } from '../../src/logger';
import { expectCode, expectNoErrors } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { createTestDatabase } from '../helpers/test-database';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { getPersisted, postPersisted } from './persisted-request';

/** The committed manifest's operation of this name: what the storefront client ships. */
function registered(name: string): PersistedOperation {
  const operation = readManifest(DEFAULT_MANIFEST_FILE).operations.find((candidate) => candidate.name === name);
  if (!operation) throw new Error(`${name} is not in ${DEFAULT_MANIFEST_FILE}`);
  return operation;
}

interface CatalogPage {
  products: { edges: Array<{ node: { slug: string; name: string } }>; totalCount: number };
}

describe('trusted documents (PERSISTED_OPERATIONS=only) in production', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedCatalogFixture, env: { ...PRODUCTION_ENV, PERSISTED_OPERATIONS: 'only' } });
  });
  afterAll(() => gateway?.close());

  it('runs a manifest operation sent by its id alone', async () => {
    const catalogPage = registered('CatalogPage');
    const response = await postPersisted(gateway.url, { hash: catalogPage.id, variables: { first: 2 } });
    expectNoErrors(response);
    const data = response.body.data as unknown as CatalogPage;
    expect(data.products.totalCount).toBe(30);
    expect(data.products.edges).toHaveLength(2);
  });

  it('runs a manifest query by its id over GET', async () => {
    const response = await getPersisted(gateway.url, { hash: registered('Categories').id });
    expectNoErrors(response);
    expect((response.body.data?.categories as unknown[]).length).toBe(3);
  });

  it('runs a manifest operation sent with its body, as an APQ client retrying sends it', async () => {
    const categories = registered('Categories');
    expectNoErrors(await postPersisted(gateway.url, { hash: categories.id, query: categories.body }));
  });

  it('refuses an ad-hoc query with 400 PERSISTED_QUERY_NOT_FOUND and a clear message, before any SQL', async () => {
    const { result, statements } = await gateway.countStatements(() => gateway.graphql('{ categories { slug } }'));
    expect(result.status).toBe(400);
    const error = expectCode(result, 'PERSISTED_QUERY_NOT_FOUND');
    expect(error.message).toContain('only trusted documents');
    expect(result.body.data).toBeUndefined();
    expect(statements).toBe(0);
  });

  it('refuses an ad-hoc query over GET too', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent('{ categories { slug } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses to register a query under a new hash, and the hash stays unknown', async () => {
    // given a valid query a client tries to persist automatically
    const query = '{ categories { slug name } }';
    const hash = documentId(query);
    const refused = await postPersisted(gateway.url, { hash, query });
    expect(refused.status).toBe(400);
    expectCode(refused, 'PERSISTED_QUERY_NOT_FOUND');
    expect(refused.body.errors?.[0]?.message).toContain('not a trusted document');

    // then the hash alone is still unknown
    expectCode(await postPersisted(gateway.url, { hash }), 'PERSISTED_QUERY_NOT_FOUND');
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND, running nothing', async () => {
    const { result, statements } = await gateway.countStatements(() => postPersisted(gateway.url, { hash: 'f'.repeat(64) }));
    expectCode(result, 'PERSISTED_QUERY_NOT_FOUND');
    expect(statements).toBe(0);
  });

  it('refuses a manifest id sent with a different query (400 BAD_REQUEST): the id names the document, not the text', async () => {
    const response = await postPersisted(gateway.url, { hash: registered('Categories').id, query: '{ categories { id name slug description } }' });
    expect(response.status).toBe(400);
    expectCode(response, 'BAD_REQUEST');
  });
});

describe('trusted documents at start-up', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trusted-documents-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Starts a gateway on a fresh database with this manifest and returns why it refused to start. */
  async function startupFailure(manifest: unknown): Promise<string> {
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify(manifest));
    const testDatabase = await createTestDatabase();
    const database = connectDatabase(testDatabase.url, { poolSize: 1, embedded: testDatabase.embedded, description: 'test database' });
    try {
      const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: testDatabase.url, PERSISTED_OPERATIONS: 'only', PERSISTED_OPERATIONS_MANIFEST: file });
      const started = await createGateway({ config, database, log: createLogger(config) }).then(
        (gateway) => gateway,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      if (!(started instanceof Error)) {
        await started.stop();
        throw new Error('the gateway started');
      }
      return started.message;
    } finally {
      await database.close();
      await testDatabase.drop();
    }
  }

  it('refuses to start with one line naming an operation the schema does not accept', async () => {
    // given a manifest whose CatalogPage selects a field the schema does not have
    const { operations } = collectOperations([{ file: 'stale.graphql', source: 'query CatalogPage { products { nodes { colour } } }' }]);
    const message = await startupFailure(buildManifest(operations));
    expect(message).toMatch(/^Trusted-documents manifest .*manifest\.json: operation CatalogPage is invalid against the schema: Cannot query field "colour" on type "Product"\.$/);
    expect(message).not.toContain('\n');
  });

  it('refuses to start with one line naming an operation that costs more than MAX_QUERY_COST', async () => {
    // given a page of 100 products with 100 reviews each
    const source = 'query Heavy($first: Int = 100) { products(first: $first) { nodes { reviews(first: 100) { nodes { body } } } } }';
    const message = await startupFailure(buildManifest(collectOperations([{ file: 'heavy.graphql', source }]).operations));
    expect(message).toMatch(/: operation Heavy costs \d+ with its default variables, more than MAX_QUERY_COST \(1000\)$/);
  });

  it('refuses to start when an id is not the hash of its body', async () => {
    const manifest = buildManifest(collectOperations([{ file: 'a.graphql', source: 'query Categories { categories { slug } }' }]).operations);
    manifest.operations[0]!.body = 'query Categories { categories { slug name } }';
    expect(await startupFailure(manifest)).toContain('operation Categories: id is not the sha256 of its body');
  });

  it('refuses PERSISTED_OPERATIONS=only without a manifest file, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', PERSISTED_OPERATIONS: 'only', PERSISTED_OPERATIONS_MANIFEST: path.join(dir, 'none.json') })).toThrow(
      /^Invalid configuration: PERSISTED_OPERATIONS_MANIFEST names no file/,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', PERSISTED_OPERATIONS: 'sometimes' })).toThrow('Invalid configuration: PERSISTED_OPERATIONS must be one of apq, only, off');
  });
});
