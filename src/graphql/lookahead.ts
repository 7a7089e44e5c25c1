import {
  getArgumentValues,
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/**
 * What a resolver's client asked for below it, read before anything is
 * fetched, so a list can fetch its children with it instead of after it
 * (one statement for a page of rows and their children, rather than one per
 * level). Only a hint: the child resolvers still run and authorise every
 * field; a lookahead that misses something merely leaves it to the loaders.
 */
export interface Selected {
  /** Every selection of `name` (aliases included) under these selections, in the type `type`. */
  field(name: string): SelectedField[];
}

export interface SelectedField {
  /** Its arguments with variables applied (null when they do not coerce: execution will say why). */
  args: Record<string, unknown> | null;
  /** What is selected below it, in its (unwrapped) result type. */
  below: Selected;
}

function included(node: { directives?: readonly unknown[] }, variables: Record<string, unknown>): boolean {
  if (!node.directives || node.directives.length === 0) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, variables);
  return include?.if !== false;
}

function unwrapped(type: unknown): GraphQLObjectType | null {
  let current = type as { ofType?: unknown };
  while (current && 'ofType' in current && current.ofType) current = current.ofType as { ofType?: unknown };
  return isObjectType(current) ? current : null;
}

function selectedIn(info: GraphQLResolveInfo, type: GraphQLObjectType | null, sets: readonly SelectionSetNode[]): Selected {
  return {
    field(name) {
      const found: SelectedField[] = [];
      const definition = type?.getFields()[name];
      const visit = (set: SelectionSetNode, seenFragments: Set<string>) => {
        for (const selection of set.selections) {
          if (!included(selection, info.variableValues)) continue;
          if (selection.kind === 'Field') {
            if (selection.name.value !== name || !definition) continue;
            let args: Record<string, unknown> | null;
            try {
              args = getArgumentValues(definition, selection, info.variableValues);
            } catch {
              args = null;
            }
            found.push({ args, below: selectedIn(info, unwrapped(definition.type), selection.selectionSet ? [selection.selectionSet] : []) });
          } else if (selection.kind === 'InlineFragment') {
            visit(selection.selectionSet, seenFragments);
          } else {
            const fragment = info.fragments[selection.name.value];
            if (!fragment || seenFragments.has(fragment.name.value)) continue;
            visit(fragment.selectionSet, new Set([...seenFragments, fragment.name.value]));
          }
        }
      };
      for (const set of sets) visit(set, new Set());
      return found;
    },
  };
}

/** What is selected below the field being resolved (all its occurrences merged, as execution merges them). */
export function lookahead(info: GraphQLResolveInfo): Selected {
  const sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  return selectedIn(info, unwrapped(info.returnType), sets);
}

/** The selections of a connection's items: `nodes { … }` and `edges { node { … } }`, together. */
export function connectionItems(connection: Selected): Selected {
  const parts = [...connection.field('nodes').map((nodes) => nodes.below), ...connection.field('edges').flatMap((edges) => edges.below.field('node').map((node) => node.below))];
  return { field: (name) => parts.flatMap((part) => part.field(name)) };
}
