import type { GatewayModule, NodeTypes } from '../../graphql/module';
import { createAccountLoaders } from './loaders';
import { accountPermissions } from './permissions';
import { accountResolvers } from './resolvers';

const nodeTypes: NodeTypes = {
  // Anyone may look a user up; what may be read of them is decided field by field.
  User: (ctx, id) => ctx.loaders.account.userById.load(id),
};

/** Accounts: sign-up, sign-in, sessions, the viewer, users and roles. */
export const accountModule = {
  name: 'account',
  resolvers: accountResolvers,
  permissions: accountPermissions,
  createLoaders: createAccountLoaders,
  nodeTypes,
} satisfies GatewayModule;
