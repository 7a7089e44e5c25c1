import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { perOperation } from '../per-operation';
import { cacheHintsOf, type CacheHint, type CacheHints, type CacheScope } from './hints';

// An operation's cache policy, worked out from the document and the schema's
// @cacheControl hints alone, once per distinct operation: Apollo's
// cache-control plugin computes the same thing per resolved field at run time,
// which cost about 40% of the throughput of list pages when measured here.
// Statically, the policy cannot know which branch of @skip/@include or which
// object type behind an interface a request takes, so it assumes every
// branch: the result is never more cacheable than Apollo's.

export interface CachePolicy {
  /** Seconds the whole result may be reused; 0: not cacheable. */
  maxAge: number;
  scope: CacheScope;
}

export const NOT_CACHEABLE: CachePolicy = Object.freeze({ maxAge: 0, scope: 'PUBLIC' });

/** Whether a shared cache (the gateway's, a CDN's) may keep the result. */
export function isPublicPolicy(policy: CachePolicy): boolean {
  return policy.maxAge > 0 && policy.scope === 'PUBLIC';
}

const policies = perOperation<CachePolicy>();

/**
 * The cache policy of `operation`: the smallest maxAge of its fields, PRIVATE
 * when any hint on the way says so. Only queries can be cached. Kept per
 * operation node: Apollo reuses the parsed document of a query text it has
 * seen, so a repeated query costs one lookup.
 */
export function operationPolicy(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): CachePolicy {
  return policies(schema, operation, () => computePolicy(schema, cacheHintsOf(schema), document, operation));
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The maxAge a composite type gives a field without one: the smallest of its possible object types (or the abstract type's own). */
function typeMaxAge(schema: GraphQLSchema, hints: CacheHints, type: GraphQLNamedType): { maxAge?: number; inherit: boolean } {
  const own = hints.type(type);
  if (!isAbstractType(type)) return { maxAge: own.maxAge, inherit: own.inheritMaxAge === true };
  let maxAge: number | undefined;
  let inherit = true;
  for (const possible of schema.getPossibleTypes(type)) {
    const hint: CacheHint = hints.type(possible).maxAge !== undefined || hints.type(possible).inheritMaxAge ? hints.type(possible) : own;
    if (hint.maxAge !== undefined) {
      maxAge = Math.min(maxAge ?? hint.maxAge, hint.maxAge);
      inherit = false;
    } else if (!hint.inheritMaxAge) {
      return { maxAge: 0, inherit: false };
    }
  }
  return { maxAge, inherit: maxAge === undefined && inherit };
}

function computePolicy(schema: GraphQLSchema, hints: CacheHints, document: DocumentNode, operation: OperationDefinitionNode): CachePolicy {
  const queryType = schema.getQueryType();
  if (operation.operation !== 'query' || !queryType) return NOT_CACHEABLE;
  const fragments = fragmentsOf(document);
  let maxAge = Number.POSITIVE_INFINITY;
  let scope: CacheScope = 'PUBLIC';
  const restrict = (seconds: number) => {
    maxAge = Math.min(maxAge, seconds);
  };
  const visited = new Map<SelectionSetNode, Set<GraphQLObjectType>>();

  const applies = (type: GraphQLObjectType, condition: string | undefined): boolean => {
    if (condition === undefined || condition === type.name) return true;
    const conditionType = schema.getType(condition);
    return conditionType !== undefined && isAbstractType(conditionType) && schema.isSubType(conditionType, type);
  };

  const visitField = (field: GraphQLField<unknown, unknown>, selectionSet: SelectionSetNode | undefined, isRoot: boolean) => {
    const fieldHint = hints.field(field);
    const named = getNamedType(field.type);
    const composite = isCompositeType(named);
    const typeHint = composite ? hints.type(named) : {};
    if (fieldHint.scope === 'PRIVATE' || typeHint.scope === 'PRIVATE') scope = 'PRIVATE';
    if (composite && isAbstractType(named)) {
      for (const possible of schema.getPossibleTypes(named)) if (hints.type(possible).scope === 'PRIVATE') scope = 'PRIVATE';
    }
    const fromType = composite ? typeMaxAge(schema, hints, named) : { maxAge: undefined, inherit: false };
    const fieldMaxAge = fieldHint.maxAge ?? fromType.maxAge;
    const inherits = fieldMaxAge === undefined && (fieldHint.inheritMaxAge === true || fromType.inherit);
    if (fieldMaxAge !== undefined) restrict(fieldMaxAge);
    // Like Apollo's default: an object and a root field without a hint are not cacheable; a scalar takes its parent's.
    else if (!inherits && (composite || isRoot)) restrict(0);
    if (composite && selectionSet) {
      const objectTypes = isAbstractType(named) ? schema.getPossibleTypes(named) : [named as GraphQLObjectType];
      for (const objectType of objectTypes) visitSelections(objectType, selectionSet, false);
    }
  };

  const visitSelections = (type: GraphQLObjectType, selectionSet: SelectionSetNode, isRoot: boolean) => {
    const seen = visited.get(selectionSet) ?? new Set();
    if (seen.has(type)) return;
    seen.add(type);
    visited.set(selectionSet, seen);
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') continue;
        const field = type.getFields()[name];
        // `__schema` and `__type`: introspection is never cached.
        if (!field) restrict(0);
        else visitField(field, selection.selectionSet, isRoot);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(type, selection.typeCondition?.name.value)) visitSelections(type, selection.selectionSet, isRoot);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && applies(type, fragment.typeCondition.name.value)) visitSelections(type, fragment.selectionSet, isRoot);
      }
    }
  };

  visitSelections(queryType, operation.selectionSet, true);
  return { maxAge: Number.isFinite(maxAge) ? maxAge : 0, scope };
}
