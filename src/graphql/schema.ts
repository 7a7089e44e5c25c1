import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql';
import { moduleResolvers, moduleRules, nodeLoaders } from '../registry';
import { createNodeResolvers, nodeTypesWithoutLoader } from './node';
import { applyPermissions, mergeRuleMaps } from './permissions/engine';
import { loadTypeDefs } from './sdl';

const scalarResolvers: Resolvers = { DateTime: DateTimeResolver };

/** Every module's rules, merged: the single place shield's rule tree comes from. */
export const permissionRules = mergeRuleMaps(...moduleRules);

/** The schema without authorization: for the benchmark's comparison and the rule-coverage test only. */
export function createUnprotectedSchema(): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [scalarResolvers, createNodeResolvers(nodeLoaders), ...moduleResolvers],
  });
  const unloadable = nodeTypesWithoutLoader(schema, nodeLoaders);
  if (unloadable.length > 0) throw new Error(`Node types without a loader in any module: ${unloadable.join(', ')}`);
  return schema;
}

/** The gateway's schema: SDL from schema/, the modules' resolvers, and graphql-shield on top. */
export function createSchema(options: { permissions?: boolean } = {}): GraphQLSchema {
  const schema = createUnprotectedSchema();
  return options.permissions === false ? schema : applyPermissions(schema, permissionRules);
}
