import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';

/**
 * Remembers what a pure function of (schema, parsed operation) gave: Apollo
 * hands every request with the same query text the same parsed document, so
 * it is worked out once per query text and goes with the document when
 * Apollo's document cache lets it go. (Tests make several schemas.)
 */
export function perOperation<T>(): (schema: GraphQLSchema, operation: OperationDefinitionNode, compute: () => T) => T {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, T>>();
  return (schema, operation, compute) => {
    let byOperation = bySchema.get(schema);
    if (!byOperation) {
      byOperation = new WeakMap();
      bySchema.set(schema, byOperation);
    }
    let value = byOperation.get(operation);
    if (value === undefined) {
      value = compute();
      byOperation.set(operation, value);
    }
    return value;
  };
}
