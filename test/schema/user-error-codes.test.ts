import {
  getIntrospectionQuery,
  graphql,
  type IntrospectionEnumType,
  type IntrospectionObjectType,
  type IntrospectionQuery,
  type IntrospectionType,
  type IntrospectionTypeRef,
} from 'graphql';
import { createSchema } from '../../src/graphql/schema';

// What a client learns by introspection about refusals: every mutation
// answers with a payload whose userErrors are objects implementing UserError,
// each with a non-null enum `code` whose every value is documented. The
// services' codes are typed from those same enums (src/core/result.ts), so a
// code a service returns is always one listed here.

let types: Map<string, IntrospectionType>;
let mutations: IntrospectionObjectType['fields'];

beforeAll(async () => {
  // The gateway's own schema, permissions included, asked as a client would ask.
  const result = await graphql({ schema: createSchema(), source: getIntrospectionQuery({ descriptions: true }) });
  expect(result.errors).toBeUndefined();
  const schema = (result.data as unknown as IntrospectionQuery).__schema;
  types = new Map(schema.types.map((type) => [type.name, type]));
  mutations = (types.get(schema.mutationType!.name) as IntrospectionObjectType).fields;
});

/** The type reference as SDL: `[CartUserError!]!`. */
function sdl(ref: IntrospectionTypeRef): string {
  if (ref.kind === 'NON_NULL') return `${sdl(ref.ofType)}!`;
  if (ref.kind === 'LIST') return `[${sdl(ref.ofType)}]`;
  return ref.name;
}

/** The named type at the bottom of a reference. */
function named(ref: IntrospectionTypeRef): IntrospectionType {
  let inner = ref;
  while (inner.kind === 'NON_NULL' || inner.kind === 'LIST') inner = inner.ofType;
  const type = types.get(inner.name);
  if (!type) throw new Error(`no type ${inner.name} in the introspection result`);
  return type;
}

function objectType(name: string): IntrospectionObjectType {
  const type = types.get(name);
  expect(type?.kind).toBe('OBJECT');
  return type as IntrospectionObjectType;
}

/** Every mutation with its payload type and the user-error type of its payload. */
function refusalsOfEveryMutation() {
  return mutations.map((mutation) => {
    const payload = named(mutation.type);
    const userErrors = payload.kind === 'OBJECT' ? payload.fields.find((field) => field.name === 'userErrors') : undefined;
    return { mutation: mutation.name, payloadKind: payload.kind, payload: payload.name, userErrors: userErrors && sdl(userErrors.type), errorType: userErrors && named(userErrors.type).name };
  });
}

describe('user errors, as introspection shows them', () => {
  it('covers every mutation: each answers with an object payload with a non-null list of non-null userErrors', () => {
    const refusals = refusalsOfEveryMutation();
    expect(refusals.length).toBeGreaterThanOrEqual(10);
    for (const refusal of refusals) {
      expect(refusal).toEqual({
        mutation: refusal.mutation,
        payloadKind: 'OBJECT',
        payload: refusal.payload,
        userErrors: `[${refusal.errorType}!]!`,
        errorType: expect.stringMatching(/UserError$/),
      });
    }
  });

  it('makes every user-error type an object implementing UserError, with a non-null enum code', () => {
    const errorTypes = new Set(refusalsOfEveryMutation().map((refusal) => refusal.errorType!));
    for (const name of errorTypes) {
      const type = objectType(name);
      expect({ type: name, interfaces: type.interfaces.map((face) => face.name) }).toEqual({ type: name, interfaces: expect.arrayContaining(['UserError']) });
      const code = type.fields.find((field) => field.name === 'code');
      expect({ type: name, code: code && sdl(code.type), kind: code && named(code.type).kind }).toEqual({
        type: name,
        code: expect.stringMatching(/^\w+ErrorCode!$/),
        kind: 'ENUM',
      });
      // and the interface's own fields are there, as the interface declares them
      expect(type.fields.filter((field) => field.name !== 'code').map((field) => [field.name, sdl(field.type)])).toEqual(
        expect.arrayContaining([
          ['field', '[String!]'],
          ['message', 'String!'],
        ]),
      );
    }
  });

  it('documents every value of every code enum', () => {
    const enums = [...new Set(refusalsOfEveryMutation().map((refusal) => refusal.errorType!))].map((name) => {
      const code = objectType(name).fields.find((field) => field.name === 'code')!;
      return named(code.type) as IntrospectionEnumType;
    });
    expect(enums.length).toBeGreaterThanOrEqual(5);
    for (const codes of enums) {
      expect(codes.enumValues.length).toBeGreaterThan(0);
      const undocumented = codes.enumValues.filter((value) => !value.description?.trim()).map((value) => value.name);
      expect({ enum: codes.name, undocumented }).toEqual({ enum: codes.name, undocumented: [] });
    }
  });
});
