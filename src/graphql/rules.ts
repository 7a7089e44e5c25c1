import { rule } from 'graphql-shield';
import type { Context, Viewer } from '../context';
import type { Role } from '../generated/prisma/client';
import { forbidden, unauthenticated } from './errors';

const RANK: Record<Role, number> = { CUSTOMER: 0, STAFF: 1, ADMIN: 2 };

/** ADMIN includes STAFF, which includes CUSTOMER. */
export function hasRole(viewer: Viewer | null, role: Role): boolean {
  return viewer !== null && RANK[viewer.role] >= RANK[role];
}

// Rules that depend on the viewer alone are cached per request ('contextual'):
// evaluated once, however many fields they guard.

export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })(
  (_parent, _args, ctx: Context) => (ctx.viewer ? true : unauthenticated()),
);

function roleRule(role: Role) {
  return rule(`is${role}`, { cache: 'contextual' })((_parent, _args, ctx: Context) => {
    if (!ctx.viewer) return unauthenticated();
    return hasRole(ctx.viewer, role) ? true : forbidden();
  });
}

export const isStaff = roleRule('STAFF');
export const isAdmin = roleRule('ADMIN');
