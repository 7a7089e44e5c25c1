import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSchema } from 'graphql';
import {
  affects,
  buildManifest,
  checkClientOperations,
  collectOperations,
  manifestOperations,
  namesChange,
  readDocumentSet,
  schemaUsage,
  type ClientCheck,
} from '../../governance/client-operations';
import { checkSchema, formatReport, printCurrentSchema, reportPassed, type AllowListEntry } from '../../governance/schema-diff';
import { documentId, parseManifest } from '../../src/graphql/persisted/manifest';

const FIXTURES = path.join(__dirname, 'fixtures');
const CLIENT_DIR = path.join(FIXTURES, 'client');
const ROOT = path.resolve(__dirname, '..', '..');

function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, `${name}.graphql`), 'utf8');
}

/** The fixture client's operations checked against fixtures/<after> with fixtures/before as the baseline, and the report. */
async function checkFixture(after: string, allowed: AllowListEntry[] = []): Promise<{ clients: ClientCheck; report: string; passed: boolean }> {
  const baselineSdl = printCurrentSchema([fixture('before')]);
  const currentSdl = printCurrentSchema([fixture(after)]);
  const result = await checkSchema({ baselineSdl, currentSdl, allowList: { allowed } });
  const clients = checkClientOperations({ baselineSdl, currentSdl, collected: [collectOperations(readDocumentSet(CLIENT_DIR, [], ROOT))] });
  return { clients, report: formatReport(result, clients), passed: reportPassed(result, clients) };
}

const PAGE_FILE = 'test/schema/fixtures/client/product-page.graphql';
const CODES_FILE = 'test/schema/fixtures/client/product-codes.graphql';

describe('schema:check with client operations, on fixture pairs', () => {
  it('passes a safe change that touches no operation', async () => {
    const { clients, report, passed } = await checkFixture('after-add-optional-field');
    expect(clients.checked).toBe(2);
    expect(clients.invalid).toEqual([]);
    expect(passed).toBe(true);
    expect(report).toContain('Client operations: 2 checked against the current schema, 0 invalid');
  });

  it('names the operation a removed field breaks, with its file and the validation error, and fails', async () => {
    // given Product.name removed, which the fixture client's ProductPage selects through a fragment
    const { clients, report, passed } = await checkFixture('after-remove-field');

    // then the change names ProductPage, and ProductPage is invalid
    expect(report).toContain('x Product.name [FIELD_REMOVED]');
    expect(report).toContain(`      breaks client operation ProductPage (${PAGE_FILE}): Cannot query field "name" on type "Product".`);
    expect(clients.invalid.map(({ operation }) => operation.name)).toEqual(['ProductPage']);
    expect(report).toMatch(/FAIL: 1 removal\(s\) without prior deprecation, 1 client operation\(s\) invalid against the current schema\.\n$/);
    expect(passed).toBe(false);
  });

  it('names the operation a new required argument breaks', async () => {
    const { report } = await checkFixture('after-add-required-argument');
    expect(report).toContain('x Product.price.region [FIELD_ARGUMENT_ADDED]');
    expect(report).toContain(
      `      breaks client operation ProductPage (${PAGE_FILE}): Field "price" argument "region" of type "String!" is required, but it was not provided.`,
    );
    expect(report).not.toContain('ProductCodes');
  });

  it('names an operation a type change affects even though it still validates', async () => {
    // given Product.sku turned from String to Int: ProductCodes still validates but would read a number
    const { clients, report } = await checkFixture('after-change-field-type');
    expect(clients.invalid).toEqual([]);
    expect(report).toContain(`      affects client operation ProductCodes (${CODES_FILE}) (still valid; check how it reads the result)`);
    expect(report).not.toContain('ProductPage');
  });

  it('fails an allow-listed removal while a client operation of the repository still selects the field', async () => {
    // given the deprecated legacyCode removed and allow-listed, but ProductCodes still selects it
    const { report, passed } = await checkFixture('after-remove-deprecated-field', [
      { path: 'Product.legacyCode', type: 'FIELD_REMOVED', reason: 'replaced by sku' },
    ]);
    // then the schema change alone would pass; with its client it does not
    expect(report).toContain('allowed: replaced by sku');
    expect(report).toContain(`breaks client operation ProductCodes (${CODES_FILE}): Cannot query field "legacyCode" on type "Product".`);
    expect(report).toMatch(/FAIL: 1 client operation\(s\) invalid against the current schema\.\n$/);
    expect(passed).toBe(false);
  });

  it('says when a breaking change affects no client operation', async () => {
    // given an operation that selects only Product.id
    const sdl = printCurrentSchema([fixture('before')]);
    const clients = checkClientOperations({ baselineSdl: sdl, currentSdl: sdl, collected: [collectOperations([{ file: 'x.graphql', source: 'query Ids { product(id: "1") { id } }' }])] });
    // then a change to another field of Product is not about it, one to Product.id is
    expect(clients.affectedBy('Product.status')).toEqual([]);
    expect(clients.affectedBy('Product.id').map(({ operation }) => operation.name)).toEqual(['Ids']);
  });
});

describe('collecting client operations', () => {
  it('joins each operation with the fragments it spreads, transitively and in name order', () => {
    const { operations, errors } = collectOperations([
      { file: 'a.graphql', source: 'fragment B on T { b ...A } fragment A on T { a } fragment Unused on T { u }' },
      { file: 'b.graphql', source: 'query Q { t { ...B } }' },
    ]);
    expect(errors).toEqual([]);
    expect(operations).toEqual([
      { name: 'Q', type: 'query', file: 'b.graphql', body: 'query Q {\n  t {\n    ...B\n  }\n}\n\nfragment A on T {\n  a\n}\n\nfragment B on T {\n  b\n  ...A\n}' },
    ]);
  });

  it('skips schema files, and refuses anonymous, duplicate, mixed and unparsable documents', () => {
    const { operations, errors } = collectOperations([
      { file: 'schema.graphql', source: 'type Query { a: Int }' },
      { file: 'anonymous.graphql', source: '{ a }' },
      { file: 'one.graphql', source: 'query Twice { a }' },
      { file: 'two.graphql', source: 'query Twice { a }' },
      { file: 'mixed.graphql', source: 'type T { a: Int } query M { a }' },
      { file: 'broken.graphql', source: 'query {' },
    ]);
    expect(operations.map((operation) => operation.name)).toEqual(['Twice']);
    expect(errors).toEqual([
      'anonymous.graphql: an anonymous query; client operations need a name, so reports can name them',
      'mixed.graphql: mixes operations with type definitions',
      expect.stringMatching(/^broken\.graphql: does not parse: Syntax Error/),
      'two.graphql: operation Twice is defined twice',
    ]);
  });

  it('reads what an operation uses: fields, arguments, input fields, enum values and the types values pass through', () => {
    const schema = buildSchema(`
      enum Dir { UP DOWN }
      input Order { dir: Dir! }
      type Item { id: ID! name: String }
      type Query { items(order: Order, first: Int): [Item!]! }`);
    const usage = schemaUsage(schema, 'query Items($order: Order) { items(order: $order, first: 2) { id } more: items(order: { dir: UP }) { name } }');
    expect([...usage.coordinates].sort()).toEqual(['Dir.UP', 'Item.id', 'Item.name', 'Order.dir', 'Query.items', 'Query.items.first', 'Query.items.order']);
    expect([...usage.valueTypes].sort()).toEqual(['Dir', 'Order']);
    expect(affects('Dir.DOWN', usage)).toBe(true); // a value the client may send in $order
    expect(affects('Query.items.after', usage)).toBe(true); // an argument added to a selected field
    expect(affects('Item.price', usage)).toBe(false);
  });
});

describe('which change an invalid operation is broken by', () => {
  it('is the change whose element the validation error names', () => {
    expect(namesChange('Cannot query field "name" on type "Product".', 'Product.name')).toBe(true);
    expect(namesChange('Field "price" argument "region" of type "String!" is required, but it was not provided.', 'Product.price.region')).toBe(true);
    expect(namesChange('Unknown type "ProductStatus".', 'ProductStatus')).toBe(true);
    // an operation broken by Product.name is only affected by another change it touches
    expect(namesChange('Cannot query field "name" on type "Product".', 'CartPayload.userErrors')).toBe(false);
  });
});

describe('the trusted-documents manifest', () => {
  it('maps the sha256 of each body to the body, in name order, and reads back', () => {
    const { operations } = collectOperations([{ file: 'a.graphql', source: 'query B { b } mutation A { a }' }]);
    const manifest = buildManifest(operations);
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.operations.map(({ name, type }) => ({ name, type }))).toEqual([
      { name: 'A', type: 'mutation' },
      { name: 'B', type: 'query' },
    ]);
    for (const operation of manifest.operations) expect(operation.id).toBe(documentId(operation.body));
    expect(parseManifest(JSON.parse(JSON.stringify(manifest)), 'm.json')).toEqual(manifest);
  });

  it('is checked like any other client document: an edited body no longer matches its id', () => {
    const manifest = buildManifest(collectOperations([{ file: 'a.graphql', source: 'query B { b }' }]).operations);
    manifest.operations[0]!.body = 'query B { c }';
    expect(manifestOperations(manifest, 'm.json')).toEqual({ operations: [], errors: ['Trusted-documents manifest m.json: operation B: id is not the sha256 of its body'] });
  });
});

describe('npm run documents:manifest and schema:check (end to end)', () => {
  let dir: string;
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const run = (script: string, ...args: string[]) => spawnSync(tsx, [path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8' });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-operations-'));
    for (const name of ['before', 'after-remove-field']) {
      fs.mkdirSync(path.join(dir, name));
      fs.copyFileSync(path.join(FIXTURES, `${name}.graphql`), path.join(dir, name, 'product.graphql'));
    }
    fs.writeFileSync(path.join(dir, 'allow.json'), JSON.stringify({ allowed: [] }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a manifest, reports it up to date, then stale once an operation changes', () => {
    const manifest = path.join(dir, 'manifest.json');
    const args = ['--operations', CLIENT_DIR, '--schema-dir', path.join(dir, 'before'), '--out', manifest];
    expect(run('documents-manifest.ts', ...args).status).toBe(0);
    expect(parseManifest(JSON.parse(fs.readFileSync(manifest, 'utf8')), manifest).operations.map((operation) => operation.name)).toEqual(['ProductCodes', 'ProductPage']);
    expect(run('documents-manifest.ts', ...args, '--check').status).toBe(0);

    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('legacyCode', 'legacyCode\\n    name'));
    const stale = run('documents-manifest.ts', ...args, '--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('is stale: run `npm run documents:manifest`');
  }, 60_000);

  it('refuses to write a manifest with an operation the schema does not accept, naming it', () => {
    const result = run('documents-manifest.ts', '--operations', CLIENT_DIR, '--schema-dir', path.join(dir, 'after-remove-field'), '--out', path.join(dir, 'm.json'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`ProductPage (${PAGE_FILE}) is invalid against the current schema: Cannot query field "name" on type "Product".`);
    expect(fs.existsSync(path.join(dir, 'm.json'))).toBe(false);
  }, 60_000);

  it('schema:check fails on a change that breaks a client operation of the documents and of the manifest, naming both', () => {
    // given the manifest of the fixture client, and a baseline printed from the fixture schema
    const manifest = path.join(dir, 'manifest.json');
    expect(run('documents-manifest.ts', '--operations', CLIENT_DIR, '--schema-dir', path.join(dir, 'before'), '--out', manifest).status).toBe(0);
    const baseline = path.join(dir, 'baseline.graphql');
    expect(run('schema-update.ts', '--schema-dir', path.join(dir, 'before'), '--baseline', baseline).status).toBe(0);
    const check = (schemaDir: string) =>
      run('schema-check.ts', '--schema-dir', path.join(dir, schemaDir), '--baseline', baseline, '--allow-list', path.join(dir, 'allow.json'), '--documents', CLIENT_DIR, '--manifest', manifest);
    expect(check('before').status).toBe(0);

    // when Product.name is removed
    const failed = check('after-remove-field');

    // then the check fails and names ProductPage in its file and in the manifest
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(`breaks client operation ProductPage (${PAGE_FILE}): Cannot query field "name" on type "Product".`);
    expect(failed.stdout).toContain(`breaks client operation ProductPage (${path.relative(ROOT, manifest)}): Cannot query field "name" on type "Product".`);
    expect(failed.stdout).toContain('2 client operation(s) invalid against the current schema');
  }, 60_000);

  it('the committed storefront manifest is what its operations produce', () => {
    const result = run('documents-manifest.ts', '--check');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);
});
