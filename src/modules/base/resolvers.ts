import type { Context } from '../../context';
import type { Resolvers, ResolversInterfaceTypes, ResolversTypes } from '../../generated/graphql';
import { badUserInput } from '../../graphql/errors';
import { parseGlobalId, type NodeType } from '../../graphql/global-id';
import { loadVisibleProduct } from '../catalog/service';

type NodeModel = ResolversInterfaceTypes<ResolversTypes>['Node'];

const MAX_NODE_IDS = 100;

// Which GraphQL type each object loaded by `node` is: Prisma models carry no
// type name, and the global ID already told us.
const nodeTypes = new WeakMap<object, NodeType>();

const loadByType: Record<NodeType, (ctx: Context, id: number) => Promise<NodeModel | null>> = {
  User: (ctx, id) => ctx.loaders.account.userById.load(id),
  Category: (ctx, id) => ctx.loaders.catalog.categoryById.load(id),
  Product: (ctx, id) => loadVisibleProduct(ctx, id),
  Review: (ctx, id) => ctx.loaders.catalog.reviewById.load(id),
  Cart: (ctx, id) => ctx.loaders.cart.cartById.load(id),
  CartItem: (ctx, id) => ctx.loaders.cart.cartItemById.load(id),
  Order: (ctx, id) => ctx.loaders.order.orderById.load(id),
  OrderItem: (ctx, id) => ctx.loaders.order.orderItemById.load(id),
  Payment: (ctx, id) => ctx.loaders.order.paymentById.load(id),
};

/** Resolves a global ID to its object, or null when none exists. Malformed IDs are BAD_USER_INPUT. */
async function loadNode(ctx: Context, globalId: string, argument: string): Promise<NodeModel | null> {
  const decoded = parseGlobalId(globalId);
  if (!decoded) throw badUserInput(`"${argument}" is not a valid ID.`, argument);
  const node = await loadByType[decoded.type](ctx, decoded.id);
  if (node) nodeTypes.set(node, decoded.type);
  return node;
}

export const baseResolvers: Resolvers = {
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
      return type;
    },
  },
};
