import { getNamedType, isLeafType, isObjectType, type GraphQLObjectType } from 'graphql';
import { createUnprotectedSchema } from '../../src/graphql/schema';
import { ACCOUNTS, bearer, loginAs, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { expectNoErrors } from '../helpers/assertions';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// A catalog page reads products and reviewers with only the columns the operation's fields read
// (src/graphql/field-columns.ts, src/modules/catalog/columns.ts, src/modules/account/columns.ts).
// A field whose reads were declared wrong would answer from a column that was not read: so each
// field of Product and of User is read alone on a page and compared with the same field read
// from a whole row (a node lookup through the loaders).

const schema = createUnprotectedSchema();

/** The field with what a client would select below it: every leaf of an object, a connection's count and ids. */
function selectionOf(type: GraphQLObjectType, name: string): string {
  const field = type.getFields()[name]!;
  const below = getNamedType(field.type);
  if (isLeafType(below)) return name;
  if (!isObjectType(below)) return `${name} { __typename }`;
  const fields = below.getFields();
  const first = field.args.some((arg) => arg.name === 'first') ? '(first: 2)' : '';
  if ('nodes' in fields) return `${name}${first} { ${'totalCount' in fields ? 'totalCount ' : ''}nodes { id } }`;
  const leaves = Object.values(fields).filter((child) => isLeafType(getNamedType(child.type)) && child.args.length === 0);
  return `${name} { ${leaves.map((child) => child.name).join(' ')} }`;
}

const fieldsOf = (typeName: string) => Object.keys((schema.getType(typeName) as GraphQLObjectType).getFields());

let gateway: TestGateway;
let admin: Record<string, string>;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  admin = bearer((await loginAs(gateway, ACCOUNTS.admin.email)).accessToken);
});
afterAll(() => gateway?.close());

describe('columns read ahead', () => {
  it.each(fieldsOf('Product'))('reads Product.%s on a page as from a whole row', async (name) => {
    // given the field alone on a page of products, read as an admin (who may read every field)
    const selection = selectionOf(schema.getType('Product') as GraphQLObjectType, name);
    const page = await gateway.graphql<any>(`{ products(first: 30, orderBy: { field: PRICE, direction: ASC }) { nodes { id ${selection} } } }`, {}, admin);
    expectNoErrors(page);
    const products: Array<{ id: string }> = page.body.data.products.nodes;
    expect(products.length).toBeGreaterThan(0);

    // then each product's field is what a node lookup reads from the whole row
    const whole = await gateway.graphql<any>('query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id ' + selection + ' } } }', { ids: products.map((p) => p.id) }, admin);
    expectNoErrors(whole);
    expect(products).toEqual(whole.body.data.nodes);
  });

  it.each(fieldsOf('User'))('reads User.%s of reviewers on a page as from a whole row', async (name) => {
    // given the field alone on the authors of a page's reviews
    const selection = selectionOf(schema.getType('User') as GraphQLObjectType, name);
    const page = await gateway.graphql<any>(`{ products(first: 10) { nodes { reviews(first: 3) { nodes { author { id ${selection} } } } } } }`, {}, admin);
    expectNoErrors(page);
    const authors: Array<{ id: string }> = page.body.data.products.nodes.flatMap((p: any) => p.reviews.nodes.map((r: any) => r.author));
    expect(authors.length).toBeGreaterThan(0);

    // then each author's field is what a node lookup reads from the whole row
    const whole = await gateway.graphql<any>('query ($ids: [ID!]!) { nodes(ids: $ids) { ... on User { id ' + selection + ' } } }', { ids: authors.map((a) => a.id) }, admin);
    expectNoErrors(whole);
    expect(authors).toEqual(whole.body.data.nodes);
  });

  it('reads a row with what every path of the operation reads of it, not only the page', async () => {
    // given a page that shows reviewers by name and, below it, the same reviewers reached again through
    // each review's product and a longer page of its reviews (not read ahead), with their email, role and date
    const query = /* GraphQL */ `{
      products(first: 5, orderBy: { field: PRICE, direction: ASC }) { nodes {
        reviews(first: 2) { nodes { author { name } product { reviews(first: 3) { nodes { author { id email role createdAt } } } } } }
      } }
    }`;
    const read = await gateway.countStatements(() => gateway.graphql<any>(query, {}, admin));
    expectNoErrors(read.result);

    // then the rows the page read serve the second path too, with what it reads (alice reviewed the cheapest product)
    const later = read.result.body.data.products.nodes.flatMap((p: any) =>
      p.reviews.nodes.flatMap((r: any) => r.product.reviews.nodes.map((n: any) => n.author)),
    );
    const alice = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.alice.email } });
    expect(later).toContainEqual({ id: expect.any(String), email: alice.email, role: alice.role, createdAt: alice.createdAt.toISOString() });
    const whole = await gateway.graphql<any>('query ($ids: [ID!]!) { nodes(ids: $ids) { ... on User { id email role createdAt } } }', { ids: later.map((a: any) => a.id) }, admin);
    expect(later).toEqual(whole.body.data.nodes);
    // (the viewer, the page, the longer review pages; the authors and products were read with the page)
    expect(read.statements).toBe(3);
  });
});
