import type { GatewayModule } from '../../graphql/module';
import { basePermissions } from './permissions';
import { baseResolvers } from './resolvers';

/** The shared vocabulary: `Node` lookups, `PageInfo`, `Money`, the `UserError` interface. */
export const baseModule = {
  name: 'base',
  resolvers: baseResolvers,
  permissions: basePermissions,
  createLoaders: () => ({}),
  nodeTypes: {},
} satisfies GatewayModule;
