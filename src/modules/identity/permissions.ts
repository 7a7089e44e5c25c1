import { allow } from 'graphql-shield';
import type { RuleMap } from '../../graphql/permissions/engine';
import { isAuthenticated } from '../../graphql/permissions/rules';
import { selfOrStaff } from '../account/permissions';

export const identityPermissions: RuleMap = {
  Mutation: {
    // Holding the one-time code is the credential, as the password is for login.
    completeExternalSignIn: allow,
    unlinkIdentity: isAuthenticated,
  },
  User: { identities: selfOrStaff },
  // Reached only through User.identities, which is guarded.
  ExternalIdentity: { provider: allow, email: allow, createdAt: allow },
  UnlinkIdentityPayload: { user: allow, userErrors: allow },
  IdentityUserError: { field: allow, message: allow, code: allow },
};
