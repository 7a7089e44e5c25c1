import type { Resolvers } from '../../generated/graphql';
import { payload } from '../../graphql/payload';
import { authPayload } from '../account/resolvers';
import { unlinkIdentity } from './service';
import { completeExternalSignIn } from './sign-in-code';

export const identityResolvers: Resolvers = {
  Mutation: {
    completeExternalSignIn: async (_, { input }, ctx) => authPayload(ctx, await completeExternalSignIn(ctx, input.code)),
    unlinkIdentity: async (_, { input }, ctx) => payload('user', await unlinkIdentity(ctx, { provider: input.provider })),
  },
  User: {
    identities: (user, _, ctx) => ctx.loaders.identity.identitiesByUser.load(user.id),
  },
};
