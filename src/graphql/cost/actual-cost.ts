import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { argumentsCost } from './argument-cost';
import { perSchema } from './per-document';
import { collectFields, fragmentsOf } from './selections';
import { costModelOf, type CostModel, type FieldCost } from './schema-costs';

/**
 * The cost of what an operation actually returned: the same weights as the
 * requested cost, charged for the objects and values in `data` instead of
 * assumed list sizes. A field that resolved to null costs nothing (nothing
 * was fetched beneath it), a list costs its items, and a field selected
 * twice counts once, as execution merged it.
 *
 * Where a field's type is abstract and the object carries no `__typename`,
 * the object is priced as the costliest possible type whose fields match
 * its keys (an upper bound; selecting `__typename` makes it exact).
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  data: Record<string, unknown> | null | undefined,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root || !data) return 0;
  // The walk keeps what it learnt of the document (fields collected per type, their weights): the next
  // response to the same operation and variables is priced without collecting anything again.
  const walk = walksOf(schema).get(document, operation, variables, () => new ActualCostWalk(schema, costModelOf(schema), fragmentsOf(document), variables));
  return walk.root(root, operation.selectionSet, data);
}

const walksOf = perSchema<ActualCostWalk>();

/** A field of a collected selection, with what pricing its values needs worked out once. */
interface PricedField {
  /** The response key (alias or name). */
  key: string;
  definition: GraphQLField<unknown, unknown>;
  nodes: FieldNode[];
  /** The weights of its arguments. */
  argumentsCost: number;
  cost: FieldCost;
  /** Its named type, and for a scalar or an enum what one value weighs (null for an object, an interface or a union). */
  named: GraphQLNamedType;
  leafWeight: number | null;
}

class ActualCostWalk {
  /** Collected fields by selection sets and type: every object of a list shares its siblings' collection. */
  private readonly collected = new Map<readonly SelectionSetNode[], Map<string, Map<string, FieldNode[]>>>();
  /** The same, as priced fields, for walking values. */
  private readonly priced = new Map<readonly SelectionSetNode[], Map<string, PricedField[]>>();
  private readonly rootSets = new Map<SelectionSetNode, readonly SelectionSetNode[]>();
  /** The child selection sets of each merged field, kept so the cache above sees the same array each time. */
  private readonly childSets = new Map<readonly FieldNode[], SelectionSetNode[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly model: CostModel,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** The cost of the root selections. */
  root(type: GraphQLObjectType, selectionSet: SelectionSetNode, data: Record<string, unknown>): number {
    // One array per root selection set, as the caches are keyed by the arrays: a new one per call would grow them per request.
    let sets = this.rootSets.get(selectionSet);
    if (!sets) {
      sets = [selectionSet];
      this.rootSets.set(selectionSet, sets);
    }
    return this.concrete(type, sets, data);
  }

  /** One object a field returned: its weight and its fields; for an interface or a union, as the object type it is. */
  private object(field: FieldCost, type: GraphQLCompositeType, selectionSets: readonly SelectionSetNode[], value: Record<string, unknown>): number {
    if (isObjectType(type)) return this.model.itemWeight(field, type) + this.concrete(type, selectionSets, value);
    const candidates = this.runtimeCandidates(type, selectionSets, value);
    return Math.max(0, ...candidates.map((candidate) => this.model.itemWeight(field, candidate) + this.concrete(candidate, selectionSets, value)));
  }

  private runtimeCandidates(type: GraphQLCompositeType, selectionSets: readonly SelectionSetNode[], value: Record<string, unknown>): readonly GraphQLObjectType[] {
    const possible = isAbstractType(type) ? this.schema.getPossibleTypes(type) : [];
    const named = typeof value.__typename === 'string' ? possible.find((candidate) => candidate.name === value.__typename) : undefined;
    if (named) return [named];
    const keys = Object.keys(value);
    const matching = possible.filter((candidate) => {
      const fields = this.fieldsOf(candidate, selectionSets);
      return keys.every((key) => fields.has(key));
    });
    return matching.length > 0 ? matching : possible;
  }

  private fieldsOf(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): Map<string, FieldNode[]> {
    let byType = this.collected.get(selectionSets);
    if (!byType) {
      byType = new Map();
      this.collected.set(selectionSets, byType);
    }
    let fields = byType.get(type.name);
    if (!fields) {
      fields = collectFields(this.schema, this.fragments, this.variables, type, selectionSets);
      byType.set(type.name, fields);
    }
    return fields;
  }

  private pricedFields(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): PricedField[] {
    let byType = this.priced.get(selectionSets);
    if (!byType) {
      byType = new Map();
      this.priced.set(selectionSets, byType);
    }
    let fields = byType.get(type.name);
    if (!fields) {
      fields = [];
      for (const [key, nodes] of this.fieldsOf(type, selectionSets)) {
        const name = nodes[0]!.name.value;
        const definition = name.startsWith('__') ? undefined : type.getFields()[name];
        if (!definition) continue;
        const argumentsCost = this.argumentsCost(definition, nodes[0]!);
        const cost = this.model.field(definition);
        const named = getNamedType(definition.type);
        const leafWeight = isCompositeType(named) ? null : this.model.itemWeight(cost, named);
        // A scalar that weighs nothing, with arguments that weigh nothing, costs nothing whatever its value:
        // most fields of a response, not visited at all.
        if (leafWeight === 0 && argumentsCost === 0) continue;
        fields.push({ key, definition, nodes, argumentsCost, cost, named, leafWeight });
      }
      byType.set(type.name, fields);
    }
    return fields;
  }

  private concrete(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[], value: Record<string, unknown>): number {
    let total = 0;
    for (const field of this.pricedFields(type, selectionSets)) {
      const fieldValue = value[field.key];
      if (fieldValue === null || fieldValue === undefined) continue;
      total += field.argumentsCost + this.items(field, field.definition.type, fieldValue);
    }
    return total;
  }

  private items(field: PricedField, type: GraphQLOutputType, value: unknown): number {
    if (value === null || value === undefined) return 0;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      if (!Array.isArray(value)) return 0;
      let total = 0;
      for (const item of value) total += this.items(field, nullable.ofType as GraphQLOutputType, item);
      return total;
    }
    if (field.leafWeight !== null || typeof value !== 'object') return field.leafWeight ?? this.model.itemWeight(field.cost, field.named);
    return this.object(field.cost, field.named as GraphQLCompositeType, this.childSelectionSets(field.nodes), value as Record<string, unknown>);
  }

  private childSelectionSets(nodes: readonly FieldNode[]): SelectionSetNode[] {
    let sets = this.childSets.get(nodes);
    if (!sets) {
      sets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
      this.childSets.set(nodes, sets);
    }
    return sets;
  }

  private argumentsCost(definition: GraphQLField<unknown, unknown>, node: FieldNode): number {
    if (!this.model.weighsInput) return 0;
    try {
      return argumentsCost(this.model, definition, getArgumentValues(definition, node, this.variables));
    } catch {
      return 0;
    }
  }
}
