import type { Resolvers } from '../../generated/graphql';
import { connectionResolvers } from '../../graphql/connection';
import { toGlobalId } from '../../graphql/global-id';
import type { ServiceResult } from '../../graphql/result';
import * as auth from './auth-service';
import type { Session } from './auth-service';
import * as users from './user-service';

function authPayload(result: ServiceResult<Session>) {
  return result.ok
    ? { ...result.value, userErrors: [] }
    : { accessToken: null, refreshToken: null, user: null, userErrors: result.userErrors };
}

export const accountResolvers: Resolvers = {
  Query: {
    viewer: (_, __, ctx) => (ctx.viewer ? ctx.loaders.account.userById.load(ctx.viewer.id) : null),
    users: (_, args, ctx) => users.listUsers(ctx, args),
  },
  Mutation: {
    register: async (_, { input }, ctx) => authPayload(await auth.register(ctx, input)),
    login: async (_, { input }, ctx) => authPayload(await auth.login(ctx, input)),
    refreshSession: async (_, { input }, ctx) => authPayload(await auth.refreshSession(ctx, input.refreshToken)),
    logout: async (_, { input }, ctx) => {
      const result = await auth.logout(ctx, input.refreshToken);
      return result.ok ? { revoked: result.value, userErrors: [] } : { revoked: false, userErrors: result.userErrors };
    },
    setUserRole: async (_, { input }, ctx) => {
      const result = await users.setUserRole(ctx, input);
      return result.ok ? { user: result.value, userErrors: [] } : { user: null, userErrors: result.userErrors };
    },
  },
  User: {
    id: (user) => toGlobalId('User', user.id),
  },
  UserConnection: connectionResolvers,
};
