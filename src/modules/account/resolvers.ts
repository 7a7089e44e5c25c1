import type { Context } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { connectionResolvers } from '../../graphql/connection';
import { fromGlobalId, toGlobalId } from '../../graphql/global-id';
import { payload } from '../../graphql/payload';
import * as auth from './auth-service';
import type { Session } from './auth-service';
import type { AccountResult } from './errors';
import { usersConnection } from './queries';
import * as users from './user-service';

/**
 * An `AuthPayload`. The signed-in user may read their own `user { email role }`
 * in it (see `isSelf`), while the request goes on as whoever sent it.
 */
export function authPayload(ctx: Pick<Context, 'signedIn'>, result: AccountResult<Session>) {
  if (!result.ok) return { accessToken: null, refreshToken: null, user: null, userErrors: result.userErrors };
  const { accessToken, refreshToken, user } = result.value;
  ctx.signedIn.add(user.id);
  return { accessToken, refreshToken, user, userErrors: [] };
}

export const accountResolvers: Resolvers = {
  Query: {
    viewer: (_, __, ctx) => (ctx.viewer ? ctx.loaders.account.userById.load(ctx.viewer.id) : null),
    users: (_, args, ctx) => usersConnection(ctx, args),
  },
  Mutation: {
    register: async (_, { input }, ctx) => authPayload(ctx, await auth.register(ctx, input)),
    login: async (_, { input }, ctx) => authPayload(ctx, await auth.login(ctx, input)),
    refreshSession: async (_, { input }, ctx) => authPayload(ctx, await auth.refreshSession(ctx, input.refreshToken)),
    logout: async (_, { input }, ctx) => {
      const result = await auth.logout(ctx, input.refreshToken);
      return result.ok ? { revoked: result.value, userErrors: [] } : { revoked: false, userErrors: result.userErrors };
    },
    setUserRole: async (_, { input }, ctx) => {
      const userId = fromGlobalId(input.userId, 'User', 'input.userId');
      return payload('user', await users.setUserRole(ctx, { userId, role: input.role }));
    },
  },
  User: {
    id: (user) => toGlobalId('User', user.id),
  },
  UserConnection: connectionResolvers,
};
