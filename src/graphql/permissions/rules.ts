import type { GraphQLResolveInfo } from 'graphql';
import { rule } from 'graphql-shield';
import type { Context } from '../../context';
import { hasRole } from '../../core/viewer';
import type { Role } from '../../generated/prisma/client';
import { forbidden, unauthenticated } from '../errors';

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
 * Readable when the object's policy says the viewer may see it (the same
 * `canRead…` function its service uses). `canRead` may look related objects up
 * through the request's loaders, so a page of objects costs one batched query.
 */
export function visibleWhen<P>(name: string, canRead: (parent: P, ctx: Context) => boolean | Promise<boolean>) {
  return defineRule<P>(name, 'no_cache', async (parent, _args, ctx) => {
    if (!ctx.viewer) return unauthenticated();
    return (await canRead(parent, ctx)) ? true : forbidden();
  });
}
