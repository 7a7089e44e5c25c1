import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql';
import { accountPermissions } from '../modules/account/permissions';
import { accountResolvers } from '../modules/account/resolvers';
import { basePermissions } from '../modules/base/permissions';
import { baseResolvers } from '../modules/base/resolvers';
import { cartPermissions } from '../modules/cart/permissions';
import { cartResolvers } from '../modules/cart/resolvers';
import { catalogPermissions } from '../modules/catalog/permissions';
import { catalogResolvers } from '../modules/catalog/resolvers';
import { orderPermissions } from '../modules/order/permissions';
import { orderResolvers } from '../modules/order/resolvers';
import { applyPermissions, mergeRuleMaps } from './permissions';
import { loadTypeDefs } from './sdl';

const scalarResolvers: Resolvers = { DateTime: DateTimeResolver };

/** Every domain's rules, merged: the single place shield's rule tree comes from. */
export const permissionRules = mergeRuleMaps(basePermissions, accountPermissions, catalogPermissions, cartPermissions, orderPermissions);

/** The schema without authorization: for the benchmark's comparison and the rule-coverage test only. */
export function createUnprotectedSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [scalarResolvers, baseResolvers, accountResolvers, catalogResolvers, cartResolvers, orderResolvers],
  });
}

/** The gateway's schema: SDL from schema/, the domains' resolvers, and graphql-shield on top. */
export function createSchema(options: { permissions?: boolean } = {}): GraphQLSchema {
  const schema = createUnprotectedSchema();
  return options.permissions === false ? schema : applyPermissions(schema, permissionRules);
}
