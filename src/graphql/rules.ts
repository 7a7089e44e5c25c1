import type { GraphQLResolveInfo } from 'graphql';
import { rule } from 'graphql-shield';
import type { Context, Viewer } from '../context';
import type { Role } from '../generated/prisma/client';
import { forbidden, unauthenticated } from './errors';

const RANK: Record<Role, number> = { CUSTOMER: 0, STAFF: 1, ADMIN: 2 };

/** ADMIN includes STAFF, which includes CUSTOMER. */
export function hasRole(viewer: Viewer | null, role: Role): boolean {
  return viewer !== null && RANK[viewer.role] >= RANK[role];
}

type RuleResult = boolean | Error;
type RuleBody<P> = (parent: P, args: Record<string, unknown>, ctx: Context, info: GraphQLResolveInfo) => RuleResult | Promise<RuleResult>;

/**
 * Defines a shield rule. graphql-shield turns an exception thrown inside a
 * rule into a plain "not authorised" (unless in debug mode), which would hide
 * a fault such as a failed ownership lookup behind a FORBIDDEN. Here the
 * exception is returned instead: shield passes a returned error through as
 * the field's error, the gateway logs it and reports INTERNAL_SERVER_ERROR.
 * `cache: 'contextual'` is for rules that depend on the viewer alone
 * (evaluated once per request); rules reading the parent use 'no_cache'.
 */
export function defineRule<P = unknown>(name: string, cache: 'contextual' | 'no_cache', body: RuleBody<P>) {
  return rule(name, { cache })(async (parent: P, args: Record<string, unknown>, ctx: Context, info: GraphQLResolveInfo) => {
    try {
      return await body(parent, args, ctx, info);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
}

export const isAuthenticated = defineRule('isAuthenticated', 'contextual', 
  (_parent, _args, ctx) => (ctx.viewer ? true : unauthenticated()),
);

function roleRule(role: Role) {
  return defineRule(`is${role}`, 'contextual', (_parent, _args, ctx) => {
    if (!ctx.viewer) return unauthenticated();
    return hasRole(ctx.viewer, role) ? true : forbidden();
  });
}

export const isStaff = roleRule('STAFF');
export const isAdmin = roleRule('ADMIN');

/**
 * Readable by the owner of the parent object and by staff. `ownerOf` finds
 * the owner's user id from the parent, through the request's loaders when it
 * needs a lookup, so a page of objects costs one batched query, not one each.
 */
export function ownerOrStaff<P>(name: string, ownerOf: (parent: P, ctx: Context) => number | null | Promise<number | null>) {
  return defineRule<P>(name, 'no_cache', async (parent, _args, ctx) => {
    if (!ctx.viewer) return unauthenticated();
    if (hasRole(ctx.viewer, 'STAFF')) return true;
    return (await ownerOf(parent, ctx)) === ctx.viewer.id ? true : forbidden();
  });
}
