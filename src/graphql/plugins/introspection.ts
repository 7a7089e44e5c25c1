import type { ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

const REFUSAL = 'Introspection is disabled on this server.';

/** Every `__schema` and `__type` field of the operation, through fragments. */
function metaFields(document: DocumentNode, operation: OperationDefinitionNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === SchemaMetaFieldDef.name || selection.name.value === TypeMetaFieldDef.name) found.push(selection);
        if (selection.selectionSet) walk(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return found;
}

/**
 * Whether the field would reveal part of the schema: `__schema` always,
 * `__type` when its name (inline, from a variable or a variable's default)
 * is a type of the schema. `__type` of any other name answers null and shows
 * nothing.
 */
function reveals(schema: GraphQLSchema, field: FieldNode, variables: Record<string, unknown> | null): boolean {
  if (field.name.value === SchemaMetaFieldDef.name) return true;
  if (variables === null) return false; // variables that do not coerce: execution refuses the operation itself
  try {
    const { name } = getArgumentValues(TypeMetaFieldDef, field, variables);
    return typeof name === 'string' && schema.getType(name) !== undefined;
  } catch {
    return false; // an argument graphql-js cannot coerce: execution refuses it itself
  }
}

/**
 * Introspection off (production, unless GRAPHQL_INTROSPECTION=true), in
 * place of Apollo Server's rule: `__schema`, and `__type` of any type the
 * schema has, are refused with 400 GRAPHQL_VALIDATION_FAILED before
 * execution; `__type` of a name that is no type answers null, as it does
 * with introspection on. Apollo's rule refuses every `__type`, which fails
 * the GraphQL-over-HTTP conformance audits whose probes are
 * `__type(name: "sometype")`, while revealing no more than this does.
 * `__typename` is not introspection: it stays available.
 */
export function introspectionPlugin(options: { enabled: boolean }): ApolloServerPlugin {
  if (options.enabled) return {};
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const fields = metaFields(document, operation);
          if (fields.length === 0) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
          const revealing = fields.filter((field) => reveals(schema, field, coerced.errors ? null : coerced.coerced));
          if (revealing.length === 0) return;
          throw new GraphQLError(REFUSAL, { nodes: revealing, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
        },
      };
    },
  };
}
