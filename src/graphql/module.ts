import type { Context } from '../context';
import type { Db } from '../db/prisma';
import type { Resolvers } from '../generated/graphql';
import type { NodeType } from './global-id';
import type { RuleMap } from './permissions/engine';

/**
 * Loads the object a global ID names for `node`/`nodes`, or null when it does
 * not exist or the viewer may not see it (both read the same: existence never leaks).
 */
export type NodeLoader = (ctx: Context, id: number) => Promise<object | null>;

/** The node types a module owns, each with its loader. The global ID's type prefix is the type's name. */
export type NodeTypes = Partial<Record<NodeType, NodeLoader>>;

/**
 * How a domain describes itself to the gateway, once: its resolvers, its
 * shield rules, its per-request loaders and the node types it owns.
 * `src/registry.ts` composes the modules; codegen finds each module's mappers
 * in its `mappers.ts`.
 */
export interface GatewayModule {
  name: string;
  resolvers: Resolvers;
  permissions: RuleMap;
  /** Builds this module's DataLoaders for one request (`ctx.loaders.<name>`). */
  createLoaders: (db: Db) => object;
  nodeTypes: NodeTypes;
}
