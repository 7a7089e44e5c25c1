import { formatAmount } from '../../core/money';
import type { Resolvers } from '../../generated/graphql';

/** The vocabulary every domain shares. (`node`/`nodes` are assembled from the registry in src/graphql/node.ts.) */
export const baseResolvers: Resolvers = {
  Money: {
    amount: (value) => formatAmount(value.cents),
    currencyCode: (value) => value.currency,
  },
};
