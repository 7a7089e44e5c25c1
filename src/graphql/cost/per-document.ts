import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';

/** Longest key (operation name and variables as JSON) worth remembering; larger variables are priced each time. */
const MAX_KEY_LENGTH = 2048;

/**
 * Remembers what a pure function of (document, operation, variables) gave,
 * per parsed document: Apollo hands every request with the same query text
 * the same DocumentNode, so a storefront's handful of operations is priced
 * once per set of variables instead of once per request. The entries go
 * with the document when Apollo's document cache lets it go; at most
 * `perDocument` sets of variables are kept for one document (the oldest go
 * first).
 */
export class PerDocument<T> {
  private readonly documents = new WeakMap<DocumentNode, Map<string, T>>();

  constructor(private readonly perDocument = 64) {}

  /** The value for this operation and variables, computed by `compute` the first time (a throw is not remembered). */
  get(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, compute: () => T): T {
    const key = `${operation.name?.value ?? ''}\u0000${JSON.stringify(variables)}`;
    if (key.length > MAX_KEY_LENGTH) return compute();
    let entries = this.documents.get(document);
    if (!entries) {
      entries = new Map();
      this.documents.set(document, entries);
    }
    const known = entries.get(key);
    if (known !== undefined) return known;
    const value = compute();
    if (entries.size >= this.perDocument) entries.delete(entries.keys().next().value as string);
    entries.set(key, value);
    return value;
  }
}

/** A `PerDocument` for each schema it is asked for (one per gateway; tests make several). */
export function perSchema<T>(): (schema: GraphQLSchema) => PerDocument<T> {
  const bySchema = new WeakMap<GraphQLSchema, PerDocument<T>>();
  return (schema) => {
    let known = bySchema.get(schema);
    if (!known) {
      known = new PerDocument<T>();
      bySchema.set(schema, known);
    }
    return known;
  };
}
