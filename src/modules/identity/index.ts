import type { GatewayModule } from '../../graphql/module';
import { createIdentityLoaders } from './loaders';
import { identityPermissions } from './permissions';
import { identityResolvers } from './resolvers';

/**
 * Sign-in through OpenID Connect providers: the accounts' linked identities,
 * the exchange of a sign-in code for a session, unlinking. The browser's side
 * of the flow (redirects, callback) is src/http/auth; talking to providers is
 * src/integrations/oidc.
 */
export const identityModule = {
  name: 'identity',
  resolvers: identityResolvers,
  permissions: identityPermissions,
  createLoaders: createIdentityLoaders,
  nodeTypes: {},
} satisfies GatewayModule;
