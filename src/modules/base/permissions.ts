import { allow } from 'graphql-shield';
import type { RuleMap } from '../../graphql/permissions/engine';

// Looking an object up is public; what may be read of it is decided by its own type's rules.
export const basePermissions: RuleMap = {
  Query: { node: allow, nodes: allow },
  PageInfo: { hasNextPage: allow, hasPreviousPage: allow, startCursor: allow, endCursor: allow },
  Money: { amount: allow, currencyCode: allow },
};
