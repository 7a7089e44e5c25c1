import {
  getDirectiveValues,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  type ConstDirectiveNode,
  type GraphQLDirective,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

// The @cacheControl hints of schema/cache.graphql, read once per schema
// object, so working out an operation's policy only looks values up.

export type CacheScope = 'PUBLIC' | 'PRIVATE';

export interface CacheHint {
  maxAge?: number;
  scope?: CacheScope;
  inheritMaxAge?: boolean;
}

export interface CacheHints {
  field(field: GraphQLField<unknown, unknown>): CacheHint;
  type(type: GraphQLNamedType): CacheHint;
}

const NO_HINT: CacheHint = Object.freeze({});
const hintsBySchema = new WeakMap<GraphQLSchema, CacheHints>();

function hintOn(
  directive: GraphQLDirective | undefined | null,
  nodes: ReadonlyArray<{ readonly directives?: ReadonlyArray<ConstDirectiveNode> } | null | undefined>,
  coordinate: string,
): CacheHint | undefined {
  if (!directive) return undefined;
  for (const node of nodes) {
    const values = node ? getDirectiveValues(directive, node) : undefined;
    if (!values) continue;
    const hint: CacheHint = {};
    if (typeof values.maxAge === 'number') {
      if (values.maxAge < 0) throw new Error(`@cacheControl on ${coordinate}: maxAge must not be negative`);
      hint.maxAge = values.maxAge;
    }
    if (values.scope === 'PUBLIC' || values.scope === 'PRIVATE') hint.scope = values.scope;
    if (values.inheritMaxAge === true) {
      if (hint.maxAge !== undefined) throw new Error(`@cacheControl on ${coordinate}: give maxAge or inheritMaxAge, not both`);
      hint.inheritMaxAge = true;
    }
    return hint;
  }
  return undefined;
}

function readHints(schema: GraphQLSchema): CacheHints {
  const directive = schema.getDirective('cacheControl');
  const types = new Map<GraphQLNamedType, CacheHint>();
  const fields = new Map<GraphQLField<unknown, unknown>, CacheHint>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isAbstractType(type)) continue;
    const typeHint = hintOn(directive, [type.astNode, ...(type.extensionASTNodes ?? [])], type.name);
    if (typeHint) types.set(type, typeHint);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const fieldHint = hintOn(directive, [field.astNode], `${type.name}.${field.name}`);
        if (fieldHint) fields.set(field, fieldHint);
      }
    }
  }
  return {
    field: (field) => fields.get(field) ?? NO_HINT,
    type: (type) => types.get(type) ?? NO_HINT,
  };
}

/** The cache hints of `schema`, read on first use and kept for the schema object's life. */
export function cacheHintsOf(schema: GraphQLSchema): CacheHints {
  let hints = hintsBySchema.get(schema);
  if (!hints) {
    hints = readHints(schema);
    hintsBySchema.set(schema, hints);
  }
  return hints;
}
