import {
  getArgumentValues,
  getNamedType,
  GraphQLError,
  isAbstractType,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../errors';
import { argumentsCost } from './argument-cost';
import { perSchema } from './per-document';
import { fragmentsOf, isIncluded, typeConditionApplies } from './selections';
import { costModelOf, DEFAULT_LIST_SIZE, type CostModel, type FieldCost, type ListSize } from './schema-costs';

/** The size a connection field hands down to its sized child fields (`edges`, `nodes`). */
interface Sizing {
  fields: readonly string[];
  size: number;
}

/**
 * The static cost of an operation, before it runs, after the cost
 * specification: each field costs its weight plus the cost of its selections,
 * once per item a list field is assumed to return (the slicing argument's
 * value, else the assumed size), plus the weights of the arguments given.
 * Where the result's type is abstract, the costliest possible type counts.
 *
 * It is an upper bound: a field selected twice (or a fragment spread twice)
 * counts twice although execution merges them. That keeps the walk linear in
 * the document, fragments being priced once per type and sizing, so a
 * document of exponentially nested spreads costs no more to price than to
 * read (and prices astronomically, so it is refused).
 *
 * Neither GraphQL Armor's cost limit (fixed weights of its own, no
 * variables) nor graphql-query-complexity (a `@complexity` directive of its
 * own) reads the cost specification's directives, hence this walk.
 *
 * `variables` must be coerced (as execution coerces them).
 * @throws GraphQLError (BAD_USER_INPUT) when a field whose @listSize requires
 * exactly one slicing argument gets none or several.
 */
export function requestedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  return pricesOf(schema).get(document, operation, variables, () =>
    new RequestedCostWalk(schema, costModelOf(schema), fragmentsOf(document), variables).root(root, operation.selectionSet),
  );
}

/** The requested costs already worked out for a schema's documents. */
const pricesOf = perSchema<number>();

/** The list size a slicing argument gives: an Int's value, a list's length (the extension documented in schema/cost.graphql). */
function slicingValue(value: unknown): number | null {
  if (typeof value === 'number') return Math.max(0, value);
  if (Array.isArray(value)) return value.length;
  return null;
}

class RequestedCostWalk {
  /** Fragment costs by fragment, type and sizing: each is priced once however often it is spread. */
  private readonly fragmentCosts = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly model: CostModel,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** The cost of the root selections. */
  root(type: GraphQLObjectType, selectionSet: SelectionSetNode): number {
    return this.objectSelections(type, selectionSet, null);
  }

  /** One item of a field of type `type`: its weight and its selections; for an interface or a union, the costliest object type it may be. */
  private item(field: FieldCost, type: GraphQLNamedType, selectionSet: SelectionSetNode | undefined, sizing: Sizing | null): number {
    if (!selectionSet || !isCompositeType(type)) return this.model.itemWeight(field, type);
    if (!isAbstractType(type)) return this.model.itemWeight(field, type) + this.objectSelections(type, selectionSet, sizing);
    let costliest = 0;
    for (const possible of this.schema.getPossibleTypes(type)) {
      costliest = Math.max(costliest, this.model.itemWeight(field, possible) + this.objectSelections(possible, selectionSet, sizing));
    }
    return costliest;
  }

  private objectSelections(type: GraphQLObjectType, selectionSet: SelectionSetNode, sizing: Sizing | null): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (!isIncluded(selection, this.variables)) continue;
      if (selection.kind === Kind.FIELD) {
        total += this.field(type, selection, sizing);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (typeConditionApplies(this.schema, selection.typeCondition, type)) total += this.objectSelections(type, selection.selectionSet, sizing);
      } else {
        total += this.fragment(type, selection.name.value, sizing);
      }
    }
    return total;
  }

  private fragment(type: GraphQLObjectType, name: string, sizing: Sizing | null): number {
    const key = `${name}\n${type.name}\n${sizing ? `${sizing.size}:${sizing.fields.join(',')}` : ''}`;
    const known = this.fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    // Validation refuses cycles; the placeholder keeps this walk finite on an unvalidated document too.
    this.fragmentCosts.set(key, 0);
    const cost = fragment && typeConditionApplies(this.schema, fragment.typeCondition, type) ? this.objectSelections(type, fragment.selectionSet, sizing) : 0;
    this.fragmentCosts.set(key, cost);
    return cost;
  }

  private field(parent: GraphQLObjectType, node: FieldNode, sizing: Sizing | null): number {
    // __typename is free; introspection (__schema, __type) is not priced: it is off in production unless enabled.
    if (node.name.value.startsWith('__')) return 0;
    const definition = parent.getFields()[node.name.value];
    if (!definition) return 0;
    const cost = this.model.field(definition);
    const { listSize, listDepth } = cost;
    const args = this.argumentValues(definition, node);
    let items = 1;
    if (listDepth > 0) {
      const size = sizing?.fields.includes(definition.name) ? sizing.size : this.ownListSize(definition, listSize, args);
      items = size ** listDepth;
    }
    const childSizing = listSize && listSize.sizedFields.length > 0 ? { fields: listSize.sizedFields, size: this.sliceSize(definition, listSize, args) } : null;
    return argumentsCost(this.model, definition, args) + items * this.item(cost, getNamedType(definition.type), node.selectionSet, childSizing);
  }

  private ownListSize(field: GraphQLField<unknown, unknown>, listSize: ListSize | null, args: Record<string, unknown>): number {
    if (!listSize || listSize.sizedFields.length > 0) return DEFAULT_LIST_SIZE;
    return this.sliceSize(field, listSize, args);
  }

  private sliceSize(field: GraphQLField<unknown, unknown>, listSize: ListSize, args: Record<string, unknown>): number {
    const given = listSize.slicingArguments.map((name) => slicingValue(args[name])).filter((value): value is number => value !== null);
    if (listSize.requireOneSlicingArgument && listSize.slicingArguments.length > 0 && given.length !== 1) {
      const names = listSize.slicingArguments.map((name) => `"${name}"`).join(', ');
      throw new GraphQLError(`"${field.name}" needs exactly one of the arguments ${names}.`, {
        extensions: { code: ErrorCode.BAD_USER_INPUT, argument: listSize.slicingArguments[0] },
      });
    }
    if (given.length > 0) return Math.max(...given);
    return listSize.assumedSize ?? DEFAULT_LIST_SIZE;
  }

  private argumentValues(field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    try {
      return getArgumentValues(field, node, this.variables);
    } catch {
      // An argument that does not coerce: execution refuses the field before it runs, so it costs its defaults here.
      return {};
    }
  }
}
