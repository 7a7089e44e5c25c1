import type { GraphQLSchema } from 'graphql';
import type { Context } from '../context';
import type { Resolvers, ResolversInterfaceTypes, ResolversTypes } from '../generated/graphql';
import { badUserInput } from './errors';
import { parseGlobalId } from './global-id';
import type { NodeLoader } from './module';

type NodeModel = ResolversInterfaceTypes<ResolversTypes>['Node'];

const MAX_NODE_IDS = 100;

/**
 * `Query.node`, `Query.nodes` and `Node.__resolveType` over the node loaders
 * the modules registered. A missing object and an object the viewer may not
 * see both read as null; an ID that is not one of ours is BAD_USER_INPUT.
 */
export function createNodeResolvers(loaders: ReadonlyMap<string, NodeLoader>): Resolvers {
  // Which GraphQL type each object loaded by `node` is: Prisma models carry no
  // type name, and the global ID already told us.
  const nodeTypes = new WeakMap<object, string>();

  async function loadNode(ctx: Context, globalId: string, argument: string): Promise<NodeModel | null> {
    const decoded = parseGlobalId(globalId);
    const load = decoded ? loaders.get(decoded.type) : undefined;
    // An ID of a type we never issue is malformed, not missing.
    if (!decoded || !load) throw badUserInput(`"${argument}" is not a valid ID.`, argument);
    const node = await load(ctx, decoded.id);
    if (node) nodeTypes.set(node, decoded.type);
    return node as NodeModel | null;
  }

  return {
    Query: {
      node: (_, { id }, ctx) => loadNode(ctx, id, 'id'),
      nodes: (_, { ids }, ctx) => {
        if (ids.length > MAX_NODE_IDS) throw badUserInput(`"ids" may hold at most ${MAX_NODE_IDS} IDs.`, 'ids');
        return Promise.all(ids.map((id, index) => loadNode(ctx, id, `ids[${index}]`)));
      },
    },
    Node: {
      __resolveType: (node) => {
        const type = nodeTypes.get(node);
        if (!type) throw new Error('Node resolved without a known type');
        return type as ReturnType<NonNullable<Resolvers['Node']>['__resolveType']> & string;
      },
    },
  };
}

/** Types that implement `Node` in the schema but have no loader: `node(id)` could never return them. */
export function nodeTypesWithoutLoader(schema: GraphQLSchema, loaders: ReadonlyMap<string, NodeLoader>): string[] {
  const node = schema.getType('Node');
  if (!node || !('getFields' in node)) return [];
  return schema
    .getPossibleTypes(node as Parameters<GraphQLSchema['getPossibleTypes']>[0])
    .map((type) => type.name)
    .filter((name) => !loaders.has(name));
}
