import { allow } from 'graphql-shield';
import type { RuleMap } from '../../graphql/permissions';

export const accountPermissions: RuleMap = {
  User: {
    id: allow,
    name: allow,
  },
};
