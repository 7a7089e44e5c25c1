import { allow, or } from 'graphql-shield';
import type { User } from '../../generated/prisma/client';
import type { RuleMap } from '../../graphql/permissions/engine';
import { defineRule, isAdmin, isStaff } from '../../graphql/permissions/rules';

/** The user being read is the viewer (or signed in during this request). No query: the parent row is at hand. */
const isSelf = defineRule<User>('isSelf', 'no_cache', (user, _args, ctx) => ctx.viewer?.id === user.id || ctx.signedIn.has(user.id));

export const selfOrStaff = or(isSelf, isStaff);
const selfOrAdmin = or(isSelf, isAdmin);

export const accountPermissions: RuleMap = {
  Query: { viewer: allow, users: isAdmin },
  Mutation: {
    register: allow,
    login: allow,
    // Holding the refresh token is the credential.
    refreshSession: allow,
    logout: allow,
    setUserRole: isAdmin,
  },
  User: {
    id: allow,
    name: allow,
    email: selfOrStaff,
    role: selfOrAdmin,
    createdAt: selfOrStaff,
  },
  UserConnection: { edges: allow, nodes: allow, pageInfo: allow, totalCount: allow },
  UserEdge: { cursor: allow, node: allow },
  AuthPayload: { accessToken: allow, refreshToken: allow, user: allow, userErrors: allow },
  LogoutPayload: { revoked: allow, userErrors: allow },
  UserPayload: { user: allow, userErrors: allow },
  AccountUserError: { field: allow, message: allow, code: allow },
};
