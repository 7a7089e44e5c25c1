import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, getOperationAST, parse, type GraphQLError } from 'graphql';
import { actualCost } from '../../src/graphql/cost/actual-cost';
import { requestedCost } from '../../src/graphql/cost/requested-cost';
import { costModelOf } from '../../src/graphql/cost/schema-costs';

// The cost rules on a small schema that uses every part of the cost
// directives, independent of the store's schema and its annotations.

const DIRECTIVES = fs.readFileSync(path.resolve(__dirname, '../../schema/cost.graphql'), 'utf8');

const schema = buildSchema(`${DIRECTIVES}
  type Query {
    users(max: Int, first: Int): [User] @listSize(slicingArguments: ["max", "first"])
    search(term: String @cost(weight: "5"), filter: Filter): [User] @listSize(assumedSize: 3, requireOneSlicingArgument: false)
    page(first: Int): UserPage @listSize(assumedSize: 5, slicingArguments: ["first"], sizedFields: ["items"], requireOneSlicingArgument: false)
    report: Report
    thing: Thing
  }
  type Mutation { rename(name: String): User }
  type User { name: String age: Int @cost(weight: "2.5") friends: [User] }
  input Filter { exact: Boolean @cost(weight: "3") }
  type UserPage { items: [User] total: Int }
  type Report @cost(weight: "7") { id: ID }
  union Thing = User | Report
`);

function requested(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  return requestedCost(schema, document, getOperationAST(document)!, variables);
}

function actual(query: string, data: Record<string, unknown>): number {
  const document = parse(query);
  return actualCost(schema, document, getOperationAST(document)!, {}, data);
}

describe('the requested cost', () => {
  it.each<[string, string, number, Record<string, unknown>?]>([
    ['a list sized by its slicing argument, with a weighted field', '{ users(max: 5) { age } }', 5 * (1 + 2.5)],
    ['a slicing argument from a variable', 'query($n: Int) { users(first: $n) { name } }', 7, { n: 7 }],
    ['weighted arguments and input fields when given', '{ search(term: "x", filter: { exact: true }) { name } }', 5 + 3 + 3 * 1],
    ['an assumed size without slicing arguments', '{ search { name } }', 3],
    ['sized fields get the connection\'s size', '{ page(first: 4) { items { name } total } }', 1 + 4],
    ['sized fields get the assumed size without the argument', '{ page { items { name } } }', 1 + 5],
    ['a weight on a type', '{ report { id } }', 7],
    ['the costliest member of a union', '{ thing { ... on User { age } ... on Report { id } } }', 7],
    ['an unannotated list counts 10 items', '{ users(max: 1) { friends { name } } }', 1 + 10],
    ['a mutation field weighs 10', 'mutation { rename(name: "x") { name } }', 10],
    ['__typename and introspection are free', '{ __typename __schema { types { name } } }', 0],
    ['a field selected twice counts twice', '{ report { id } report { id } }', 14],
  ])('%s', (_name, query, cost, variables = {}) => {
    expect(requested(query, variables)).toBe(cost);
  });

  it.each([
    ['none', '{ users { name } }'],
    ['two', '{ users(max: 1, first: 2) { name } }'],
  ])('refuses %s of the slicing arguments where exactly one is required', (_name, query) => {
    let refusal: GraphQLError | undefined;
    try {
      requested(query);
    } catch (error) {
      refusal = error as GraphQLError;
    }
    expect(refusal?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'max' });
    expect(refusal?.message).toBe('"users" needs exactly one of the arguments "max", "first".');
  });

  it('prices each fragment once however often it is spread', () => {
    // 2^30 spreads of one report: priced in 31 steps
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    expect(requested(`{ ...F0 } ${fragments} fragment F30 on Query { report { id } }`)).toBe(2 ** 30 * 7);
  });
});

describe('the actual cost', () => {
  it('counts the items that came back, null ones as nothing', () => {
    const data = { users: [{ age: 40, friends: [{ name: 'a' }, { name: 'b' }] }, null, { age: 3, friends: null }] };
    expect(actual('{ users(max: 5) { age friends { name } } }', data)).toBe(1 + 2.5 + 2 * 1 + (1 + 2.5));
  });

  it('counts a union member by its __typename, or by the fields that came back', () => {
    expect(actual('{ thing { __typename ... on User { name } ... on Report { id } } }', { thing: { __typename: 'User', name: 'x' } })).toBe(1);
    expect(actual('{ thing { ... on User { age } ... on Report { id } } }', { thing: { id: '1' } })).toBe(7);
  });
});

describe('annotations that make no sense stop the schema from being served', () => {
  it.each([
    ['a negative weight', 'type Query { a: Int @cost(weight: "-1") }', '@cost(weight: "-1") on Query.a'],
    ['a weight that is no number', 'type Query { a: Int @cost(weight: "lots") }', 'Query.a'],
    ['a list size on a single object without sized fields', 'type Query { a: Query @listSize(assumedSize: 2) }', 'the field is not a list'],
    ['an unknown slicing argument', 'type Query { a(n: Int): [Int] @listSize(slicingArguments: ["first"]) }', 'slicing argument "first"'],
    ['an unknown sized field', 'type Query { a: Query @listSize(assumedSize: 2, sizedFields: ["items"]) }', 'sized field "items"'],
  ])('%s', (_name, sdl, message) => {
    expect(() => costModelOf(buildSchema(`${DIRECTIVES}\n${sdl}`))).toThrow(message);
  });
});
