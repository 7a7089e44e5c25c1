import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  type ConstDirectiveNode,
  type GraphQLArgument,
  type GraphQLDirective,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

// The weights of schema/cost.graphql's @cost and @listSize, read once per
// schema object, with the defaults of the cost specification filled in, so the
// per-request walks only look values up. A misplaced or nonsensical directive
// stops the server at start-up, naming the schema coordinate.

/** Items a list field counts as when nothing else tells (no @listSize, no slicing argument, no assumed size). */
export const DEFAULT_LIST_SIZE = 10;
/** The weight of a field of `Mutation` without its own @cost: a write costs more than a read. */
export const MUTATION_FIELD_WEIGHT = 10;
/** What an object weighs without @cost on its field or its type. */
export const COMPOSITE_FIELD_WEIGHT = 1;
/** What a scalar or an enum value weighs without @cost on its field or its type. */
export const LEAF_FIELD_WEIGHT = 0;

export interface ListSize {
  assumedSize: number | null;
  slicingArguments: readonly string[];
  /** Child fields the size applies to (a connection's `edges` and `nodes`); empty when it applies to the field itself. */
  sizedFields: readonly string[];
  requireOneSlicingArgument: boolean;
}

export interface FieldCost {
  /** The field's own weight (@cost on the field, or the Mutation default); null: an item weighs what its type weighs. */
  weight: number | null;
  listSize: ListSize | null;
  /** How many list wrappers the field's type has (`[Product!]!` has 1). */
  listDepth: number;
}

export interface CostModel {
  field(field: GraphQLField<unknown, unknown>): FieldCost;
  /**
   * What one item a field returns weighs when the item is of `type`: the
   * field's own weight, else the type's (@cost on the type, else 1 for an
   * object, 0 for a scalar or an enum). Where a field returns an interface or
   * a union, `type` is the object type the item is (or may be).
   */
  itemWeight(field: FieldCost, type: GraphQLNamedType): number;
  argumentWeight(argument: GraphQLArgument): number;
  inputFieldWeight(field: GraphQLInputField): number;
  /** Whether any argument or input field weighs something: when none does, argument values need no walk. */
  readonly weighsInput: boolean;
}

const models = new WeakMap<GraphQLSchema, CostModel>();

function listDepth(type: GraphQLOutputType): number {
  let depth = 0;
  let current: GraphQLOutputType = getNullableType(type);
  while (isListType(current)) {
    depth += 1;
    current = getNullableType(current.ofType as GraphQLOutputType);
  }
  return depth;
}

/** The values of `directive` on a definition, its type extensions included. */
function directiveOn(
  directive: GraphQLDirective | null | undefined,
  nodes: ReadonlyArray<{ readonly directives?: ReadonlyArray<ConstDirectiveNode> } | null | undefined>,
): Record<string, unknown> | undefined {
  if (!directive) return undefined;
  for (const node of nodes) {
    const values = node ? getDirectiveValues(directive, node) : undefined;
    if (values) return values;
  }
  return undefined;
}

function parseWeight(raw: unknown, coordinate: string): number {
  if (typeof raw !== 'string' || !/^\d+(\.\d+)?$/.test(raw.trim())) {
    throw new Error(`@cost(weight: ${JSON.stringify(raw)}) on ${coordinate}: the weight must be a non-negative decimal number such as "2" or "0.5"`);
  }
  return Number(raw);
}

/** Reads @cost, @listSize and the defaults of every field, argument and input field of `schema`; throws on a bad annotation. */
function buildModel(schema: GraphQLSchema): CostModel {
  const cost = schema.getDirective('cost');
  const listSizeDirective = schema.getDirective('listSize');
  const typeWeights = new Map<GraphQLNamedType, number>();
  for (const type of Object.values(schema.getTypeMap())) {
    const values = directiveOn(cost, [type.astNode, ...(type.extensionASTNodes ?? [])]);
    if (values) typeWeights.set(type, parseWeight(values.weight, type.name));
  }
  const mutationType = schema.getMutationType();
  const fields = new Map<GraphQLField<unknown, unknown>, FieldCost>();
  const argumentWeights = new Map<GraphQLArgument, number>();
  const inputFieldWeights = new Map<GraphQLInputField, number>();

  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const own = directiveOn(cost, [field.astNode]);
        const weight = own ? parseWeight(own.weight, coordinate) : type === mutationType ? MUTATION_FIELD_WEIGHT : null;
        const depth = listDepth(field.type);
        const listSize = readListSize(directiveOn(listSizeDirective, [field.astNode]), field, coordinate, depth);
        fields.set(field, { weight, listSize, listDepth: depth });
        for (const argument of field.args) {
          const values = directiveOn(cost, [argument.astNode]);
          if (values) argumentWeights.set(argument, parseWeight(values.weight, `${coordinate}(${argument.name}:)`));
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const values = directiveOn(cost, [field.astNode]);
        if (values) inputFieldWeights.set(field, parseWeight(values.weight, `${type.name}.${field.name}`));
      }
    }
  }

  const fallback = (field: GraphQLField<unknown, unknown>): FieldCost => ({ weight: null, listSize: null, listDepth: listDepth(field.type) });
  return {
    // Fields outside the type map (the introspection meta-fields) get the defaults.
    field: (field) => fields.get(field) ?? fallback(field),
    itemWeight: (field, type) => field.weight ?? typeWeights.get(type) ?? (isCompositeType(type) ? COMPOSITE_FIELD_WEIGHT : LEAF_FIELD_WEIGHT),
    argumentWeight: (argument) => argumentWeights.get(argument) ?? 0,
    inputFieldWeight: (field) => inputFieldWeights.get(field) ?? 0,
    weighsInput: argumentWeights.size > 0 || inputFieldWeights.size > 0,
  };
}

function readListSize(
  values: Record<string, unknown> | undefined,
  field: GraphQLField<unknown, unknown>,
  coordinate: string,
  depth: number,
): ListSize | null {
  if (!values) return null;
  const where = `@listSize on ${coordinate}`;
  const assumedSize = (values.assumedSize as number | null | undefined) ?? null;
  if (assumedSize !== null && assumedSize < 0) throw new Error(`${where}: assumedSize must not be negative`);
  const slicingArguments = (values.slicingArguments as string[] | null | undefined) ?? [];
  for (const name of slicingArguments) {
    const argument = field.args.find((candidate) => candidate.name === name);
    const type = argument && getNullableType(argument.type);
    if (!type || (!isListType(type) && getNamedType(type).name !== 'Int')) {
      throw new Error(`${where}: slicing argument "${name}" is not an Int or list argument of the field`);
    }
  }
  const sizedFields = (values.sizedFields as string[] | null | undefined) ?? [];
  const target = getNamedType(field.type);
  for (const name of sizedFields) {
    const child = isObjectType(target) || isInterfaceType(target) ? target.getFields()[name] : undefined;
    if (!child || listDepth(child.type) === 0) throw new Error(`${where}: sized field "${name}" is not a list field of ${target.name}`);
  }
  if (sizedFields.length === 0 && depth === 0) throw new Error(`${where}: the field is not a list and names no sizedFields`);
  if (assumedSize === null && slicingArguments.length === 0) throw new Error(`${where}: give assumedSize or slicingArguments`);
  return { assumedSize, slicingArguments, sizedFields, requireOneSlicingArgument: values.requireOneSlicingArgument !== false };
}

/** The cost model of `schema`, built on first use and kept for the schema object's life. */
export function costModelOf(schema: GraphQLSchema): CostModel {
  let model = models.get(schema);
  if (!model) {
    model = buildModel(schema);
    models.set(schema, model);
  }
  return model;
}
