import { preparedStatementNames } from '../../src/db/prisma';
import { startTestGateway } from '../helpers/test-gateway';
import { seedCatalogFixture } from '../helpers/catalog-fixture';

describe('prepared statement names', () => {
  it('names one SQL text the same every time, and different texts differently', () => {
    const name = preparedStatementNames();
    const page = { sql: 'SELECT 1 FROM "Product" p WHERE p."published" LIMIT 21' };
    expect(name(page)).toMatch(/^sg_[A-Za-z0-9_-]+$/);
    expect(name({ sql: page.sql })).toBe(name(page));
    expect(name({ sql: 'SELECT 2' })).not.toBe(name(page));
  });

  it('leaves a statement with a list of parameters unnamed: each list length is a text of its own', () => {
    const name = preparedStatementNames();
    expect(name({ sql: 'SELECT * FROM "Product" WHERE "id" IN ($1,$2,$3) OFFSET $4' })).toBeUndefined();
  });

  it('names at most so many statements; the rest run unnamed', () => {
    const name = preparedStatementNames(2);
    const first = name({ sql: 'SELECT 1' });
    expect(name({ sql: 'SELECT 2' })).toBeDefined();
    expect(name({ sql: 'SELECT 3' })).toBeUndefined();
    expect(name({ sql: 'SELECT 1' })).toBe(first);
  });
});

describe.each([
  ['prepared by name', {}],
  ['unnamed (DATABASE_PREPARED_STATEMENTS=false)', { DATABASE_PREPARED_STATEMENTS: 'false' }],
])('a gateway whose statements are %s', (_, env) => {
  it('answers the same catalog page, over and over, with the same statements', async () => {
    const gateway = await startTestGateway({ seed: seedCatalogFixture, env });
    try {
      const page = '{ products(first: 5, filter: { minPrice: "2.00" }) { totalCount nodes { name category { name } reviews(first: 2) { nodes { rating author { name } } } } } }';
      const answers = [];
      for (let round = 0; round < 8; round += 1) {
        const { result, statements } = await gateway.countStatements(() => gateway.graphql<any>(page));
        expect({ errors: result.body.errors, statements }).toEqual({ errors: undefined, statements: 2 });
        answers.push(JSON.stringify(result.body.data));
      }
      expect(new Set(answers).size).toBe(1);
      expect(JSON.parse(answers[0]!).products.nodes).toHaveLength(5);
    } finally {
      await gateway.close();
    }
  });
});
