import type { Resolvers } from '../../generated/graphql';
import { toGlobalId } from '../../graphql/global-id';

export const accountResolvers: Resolvers = {
  User: {
    id: (user) => toGlobalId('User', user.id),
  },
};
