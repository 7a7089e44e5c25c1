import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { perOperation } from './per-operation';

/** Field names by object type name: every field an operation may select on objects of that type. */
export type FieldsByType = ReadonlyMap<string, ReadonlySet<string>>;

export interface OperationInfo {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
}

const known = perOperation<FieldsByType>();

/**
 * Every field the operation selects on each object type, wherever in the
 * operation: a field selected on an interface or union counts for each of
 * its object types, fragments are followed, and `@skip`/`@include` are
 * ignored (a field that may be selected counts). So a row read with the
 * columns these fields need serves every resolver of this operation that
 * may see it, whichever path leads there. `__typename` needs no column and
 * is left out. Kept per parsed operation (Apollo hands the same document
 * per query text).
 */
export function selectedFields({ schema, operation, fragments }: OperationInfo): FieldsByType {
  return known(schema, operation, () => collect(schema, operation, fragments));
}

function collect(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): FieldsByType {
  const found = new Map<string, Set<string>>();
  // A selection set is walked once per type it is seen in (fragments are reused; their cycles are invalid anyway).
  const walked = new WeakMap<SelectionSetNode, Set<GraphQLCompositeType>>();
  const objectsOf = (type: GraphQLCompositeType) => (isAbstractType(type) ? schema.getPossibleTypes(type) : [type]);

  const visit = (set: SelectionSetNode, type: GraphQLCompositeType) => {
    let types = walked.get(set);
    if (!types) {
      types = new Set();
      walked.set(set, types);
    }
    if (types.has(type)) return;
    types.add(type);
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        for (const object of objectsOf(type)) {
          let names = found.get(object.name);
          if (!names) {
            names = new Set();
            found.set(object.name, names);
          }
          names.add(name);
        }
        // (A union has no fields but __typename: its selections are in fragments.)
        const definition = isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
        const below = definition ? getNamedType(definition.type) : undefined;
        if (selection.selectionSet && below && isCompositeType(below)) visit(selection.selectionSet, below);
      } else {
        const fragment = selection.kind === 'InlineFragment' ? selection : fragments[selection.name.value];
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        if (condition && isCompositeType(condition)) visit(fragment.selectionSet, condition);
      }
    }
  };

  const root = schema.getRootType(operation.operation);
  if (root) visit(operation.selectionSet, root);
  return found;
}
